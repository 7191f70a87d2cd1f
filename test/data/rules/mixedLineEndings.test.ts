import { describe, expect, it } from "vitest";
import { mixedLineEndings } from "../../../src/data/csv/rules/mixedLineEndings.js";
import { factsOf, settingsOf, where } from "./facts.js";

const mixed = factsOf({ bytes: { bytes: 40, lines: 5, crlf: 3, lf: 2, nul: undefined, badUtf8: undefined } });

describe("mixedLineEndings", () => {
  it("CRLF and LF in one file are noted as fine when records are one line each", () => {
    expect(mixedLineEndings(mixed, settingsOf({ multiline: false }), where)).toEqual([
      {
        severity: "info",
        code: "mixed-line-endings",
        where: "d.csv",
        message: "mixes CRLF (3) and LF (2) line endings: fine with data.csv.multiline: false",
      },
    ]);
  });

  it("with multiline it is mergedLines' business; one kind of ending is fine", () => {
    expect(mixedLineEndings(mixed, settingsOf({ multiline: true }), where)).toEqual([]);
    expect(mixedLineEndings(factsOf(), settingsOf({ multiline: false }), where)).toEqual([]);
  });
});
