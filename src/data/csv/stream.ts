import { pipeline } from "node:stream/promises";
import { CsvError, parse } from "csv-parse";
import { type Head, inspectBytes, isAsciiCompatible, isUtf8Name } from "../bytes.js";
import { newRowStats } from "../labels.js";
import type { CsvFacts } from "./facts.js";
import { recordHooks, StopScan } from "./records.js";
import type { RuleSettings } from "./rule.js";
import { decode, decoderFor, openBytes } from "./source.js";

/**
 * Streams one CSV file (never holding it whole) through the byte inspector and csv-parse, configured the
 * way Spark reads it, and returns what it saw. It judges nothing: the rules do.
 */
export async function streamFacts(
  file: string,
  start: { gzip: boolean; head: Head; sample: string },
  settings: RuleSettings,
  signal?: AbortSignal,
): Promise<CsvFacts> {
  const { csv } = settings;
  const facts: CsvFacts = {
    ...start,
    bytes: { bytes: 0, lines: 0, crlf: 0, lf: 0, nul: undefined, badUtf8: undefined },
    header: undefined,
    stoppedAtHeader: false,
    stats: newRowStats(),
    malformed: { count: 0, examples: [] },
    multiline: undefined,
    unquotedBreak: undefined,
    oversize: undefined,
    parseError: undefined,
  };
  const hooks = recordHooks(facts, settings, signal);
  const utf8 = isUtf8Name(csv.encoding);
  // An unknown charset is left to csv-parse's default; the unknownEncoding rule says so.
  const decoder = utf8 ? undefined : decoderFor(csv.encoding);
  const parser = parse({
    delimiter: csv.delimiter,
    quote: csv.quote,
    escape: csv.escape,
    bom: true,
    relax_quotes: true,
    relax_column_count: true,
    skip_empty_lines: true,
    // Spark's multiLine reader splits records only on the first line's ending; its line reader on any.
    record_delimiter: csv.multiline ? [start.head.lineEnding] : ["\r\n", "\n", "\r"],
    // Bounds memory on an unclosed quote: csv-parse keeps the open field in memory.
    max_record_size: csv.max_field_chars * 4 + 1024 * 1024,
    cast: hooks.cast,
    on_record: hooks.onRecord as (record: unknown, context: unknown) => null,
  });

  const stages: unknown[] = [
    openBytes(file, start.gzip),
    (source: AsyncIterable<Buffer>) =>
      inspectBytes(source, facts.bytes, { utf8, nul: isAsciiCompatible(csv.encoding) }),
  ];
  if (decoder) stages.push((source: AsyncIterable<Buffer>) => decode(source, decoder));
  stages.push(parser, async (source: AsyncIterable<unknown>) => {
    for await (const _ of source) {
      // Records are consumed in on_record; nothing reaches here.
    }
  });
  try {
    await (pipeline as unknown as (...args: unknown[]) => Promise<void>)(...stages, signal ? { signal } : {});
  } catch (error) {
    if (error instanceof StopScan || (error as { cause?: unknown }).cause instanceof StopScan) {
      // The header facts say why.
    } else if (error instanceof CsvError) {
      facts.parseError = { code: error.code, message: error.message, line: hooks.nextLine() };
    } else if (signal?.aborted) {
      throw signal.reason;
    } else {
      throw error;
    }
  }
  return facts;
}
