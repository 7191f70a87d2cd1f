import { checkColumns } from "../../columns.js";
import type { CsvRule } from "../rule.js";
import { delimiterGuess } from "./wrongDelimiter.js";

/** The header names each needed column exactly once; a missing one is listed with the columns there are. */
export const headerColumns: CsvRule = (facts, settings, where) => {
  const { header } = facts;
  if (header === undefined) return [];
  const { csv, wanted } = settings;
  const problems = checkColumns(header.names, header.columns, wanted, where.line(header.line), csv.header);
  // A wrong delimiter loses every column at once: wrongDelimiter says so in one finding instead.
  return delimiterGuess(facts, settings) === undefined
    ? problems
    : problems.filter((f) => f.code !== "missing-column");
};
