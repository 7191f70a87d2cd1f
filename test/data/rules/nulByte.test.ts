import { describe, expect, it } from "vitest";
import { nulByte } from "../../../src/data/csv/rules/nulByte.js";
import { factsOf, settingsOf, where } from "./facts.js";

describe("nulByte", () => {
  it("a NUL byte is an error on its line, with its offset", () => {
    const facts = factsOf();
    facts.bytes.nul = { line: 2, offset: 5 };
    expect(nulByte(facts, settingsOf(), where)).toEqual([
      {
        severity: "error",
        code: "binary-file",
        where: "d.csv:2",
        message: "contains a NUL byte (offset 5): this is a binary file, or text in UTF-16 read as UTF-8",
        fix: "point data.path at a CSV text file (for UTF-16 text set data.csv.encoding: UTF-16)",
      },
    ]);
  });

  it("a file without one is fine", () => {
    expect(nulByte(factsOf(), settingsOf(), where)).toEqual([]);
  });
});
