import type { DataFinding } from "../../findings.js";
import type { CsvFacts, HeadFacts } from "../facts.js";
import type { CsvRule, HeadRule, Rule, RuleSettings, Where } from "../rule.js";
import { binaryFile } from "./binaryFile.js";
import { byteOrderMark } from "./byteOrderMark.js";
import { crlf } from "./crlf.js";
import { csvSyntax } from "./csvSyntax.js";
import { emptyFile } from "./emptyFile.js";
import { fieldTooLarge } from "./fieldTooLarge.js";
import { headerColumns } from "./headerColumns.js";
import { headerOnly } from "./headerOnly.js";
import { invalidUtf8 } from "./invalidUtf8.js";
import { mergedLines } from "./mergedLines.js";
import { mixedLineEndings } from "./mixedLineEndings.js";
import { multilineRecords } from "./multilineRecords.js";
import { notGzip } from "./notGzip.js";
import { nulByte } from "./nulByte.js";
import { recordTooLarge } from "./recordTooLarge.js";
import { unclosedQuote } from "./unclosedQuote.js";
import { unknownEncoding } from "./unknownEncoding.js";
import { utf16ByteOrderMark } from "./utf16ByteOrderMark.js";
import { wrongDelimiter } from "./wrongDelimiter.js";

/** Rules on the first bytes, in report order; the file is streamed only when none of them finds an error. */
export const HEAD_RULES: readonly HeadRule[] = [notGzip, binaryFile, utf16ByteOrderMark, byteOrderMark];

/** Rules on the streamed pass, in report order. */
export const BODY_RULES: readonly CsvRule[] = [
  unknownEncoding,
  headerColumns,
  wrongDelimiter,
  unclosedQuote,
  recordTooLarge,
  csvSyntax,
  nulByte,
  invalidUtf8,
  crlf,
  mixedLineEndings,
  emptyFile,
  headerOnly,
  multilineRecords,
  mergedLines,
  fieldTooLarge,
];

/** Rules whose error means the file is not text as configured: what any later rule says would be noise. */
const FINAL: ReadonlySet<unknown> = new Set([notGzip, binaryFile, utf16ByteOrderMark, nulByte]);

function run<F>(
  rules: ReadonlyArray<Rule<F>>,
  facts: F,
  settings: RuleSettings,
  where: Where,
): DataFinding[] {
  const out: DataFinding[] = [];
  for (const rule of rules) {
    const found = rule(facts, settings, where);
    out.push(...found);
    if (FINAL.has(rule) && found.some((f) => f.severity === "error")) break;
  }
  return out;
}

export const checkHead = (facts: HeadFacts, settings: RuleSettings, where: Where): DataFinding[] =>
  run(HEAD_RULES, facts, settings, where);

export const checkBody = (facts: CsvFacts, settings: RuleSettings, where: Where): DataFinding[] =>
  run(BODY_RULES, facts, settings, where);
