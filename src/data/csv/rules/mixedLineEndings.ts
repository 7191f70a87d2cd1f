import { finding } from "../../findings.js";
import type { CsvRule } from "../rule.js";

/** CRLF and LF mixed in one file are noted as fine when records are one line each (multiline: false). */
export const mixedLineEndings: CsvRule = (facts, { csv }, where) => {
  const { crlf, lf } = facts.bytes;
  if (crlf === 0 || lf === 0 || csv.multiline) return [];
  return [
    finding(
      "info",
      "mixed-line-endings",
      where.file,
      `mixes CRLF (${crlf}) and LF (${lf}) line endings: fine with data.csv.multiline: false`,
    ),
  ];
};
