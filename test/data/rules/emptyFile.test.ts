import { describe, expect, it } from "vitest";
import { emptyFile } from "../../../src/data/csv/rules/emptyFile.js";
import { factsOf, settingsOf, where } from "./facts.js";

describe("emptyFile", () => {
  it("a file without a single record is an error", () => {
    expect(emptyFile(factsOf({ header: undefined }), settingsOf(), where)).toEqual([
      {
        severity: "error",
        code: "empty-file",
        where: "d.csv",
        message: "has no records (only empty lines)",
        fix: "point data.path at a CSV with a header and rows",
      },
    ]);
  });

  it("is silent when a parse or encoding error already says why no record was read", () => {
    const unparsed = factsOf({
      header: undefined,
      parseError: { code: "CSV_QUOTE_NOT_CLOSED", message: "m", line: 1 },
    });
    expect(emptyFile(unparsed, settingsOf(), where)).toEqual([]);
    const undecoded = factsOf({ header: undefined });
    undecoded.bytes.badUtf8 = { line: 1, offset: 0, bytes: "0xff", count: 1 };
    expect(emptyFile(undecoded, settingsOf(), where)).toEqual([]);
  });

  it("a file with a record is fine", () => {
    expect(emptyFile(factsOf(), settingsOf(), where)).toEqual([]);
  });
});
