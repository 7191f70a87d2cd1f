import { finding } from "../../findings.js";
import type { CsvRule } from "../rule.js";

/**
 * An accepted header has data rows under it. After a rejected header, or a parse error (an unclosed quote
 * in the first row), the rows were never counted: those findings say why, and this one would mislead.
 */
export const headerOnly: CsvRule = (facts, _settings, where) =>
  facts.header !== undefined &&
  !facts.stoppedAtHeader &&
  facts.parseError === undefined &&
  facts.stats.rows === 0
    ? [
        finding(
          "error",
          "header-only",
          where.file,
          `has a header (${facts.header.columns.join(", ")}) but no data rows`,
          "add rows, or check data.path points at the full file",
        ),
      ]
    : [];
