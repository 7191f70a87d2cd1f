import { finding } from "../../findings.js";
import type { CsvRule } from "../rule.js";

const count = (n: number) => n.toLocaleString("en-US");

/** No field is longer than data.csv.max_field_chars: one that is usually hides a quote never closed. */
export const fieldTooLarge: CsvRule = (facts, { csv }, where) => {
  const field = facts.oversize;
  if (field === undefined) return [];
  return [
    finding(
      "error",
      "field-too-large",
      where.line(field.line),
      `a field${field.column ? ` of column ${JSON.stringify(field.column)}` : ""} has ${count(field.chars)} characters, over data.csv.max_field_chars (${count(csv.max_field_chars)}); usually a quote that is never closed swallowed the lines after it`,
      "close or escape the quote that opens that field, or raise data.csv.max_field_chars if documents really are that long",
    ),
  ];
};
