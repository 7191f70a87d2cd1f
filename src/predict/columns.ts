import { createReadStream } from "node:fs";
import { parse } from "csv-parse";
import { MODEL_COLUMNS, RESERVED_PREFIX } from "../spec/reserved.js";
import type { JobSpec } from "../spec/types.js";

/** The column predict adds per label, besides predicted_label and probability (in MODEL_COLUMNS). */
export const probabilityColumn = (label: string) => `probability_${label}`;

/**
 * Input columns that would clash with what the model or predict adds. An input `label` is fine: the saved
 * model never reads it (only training adds `label` and `label_value`).
 */
export function conflictingColumns(columns: string[], labels: string[]): string[] {
  const taken = new Set([...MODEL_COLUMNS, ...labels.map(probabilityColumn)]);
  return columns.filter((c) => taken.has(c) || c.startsWith(RESERVED_PREFIX));
}

/** A CSV's column names, read with the training data's dialect; only the first record is parsed. */
export async function csvColumns(file: string, csv: JobSpec["input"]["csv"]): Promise<string[]> {
  const parser = createReadStream(file).pipe(
    parse({
      delimiter: csv.delimiter,
      quote: csv.quote,
      escape: csv.escape,
      bom: true,
      to_line: 1,
      relax_column_count: true,
      relax_quotes: true,
    }),
  );
  for await (const record of parser) {
    const fields = record as string[];
    parser.destroy();
    // As Spark names them: the header as written, or _c0, _c1, … without one.
    return csv.header ? fields : fields.map((_, i) => `_c${i}`);
  }
  return [];
}
