import { describe, expect, it } from "vitest";
import { multilineRecords } from "../../../src/data/csv/rules/multilineRecords.js";
import { factsOf, settingsOf, where } from "./facts.js";

const spanning = factsOf({ multiline: { records: 2, line: 3 } });

describe("multilineRecords", () => {
  it("quoted line breaks with multiline: false are an error where the first record starts", () => {
    expect(multilineRecords(spanning, settingsOf({ multiline: false }), where)).toEqual([
      {
        severity: "error",
        code: "multiline-off",
        where: "d.csv:3",
        message:
          "2 record(s) have quoted fields that span lines (the first starts here), but data.csv.multiline is false: Spark would split them into broken rows",
        fix: "set data.csv.multiline: true (or remove the line breaks inside quoted fields)",
      },
    ]);
  });

  it("with multiline: true they are noted as fine", () => {
    expect(multilineRecords(spanning, settingsOf({ multiline: true }), where)).toEqual([
      {
        severity: "info",
        code: "multiline",
        where: "d.csv",
        message: "2 record(s) have quoted fields that span lines: fine with data.csv.multiline: true",
      },
    ]);
  });

  it("one-line records say nothing either way", () => {
    expect(multilineRecords(factsOf(), settingsOf({ multiline: false }), where)).toEqual([]);
    expect(multilineRecords(factsOf(), settingsOf({ multiline: true }), where)).toEqual([]);
  });
});
