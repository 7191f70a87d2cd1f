import { readHead } from "./bytes.js";
import type { WantedColumns } from "./columns.js";
import type { Malformed } from "./csv/facts.js";
import { type CsvSettings, whereIn } from "./csv/rule.js";
import { checkBody, checkHead } from "./csv/rules/registry.js";
import { readFirstBytes } from "./csv/source.js";
import { streamFacts } from "./csv/stream.js";
import type { DataFinding } from "./findings.js";
import { newRowStats, type RowStats } from "./labels.js";

export type { CsvSettings } from "./csv/rule.js";

/** What one streamed pass over a CSV file found. */
export interface CsvScan {
  columns: string[];
  stats: RowStats;
  /** Rows whose field count differs from the header's: the run rejects them (runs/<id>/rejects/). */
  malformed: Malformed;
  /** Records whose quoted fields span lines. */
  multilineRecords: number;
  findings: DataFinding[];
}

/**
 * Reports what Spark would make of one CSV file: columns as Spark names them, rows, the field-count
 * errors the run would reject, the label counts, and every problem with its line number. The first bytes
 * decide whether the file is worth streaming; one streamed pass gathers the facts (src/data/csv/stream.ts)
 * and the rules in src/data/csv/rules/ judge them.
 */
export async function scanCsvFile(
  file: string,
  display: string,
  csv: CsvSettings,
  wanted: WantedColumns,
  signal?: AbortSignal,
): Promise<CsvScan> {
  const settings = { csv, wanted };
  const where = whereIn(display);
  const gzip = /\.gz$/i.test(file);
  const first = await readFirstBytes(file, gzip);
  const head = first === undefined ? undefined : readHead(first);
  const findings = checkHead({ gzip, head }, settings, where);
  if (first === undefined || head === undefined || findings.some((f) => f.severity === "error")) {
    return {
      columns: [],
      stats: newRowStats(),
      malformed: { count: 0, examples: [] },
      multilineRecords: 0,
      findings,
    };
  }
  const facts = await streamFacts(file, { gzip, head, sample: first.toString("latin1") }, settings, signal);
  findings.push(...checkBody(facts, settings, where));
  return {
    columns: facts.header?.columns ?? [],
    stats: facts.stats,
    malformed: facts.malformed,
    multilineRecords: facts.multiline?.records ?? 0,
    findings,
  };
}
