import { finding } from "../../findings.js";
import type { CsvRule } from "../rule.js";

// These have rules of their own (unclosedQuote, recordTooLarge) that say how to fix them.
const EXPLAINED = new Set(["CSV_QUOTE_NOT_CLOSED", "CSV_MAX_RECORD_SIZE"]);

/** The file parses in the configured dialect; a parse error no other rule explains is shown as is. */
export const csvSyntax: CsvRule = (facts, _settings, where) => {
  const error = facts.parseError;
  if (error === undefined || EXPLAINED.has(error.code)) return [];
  return [finding("error", "csv-syntax", where.line(error.line), `not valid CSV: ${error.message}`)];
};
