import { describe, expect, it } from "vitest";
import { headerOnly } from "../../../src/data/csv/rules/headerOnly.js";
import { newRowStats } from "../../../src/data/labels.js";
import { factsOf, headerOf, settingsOf, where } from "./facts.js";

describe("headerOnly", () => {
  it("a header without rows under it is an error naming its columns", () => {
    expect(headerOnly(factsOf({ stats: newRowStats() }), settingsOf(), where)).toEqual([
      {
        severity: "error",
        code: "header-only",
        where: "d.csv",
        message: "has a header (text, label) but no data rows",
        fix: "add rows, or check data.path points at the full file",
      },
    ]);
  });

  it("a header the scan stopped at (a wrong label column) is not also called empty", () => {
    const facts = factsOf({
      header: headerOf(["text", "category"]),
      stoppedAtHeader: true,
      stats: newRowStats(),
    });
    expect(headerOnly(facts, settingsOf(), where)).toEqual([]);
  });

  it("a parse error after the header (an unclosed quote in row 1) is the finding, not an empty file", () => {
    const facts = factsOf({
      stats: newRowStats(),
      parseError: { code: "CSV_QUOTE_NOT_CLOSED", message: "Quote Not Closed", line: 2 },
    });
    expect(headerOnly(facts, settingsOf(), where)).toEqual([]);
  });

  it("rows, or no header at all (emptyFile's business), are fine", () => {
    expect(headerOnly(factsOf(), settingsOf(), where)).toEqual([]);
    expect(headerOnly(factsOf({ header: undefined, stats: newRowStats() }), settingsOf(), where)).toEqual([]);
  });
});
