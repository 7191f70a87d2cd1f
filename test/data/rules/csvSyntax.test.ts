import { describe, expect, it } from "vitest";
import { csvSyntax } from "../../../src/data/csv/rules/csvSyntax.js";
import { factsOf, settingsOf, where } from "./facts.js";

describe("csvSyntax", () => {
  it("a parse error no other rule explains is passed on in csv-parse's words", () => {
    const facts = factsOf({ parseError: { code: "CSV_SOMETHING", message: "Invalid thing", line: 3 } });
    expect(csvSyntax(facts, settingsOf(), where)).toEqual([
      { severity: "error", code: "csv-syntax", where: "d.csv:3", message: "not valid CSV: Invalid thing" },
    ]);
  });

  it.each(["CSV_QUOTE_NOT_CLOSED", "CSV_MAX_RECORD_SIZE"])("leaves %s to its own rule", (code) => {
    expect(csvSyntax(factsOf({ parseError: { code, message: "m", line: 2 } }), settingsOf(), where)).toEqual(
      [],
    );
  });

  it("a file that parses is fine", () => {
    expect(csvSyntax(factsOf(), settingsOf(), where)).toEqual([]);
  });
});
