import { finding } from "../../findings.js";
import type { CsvRule } from "../rule.js";

/** Every quote opened is closed before the file ends; an open one is reported at its record's first line. */
export const unclosedQuote: CsvRule = (facts, { csv }, where) =>
  facts.parseError?.code === "CSV_QUOTE_NOT_CLOSED"
    ? [
        finding(
          "error",
          "unclosed-quote",
          where.line(facts.parseError.line),
          "a quote opened in the record starting here is never closed: the file ends inside a quoted field",
          `close the quote, or write a quote inside a quoted field as ${csv.escape}${csv.quote} (data.csv.escape is ${JSON.stringify(csv.escape)})`,
        ),
      ]
    : [];
