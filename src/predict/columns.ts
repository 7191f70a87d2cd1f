import { createReadStream } from "node:fs";
import { parse } from "csv-parse";
import type { JobSpec } from "../spec/types.js";

/** The columns predict adds; the model's own columns are also off limits in the input. */
export const PREDICTED_LABEL = "predicted_label";
export const PROBABILITY = "probability";
export const probabilityColumn = (label: string) => `probability_${label}`;
/** The model writes these on its way to predicted_label; an input `label` is fine (the model never reads it). */
const MODEL_COLUMNS = ["features", "prediction", "rawPrediction"];

/** Input columns that would clash with what the model or predict adds. */
export function conflictingColumns(columns: string[], labels: string[]): string[] {
  const taken = new Set([PREDICTED_LABEL, PROBABILITY, ...MODEL_COLUMNS, ...labels.map(probabilityColumn)]);
  return columns.filter((c) => taken.has(c) || c.startsWith("kindling_"));
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
