import { finding } from "../../findings.js";
import type { HeadRule } from "../rule.js";

/** A file named *.gz decompresses: Spark picks the codec by the name and would fail on anything else. */
export const notGzip: HeadRule = (facts, _settings, where) =>
  facts.gzip && facts.head === undefined
    ? [
        finding(
          "error",
          "not-gzip",
          where.file,
          "is named *.gz but is not gzip-compressed; Spark decompresses by the name and would fail",
          "rename it without .gz",
        ),
      ]
    : [];
