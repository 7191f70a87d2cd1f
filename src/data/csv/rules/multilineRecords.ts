import { finding } from "../../findings.js";
import type { CsvRule } from "../rule.js";

/** Quoted fields spanning lines are an error with multiline: false (Spark splits them), a note with true. */
export const multilineRecords: CsvRule = (facts, { csv }, where) => {
  const spanning = facts.multiline;
  if (spanning === undefined) return [];
  if (!csv.multiline) {
    return [
      finding(
        "error",
        "multiline-off",
        where.line(spanning.line),
        `${spanning.records} record(s) have quoted fields that span lines (the first starts here), but data.csv.multiline is false: Spark would split them into broken rows`,
        "set data.csv.multiline: true (or remove the line breaks inside quoted fields)",
      ),
    ];
  }
  return [
    finding(
      "info",
      "multiline",
      where.file,
      `${spanning.records} record(s) have quoted fields that span lines: fine with data.csv.multiline: true`,
    ),
  ];
};
