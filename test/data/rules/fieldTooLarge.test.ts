import { describe, expect, it } from "vitest";
import { fieldTooLarge } from "../../../src/data/csv/rules/fieldTooLarge.js";
import { factsOf, settingsOf, where } from "./facts.js";

describe("fieldTooLarge", () => {
  it("a field over data.csv.max_field_chars is an error on its record's line, naming its column", () => {
    const facts = factsOf({ oversize: { line: 2, column: "text", chars: 12_500 } });
    expect(fieldTooLarge(facts, settingsOf({ max_field_chars: 10_000 }), where)).toEqual([
      {
        severity: "error",
        code: "field-too-large",
        where: "d.csv:2",
        message:
          'a field of column "text" has 12,500 characters, over data.csv.max_field_chars (10,000); usually a quote that is never closed swallowed the lines after it',
        fix: "close or escape the quote that opens that field, or raise data.csv.max_field_chars if documents really are that long",
      },
    ]);
  });

  it("leaves the column out when the field is in no well-formed row", () => {
    const facts = factsOf({ oversize: { line: 1, column: "", chars: 500 } });
    expect(fieldTooLarge(facts, settingsOf({ max_field_chars: 100 }), where)[0]?.message).toMatch(
      /^a field has 500 characters, over data\.csv\.max_field_chars \(100\)/,
    );
  });

  it("fields within the limit are fine", () => {
    expect(fieldTooLarge(factsOf(), settingsOf(), where)).toEqual([]);
  });
});
