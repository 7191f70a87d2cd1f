import { describe, expect, it } from "vitest";
import { utf16ByteOrderMark } from "../../../src/data/csv/rules/utf16ByteOrderMark.js";
import { headOf, settingsOf, where } from "./facts.js";

const utf16 = headOf({ head: { bom: "UTF-16BE", magic: undefined, lineEnding: "\n" } });

describe("utf16ByteOrderMark", () => {
  it("a UTF-16 byte-order mark with an ASCII-based encoding is an error naming the encoding to set", () => {
    expect(utf16ByteOrderMark(utf16, settingsOf({ encoding: "windows-1252" }), where)).toEqual([
      {
        severity: "error",
        code: "encoding",
        where: "d.csv",
        message: "starts with a UTF-16BE byte-order mark but data.csv.encoding is windows-1252",
        fix: "set data.csv.encoding: UTF-16BE",
      },
    ]);
  });

  it("is fine when data.csv.encoding is UTF-16, and without a UTF-16 mark", () => {
    expect(utf16ByteOrderMark(utf16, settingsOf({ encoding: "UTF-16" }), where)).toEqual([]);
    const utf8 = headOf({ head: { bom: "UTF-8", magic: undefined, lineEnding: "\n" } });
    expect(utf16ByteOrderMark(utf8, settingsOf(), where)).toEqual([]);
  });
});
