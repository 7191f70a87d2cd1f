import { finding } from "../../findings.js";
import type { CsvRule } from "../rule.js";

/** A file whose every line ends with CRLF is noted as fine: Spark reads Windows line endings. */
export const crlf: CsvRule = (facts, _settings, where) => {
  const { bytes, head } = facts;
  if (bytes.crlf === 0 || bytes.lf > 0 || head.lineEnding !== "\r\n") return [];
  return [finding("info", "crlf", where.file, "has Windows (CRLF) line endings: fine, Spark reads them")];
};
