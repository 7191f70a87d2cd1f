import { describe, expect, it } from "vitest";
import { binaryFile } from "../../../src/data/csv/rules/binaryFile.js";
import { headOf, settingsOf, where } from "./facts.js";

const headWith = (format: string, gzip = false) =>
  headOf({ gzip, head: { bom: undefined, magic: { format, fix: "do this" }, lineEnding: "\n" } });

describe("binaryFile", () => {
  it("a known binary format is an error with the format's own fix", () => {
    expect(binaryFile(headWith("a PDF document"), settingsOf(), where)).toEqual([
      {
        severity: "error",
        code: "binary-file",
        where: "d.csv",
        message: "is a PDF document, not a CSV text file",
        fix: "do this",
      },
    ]);
  });

  it("gzip bytes are an error in a file not named *.gz, and expected in one that is", () => {
    expect(binaryFile(headWith("gzip-compressed"), settingsOf(), where)).toHaveLength(1);
    expect(binaryFile(headWith("gzip-compressed", true), settingsOf(), where)).toEqual([]);
  });

  it("text is fine", () => {
    expect(binaryFile(headOf(), settingsOf(), where)).toEqual([]);
  });
});
