import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { parse } from "csv-parse";
import type { Config } from "../config/schema.js";
import { UsageError } from "../errors.js";
import { inferFormat } from "../spec/compile.js";

/**
 * Checks that the input exists and names the configured columns, before any Spark job starts.
 * (Streams only the header: a huge file is never read whole.)
 */
export async function checkInput(file: string, data: Config["data"]): Promise<{ columns: string[] }> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(file);
  } catch {
    throw new UsageError(`data.path: input file not found: ${file}`, {
      hint: "Fix data.path in the config (relative paths are read from the config file's folder).",
    });
  }
  const format = data.format ?? inferFormat(data.path);
  if (format === "parquet") return { columns: [] };
  if (!info.isFile()) throw new UsageError(`data.path: ${file} is not a file`);
  if (info.size === 0) throw new UsageError(`data.path: ${file} is empty`, { hint: "Point data.path at a CSV with a header and rows." });
  const columns = await readHeader(file, data.csv);
  const missing = [data.text, data.label].filter((c) => !columns.includes(c));
  if (missing.length > 0) {
    const key = missing.includes(data.text) ? "data.text" : "data.label";
    throw new UsageError(
      `${key}: column ${missing.map((m) => `"${m}"`).join(" and ")} not found in ${file}; its columns are: ${columns.join(", ")}`,
      { hint: "Set data.text and data.label to the names of the text and label columns." },
    );
  }
  return { columns };
}

async function readHeader(file: string, csv: Config["data"]["csv"]): Promise<string[]> {
  const parser = createReadStream(file).pipe(
    parse({ delimiter: csv.delimiter, quote: csv.quote, escape: csv.escape, bom: true, to_line: 1, relax_column_count: true }),
  );
  for await (const record of parser) {
    const fields = record as string[];
    return csv.header ? fields.map((f) => f.trim()) : fields.map((_, i) => `_c${i}`);
  }
  return [];
}
