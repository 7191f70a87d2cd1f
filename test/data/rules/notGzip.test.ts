import { describe, expect, it } from "vitest";
import { notGzip } from "../../../src/data/csv/rules/notGzip.js";
import { headOf, settingsOf, where } from "./facts.js";

describe("notGzip", () => {
  it("a *.gz file that does not decompress is an error", () => {
    expect(notGzip(headOf({ gzip: true, head: undefined }), settingsOf(), where)).toEqual([
      {
        severity: "error",
        code: "not-gzip",
        where: "d.csv",
        message: "is named *.gz but is not gzip-compressed; Spark decompresses by the name and would fail",
        fix: "rename it without .gz",
      },
    ]);
  });

  it("a *.gz file that decompresses is fine", () => {
    expect(notGzip(headOf({ gzip: true }), settingsOf(), where)).toEqual([]);
  });
});
