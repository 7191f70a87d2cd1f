import { parse } from "csv-parse/sync";

const CANDIDATES = [",", ";", "\t", "|", ":"];

/** How a delimiter is written in a message. */
export function showDelimiter(d: string): string {
  return d === "\t" ? '"\\t" (tab)' : JSON.stringify(d);
}

/**
 * The delimiter the sample seems to use: the candidate that splits the first lines into the same number
 * (≥ 2) of fields, preferring one whose header names the wanted columns, then the most fields.
 * Undefined when nothing fits better than `configured`.
 */
export function sniffDelimiter(
  sample: string,
  configured: string,
  quote: string,
  wanted: readonly string[],
): { delimiter: string; header: string[] } | undefined {
  let best: { delimiter: string; header: string[]; score: number } | undefined;
  for (const delimiter of CANDIDATES) {
    if (delimiter === configured || delimiter === quote) continue;
    let rows: string[][];
    try {
      rows = parse(sample, {
        delimiter,
        quote,
        relax_quotes: true,
        relax_column_count: true,
        skip_empty_lines: true,
        bom: true,
        to_line: 20,
      }) as string[][];
    } catch {
      continue;
    }
    // The last sampled line may be cut in the middle of a record.
    const complete = rows.length > 2 ? rows.slice(0, -1) : rows;
    const width = complete[0]?.length ?? 0;
    if (width < 2) continue;
    const consistent = complete.filter((r) => r.length === width).length / complete.length;
    if (consistent < 0.8) continue;
    const header = complete[0] ?? [];
    const named = wanted.filter((w) => header.includes(w)).length;
    const score = named * 1000 + consistent * 100 + Math.min(width, 50);
    if (!best || score > best.score) best = { delimiter, header, score };
  }
  return best ? { delimiter: best.delimiter, header: best.header } : undefined;
}
