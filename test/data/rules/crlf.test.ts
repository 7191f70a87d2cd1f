import { describe, expect, it } from "vitest";
import { crlf } from "../../../src/data/csv/rules/crlf.js";
import { factsOf, settingsOf, where } from "./facts.js";

const crlfHead = { bom: undefined, magic: undefined, lineEnding: "\r\n" } as const;
const withEndings = (crlfCount: number, lf: number) =>
  factsOf({
    head: crlfHead,
    bytes: { bytes: 40, lines: 3, crlf: crlfCount, lf, nul: undefined, badUtf8: undefined },
  });

describe("crlf", () => {
  it("a file with only CRLF line endings is noted as fine", () => {
    expect(crlf(withEndings(3, 0), settingsOf(), where)).toEqual([
      {
        severity: "info",
        code: "crlf",
        where: "d.csv",
        message: "has Windows (CRLF) line endings: fine, Spark reads them",
      },
    ]);
  });

  it("says nothing about LF files or mixed endings", () => {
    expect(crlf(factsOf(), settingsOf(), where)).toEqual([]);
    expect(crlf(withEndings(3, 1), settingsOf(), where)).toEqual([]);
  });
});
