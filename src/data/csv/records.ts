import { checkColumns, sparkCsvColumns } from "../columns.js";
import { countLabel } from "../labels.js";
import type { CsvFacts, Header } from "./facts.js";
import type { RuleSettings } from "./rule.js";

/** Ends the scan early once the header makes the rest meaningless (wrong columns). */
export class StopScan extends Error {}

const EXAMPLES = 5;

/**
 * The csv-parse hooks that fill `facts` as records stream by, holding nothing but counters and the first
 * example of each problem. Mirrors Spark's reader where it matters: empty lines are skipped but counted
 * in line numbers, an empty field is null.
 */
export function recordHooks(facts: CsvFacts, { csv, wanted }: RuleSettings, signal?: AbortSignal) {
  let textIndex = -1;
  let labelIndex = -1;
  let lastEnd = 0;
  let seen = 0;

  const onRecord = (record: string[], context: { lines: number }): null => {
    const start = lastEnd + 1;
    let breaks = 0;
    let oversized = -1;
    for (let i = 0; i < record.length; i++) {
      const field = record[i] ?? "";
      if (field.length > csv.max_field_chars && oversized === -1) oversized = i;
      for (let at = field.indexOf("\n"); at !== -1; at = field.indexOf("\n", at + 1)) breaks++;
    }
    const line = Math.max(start, context.lines - breaks);
    lastEnd = context.lines;
    if ((++seen & 0xfff) === 0 && signal?.aborted) throw signal.reason;
    const first = facts.header === undefined;
    const header = facts.header ?? readHeader(record, line);
    const isRow = !first || !csv.header;
    const wellFormed = record.length === header.columns.length;
    if (oversized !== -1) {
      // A column name only means something in a well-formed row.
      const column = isRow && wellFormed ? (header.columns[oversized] ?? "") : "";
      facts.oversize ??= { line: start, column, chars: record[oversized]?.length ?? 0 };
    }
    if (first) {
      // The same check the headerColumns rule reports: rows under a header it rejects need no reading.
      const problems = checkColumns(header.names, header.columns, wanted, "", csv.header);
      if (problems.some((p) => p.severity === "error")) {
        facts.stoppedAtHeader = true;
        throw new StopScan();
      }
      if (!isRow) return null;
    }
    facts.stats.rows += 1;
    if (breaks > 0) {
      if (facts.multiline) facts.multiline.records += 1;
      else facts.multiline = { records: 1, line };
    }
    if (!wellFormed) {
      facts.malformed.count += 1;
      if (facts.malformed.examples.length < EXAMPLES) {
        facts.malformed.examples.push({ line, fields: record.length });
      }
      return null;
    }
    countRow(record);
    return null;
  };

  const readHeader = (record: string[], line: number): Header => {
    const names = csv.header ? record : record.map(() => "");
    const header = { line, names, columns: sparkCsvColumns(names, csv.header) };
    facts.header = header;
    textIndex = header.columns.indexOf(wanted.text);
    labelIndex = wanted.label === undefined ? -1 : header.columns.indexOf(wanted.label);
    return header;
  };

  const countRow = (record: string[]): void => {
    const stats = facts.stats;
    const text = record[textIndex] ?? "";
    // Without a label column (predict) a row needs only its text.
    const label = labelIndex === -1 ? "x" : (record[labelIndex] ?? "");
    if (text === "") stats.emptyText += 1;
    if (label === "") stats.emptyLabel += 1;
    if (text !== "" && label !== "") {
      stats.usable += 1;
      if (labelIndex !== -1) countLabel(stats, label);
    }
  };

  const cast = (value: string, context: { quoting: boolean }): string => {
    if (!context.quoting && facts.unquotedBreak === undefined && /[\r\n]/.test(value)) {
      facts.unquotedBreak = lastEnd + 1;
    }
    return value;
  };

  /** The line the record being parsed starts on: where a parse error is reported. */
  const nextLine = () => lastEnd + 1;

  return { onRecord, cast, nextLine };
}
