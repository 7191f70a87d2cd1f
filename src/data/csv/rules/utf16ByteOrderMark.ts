import { isAsciiCompatible } from "../../bytes.js";
import { finding } from "../../findings.js";
import type { HeadRule } from "../rule.js";

/** A file starting with a UTF-16 byte-order mark is not read with an ASCII-based data.csv.encoding. */
export const utf16ByteOrderMark: HeadRule = (facts, { csv }, where) => {
  const bom = facts.head?.bom;
  if ((bom !== "UTF-16LE" && bom !== "UTF-16BE") || !isAsciiCompatible(csv.encoding)) return [];
  return [
    finding(
      "error",
      "encoding",
      where.file,
      `starts with a ${bom} byte-order mark but data.csv.encoding is ${csv.encoding}`,
      `set data.csv.encoding: ${bom}`,
    ),
  ];
};
