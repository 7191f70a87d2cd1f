import { finding } from "../../findings.js";
import type { CsvRule } from "../rule.js";

/** With a UTF-8 encoding every byte sequence is valid UTF-8; the first bad one is shown with the count. */
export const invalidUtf8: CsvRule = (facts, { csv }, where) => {
  const bad = facts.bytes.badUtf8;
  if (bad === undefined) return [];
  return [
    finding(
      "error",
      "encoding",
      where.line(bad.line),
      `a byte that is not valid UTF-8 (${bad.bytes} at offset ${bad.offset}; ${bad.count} invalid sequence(s) in the file), but data.csv.encoding is ${csv.encoding}`,
      "set data.csv.encoding to the file's character set (often ISO-8859-1 or windows-1252 for Western European text), or convert the file to UTF-8 (`iconv -f ISO-8859-1 -t UTF-8`)",
    ),
  ];
};
