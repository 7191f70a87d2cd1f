import { finding } from "../../findings.js";
import type { HeadRule } from "../rule.js";

/** A UTF-8 byte-order mark is noted as harmless: Spark skips it, and so does the scan. */
export const byteOrderMark: HeadRule = (facts, _settings, where) =>
  facts.head?.bom === "UTF-8"
    ? [finding("info", "bom", where.file, "starts with a UTF-8 byte-order mark: fine, Spark skips it")]
    : [];
