import { checkColumns } from "../../columns.js";
import { finding } from "../../findings.js";
import { showDelimiter, sniffDelimiter } from "../../sniff.js";
import type { CsvFacts } from "../facts.js";
import type { CsvRule, RuleSettings } from "../rule.js";

/** The delimiter the file seems to use instead, when the header lacks the text column. */
export function delimiterGuess(facts: CsvFacts, { csv, wanted }: RuleSettings) {
  if (facts.header === undefined || facts.header.columns.includes(wanted.text)) return undefined;
  const names = [wanted.text, ...(wanted.label === undefined ? [] : [wanted.label])];
  return sniffDelimiter(facts.sample, csv.delimiter, csv.quote, names);
}

/** A header that lacks its columns because the file uses another delimiter says which one, once. */
export const wrongDelimiter: CsvRule = (facts, settings, where) => {
  const { header } = facts;
  const guess = delimiterGuess(facts, settings);
  if (header === undefined || guess === undefined) return [];
  const { csv, wanted } = settings;
  const missing = checkColumns(
    header.names,
    header.columns,
    wanted,
    where.line(header.line),
    csv.header,
  ).find((f) => f.code === "missing-column");
  if (missing === undefined) return [];
  return [
    finding(
      "error",
      "wrong-delimiter",
      missing.where,
      `${missing.message}; the file seems to use ${showDelimiter(guess.delimiter)} as delimiter, not ${showDelimiter(csv.delimiter)} (with it the header is: ${guess.header.join(", ")})`,
      `set data.csv.delimiter: ${JSON.stringify(guess.delimiter)}`,
    ),
  ];
};
