import { finding } from "../../findings.js";
import type { HeadRule } from "../rule.js";

/** The file does not start like a known binary format (zip/xlsx, PDF, Parquet, gzip not named *.gz). */
export const binaryFile: HeadRule = (facts, _settings, where) => {
  const magic = facts.head?.magic;
  // Named *.gz, gzip bytes are what Spark expects: it decompresses them.
  if (magic === undefined || (facts.gzip && magic.format === "gzip-compressed")) return [];
  return [finding("error", "binary-file", where.file, `is ${magic.format}, not a CSV text file`, magic.fix)];
};
