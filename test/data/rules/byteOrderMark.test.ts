import { describe, expect, it } from "vitest";
import { byteOrderMark } from "../../../src/data/csv/rules/byteOrderMark.js";
import { headOf, settingsOf, where } from "./facts.js";

describe("byteOrderMark", () => {
  it("a UTF-8 byte-order mark is noted as fine", () => {
    const head = headOf({ head: { bom: "UTF-8", magic: undefined, lineEnding: "\n" } });
    expect(byteOrderMark(head, settingsOf(), where)).toEqual([
      {
        severity: "info",
        code: "bom",
        where: "d.csv",
        message: "starts with a UTF-8 byte-order mark: fine, Spark skips it",
      },
    ]);
  });

  it("says nothing without one, or about a UTF-16 mark (utf16ByteOrderMark's business)", () => {
    expect(byteOrderMark(headOf(), settingsOf(), where)).toEqual([]);
    const utf16 = headOf({ head: { bom: "UTF-16LE", magic: undefined, lineEnding: "\n" } });
    expect(byteOrderMark(utf16, settingsOf(), where)).toEqual([]);
  });
});
