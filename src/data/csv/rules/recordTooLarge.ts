import { finding } from "../../findings.js";
import type { CsvRule } from "../rule.js";

/** No record outgrows the parser's bound (4 × data.csv.max_field_chars + 1 MiB), as a runaway quote does. */
export const recordTooLarge: CsvRule = (facts, { csv }, where) =>
  facts.parseError?.code === "CSV_MAX_RECORD_SIZE"
    ? [
        finding(
          "error",
          "field-too-large",
          where.line(facts.parseError.line),
          `the record starting here grows past ${(csv.max_field_chars * 4).toLocaleString("en-US")} characters: usually a quote that is never closed swallowed the lines after it`,
          "close or escape that quote, or raise data.csv.max_field_chars if documents really are that long",
        ),
      ]
    : [];
