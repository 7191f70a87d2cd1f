import { describe, expect, it } from "vitest";
import { recordTooLarge } from "../../../src/data/csv/rules/recordTooLarge.js";
import { factsOf, settingsOf, where } from "./facts.js";

describe("recordTooLarge", () => {
  it("a record past the parser's bound is an error where it starts", () => {
    const facts = factsOf({ parseError: { code: "CSV_MAX_RECORD_SIZE", message: "too big", line: 7 } });
    expect(recordTooLarge(facts, settingsOf({ max_field_chars: 1000 }), where)).toEqual([
      {
        severity: "error",
        code: "field-too-large",
        where: "d.csv:7",
        message:
          "the record starting here grows past 4,000 characters: usually a quote that is never closed swallowed the lines after it",
        fix: "close or escape that quote, or raise data.csv.max_field_chars if documents really are that long",
      },
    ]);
  });

  it("other parse errors, or none, are not its business", () => {
    const other = factsOf({ parseError: { code: "CSV_QUOTE_NOT_CLOSED", message: "open", line: 4 } });
    expect(recordTooLarge(other, settingsOf(), where)).toEqual([]);
    expect(recordTooLarge(factsOf(), settingsOf(), where)).toEqual([]);
  });
});
