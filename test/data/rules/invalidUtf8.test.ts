import { describe, expect, it } from "vitest";
import { invalidUtf8 } from "../../../src/data/csv/rules/invalidUtf8.js";
import { factsOf, settingsOf, where } from "./facts.js";

describe("invalidUtf8", () => {
  it("bytes that are not UTF-8 are an error on the first one's line, with how many there are", () => {
    const facts = factsOf();
    facts.bytes.badUtf8 = { line: 3, offset: 21, bytes: "0xe9", count: 2 };
    expect(invalidUtf8(facts, settingsOf(), where)).toEqual([
      {
        severity: "error",
        code: "encoding",
        where: "d.csv:3",
        message:
          "a byte that is not valid UTF-8 (0xe9 at offset 21; 2 invalid sequence(s) in the file), but data.csv.encoding is UTF-8",
        fix: "set data.csv.encoding to the file's character set (often ISO-8859-1 or windows-1252 for Western European text), or convert the file to UTF-8 (`iconv -f ISO-8859-1 -t UTF-8`)",
      },
    ]);
  });

  it("valid UTF-8 is fine", () => {
    expect(invalidUtf8(factsOf(), settingsOf(), where)).toEqual([]);
  });
});
