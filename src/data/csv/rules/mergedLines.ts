import { finding } from "../../findings.js";
import type { CsvRule } from "../rule.js";

const NAMES = { "\r\n": "CRLF (Windows)", "\n": "LF", "\r": "CR" } as const;

/** With data.csv.multiline: true every line ends like the first, else Spark merges it into its neighbour. */
export const mergedLines: CsvRule = (facts, { csv }, where) => {
  if (facts.unquotedBreak === undefined || !csv.multiline) return [];
  return [
    finding(
      "error",
      "mixed-line-endings",
      where.line(facts.unquotedBreak),
      `line endings are mixed: the first line ends with ${NAMES[facts.head.lineEnding]} but this one does not; with data.csv.multiline: true Spark ends records only where the first line ends, so it merges this line into its neighbour`,
      "convert the file to one line ending (e.g. `dos2unix FILE`), or set data.csv.multiline: false if no quoted field spans lines",
    ),
  ];
};
