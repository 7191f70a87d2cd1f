import { finding } from "../../findings.js";
import type { CsvRule } from "../rule.js";

/** A file has at least one record, unless a parse or encoding error already says why none was read. */
export const emptyFile: CsvRule = (facts, _settings, where) =>
  facts.header === undefined && facts.parseError === undefined && facts.bytes.badUtf8 === undefined
    ? [
        finding(
          "error",
          "empty-file",
          where.file,
          "has no records (only empty lines)",
          "point data.path at a CSV with a header and rows",
        ),
      ]
    : [];
