import { finding } from "../../findings.js";
import type { CsvRule } from "../rule.js";

/** A text file has no NUL byte: one means binary data, or UTF-16 read with an ASCII-based encoding. */
export const nulByte: CsvRule = (facts, { csv }, where) => {
  const nul = facts.bytes.nul;
  if (nul === undefined) return [];
  return [
    finding(
      "error",
      "binary-file",
      where.line(nul.line),
      `contains a NUL byte (offset ${nul.offset}): this is a binary file, or text in UTF-16 read as ${csv.encoding}`,
      "point data.path at a CSV text file (for UTF-16 text set data.csv.encoding: UTF-16)",
    ),
  ];
};
