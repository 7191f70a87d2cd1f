import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { TextDecoder } from "node:util";
import { createGunzip } from "node:zlib";
import { CsvError, parse } from "csv-parse";
import { type ByteFacts, type Head, inspectBytes, isAsciiCompatible, isUtf8Name, readHead } from "./bytes.js";
import { checkColumns, sparkCsvColumns, type WantedColumns } from "./columns.js";
import { type DataFinding, finding } from "./findings.js";
import { countLabel, newRowStats, type RowStats } from "./labels.js";
import { showDelimiter, sniffDelimiter } from "./sniff.js";

/** The CSV settings of the config (data.csv). */
export interface CsvSettings {
  header: boolean;
  delimiter: string;
  quote: string;
  escape: string;
  multiline: boolean;
  encoding: string;
  max_field_chars: number;
}

/** What one streamed pass over a CSV file found. */
export interface CsvScan {
  columns: string[];
  stats: RowStats;
  /** Rows whose field count differs from the header's: the run rejects them (runs/<id>/rejects/). */
  malformed: { count: number; examples: Array<{ line: number; fields: number }> };
  /** Records whose quoted fields span lines. */
  multilineRecords: number;
  findings: DataFinding[];
}

/** Ends the scan early once the header makes the rest meaningless (wrong columns). */
class StopScan extends Error {}

const HEAD_BYTES = 64 * 1024;
const EXAMPLES = 5;

function openBytes(file: string, gzip: boolean): Readable {
  const raw = createReadStream(file, { highWaterMark: 1024 * 1024 });
  return gzip ? raw.pipe(createGunzip()) : raw;
}

async function readFirstBytes(file: string, gzip: boolean): Promise<Buffer> {
  if (!gzip) {
    const handle = await open(file, "r");
    try {
      const buf = Buffer.alloc(HEAD_BYTES);
      const { bytesRead } = await handle.read(buf, 0, HEAD_BYTES, 0);
      return buf.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  }
  const stream = openBytes(file, true);
  const parts: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      parts.push(chunk as Buffer);
      size += (chunk as Buffer).length;
      if (size >= HEAD_BYTES) break;
    }
  } finally {
    stream.destroy();
  }
  return Buffer.concat(parts).subarray(0, HEAD_BYTES);
}

function decoderFor(encoding: string): TextDecoder | undefined {
  try {
    return new TextDecoder(encoding.trim(), { fatal: false });
  } catch {
    return undefined;
  }
}

async function* decode(source: AsyncIterable<Buffer>, decoder: TextDecoder): AsyncGenerator<string> {
  for await (const chunk of source) {
    const text = decoder.decode(chunk, { stream: true });
    if (text) yield text;
  }
  const rest = decoder.decode();
  if (rest) yield rest;
}

/**
 * Streams one CSV file (never holding it whole) and reports what Spark would make of it: columns as
 * Spark names them, rows, the field-count errors the run would reject, the label counts, and every
 * structural problem with its line number. Mirrors Spark's reader where it matters: empty lines are
 * skipped, an empty field is null, with `multiline` the first line's ending separates records.
 */
export async function scanCsvFile(
  file: string,
  display: string,
  csv: CsvSettings,
  wanted: WantedColumns,
  signal?: AbortSignal,
): Promise<CsvScan> {
  const gzip = /\.gz$/i.test(file);
  const findings: DataFinding[] = [];
  const scan: CsvScan = {
    columns: [],
    stats: newRowStats(),
    malformed: { count: 0, examples: [] },
    multilineRecords: 0,
    findings,
  };
  const at = (line: number) => `${display}:${line}`;

  let first: Buffer;
  try {
    first = await readFirstBytes(file, gzip);
  } catch (error) {
    if (gzip && (error as NodeJS.ErrnoException).code === "Z_DATA_ERROR") {
      findings.push(
        finding(
          "error",
          "not-gzip",
          display,
          "is named *.gz but is not gzip-compressed; Spark decompresses by the name and would fail",
          "rename it without .gz",
        ),
      );
      return scan;
    }
    throw error;
  }
  const head: Head = readHead(first);
  const utf8 = isUtf8Name(csv.encoding);
  const ascii = isAsciiCompatible(csv.encoding);

  if (head.magic && !(gzip && head.magic.format === "gzip-compressed")) {
    findings.push(
      finding(
        "error",
        "binary-file",
        display,
        `is ${head.magic.format}, not a CSV text file`,
        head.magic.fix,
      ),
    );
    return scan;
  }
  if (head.bom === "UTF-16LE" || head.bom === "UTF-16BE") {
    if (ascii) {
      findings.push(
        finding(
          "error",
          "encoding",
          display,
          `starts with a ${head.bom} byte-order mark but data.csv.encoding is ${csv.encoding}`,
          `set data.csv.encoding: ${head.bom}`,
        ),
      );
      return scan;
    }
  } else if (head.bom === "UTF-8") {
    findings.push(
      finding("info", "bom", display, "starts with a UTF-8 byte-order mark: fine, Spark skips it"),
    );
  }

  const decoder = utf8 ? undefined : decoderFor(csv.encoding);
  if (!utf8 && decoder === undefined) {
    findings.push(
      finding(
        "warning",
        "encoding-unchecked",
        "data.csv.encoding",
        `${JSON.stringify(csv.encoding)} is not a character set this check knows; the file is checked as ISO-8859-1 (Spark uses Java's name for it)`,
      ),
    );
  }

  const bytes: ByteFacts = { bytes: 0, lines: 0, crlf: 0, lf: 0, nul: undefined, badUtf8: undefined };
  const stats = scan.stats;
  let width = -1;
  let textIndex = -1;
  let labelIndex = -1;
  let lastEnd = 0;
  let unquotedBreak: number | undefined;
  let spanning: number | undefined;
  let oversize: { line: number; column: string; chars: number } | undefined;
  let seen = 0;

  const onRecord = (record: string[], context: { lines: number }): null => {
    let breaks = 0;
    for (const field of record) {
      if (field.length > csv.max_field_chars && oversize === undefined) {
        oversize = { line: lastEnd + 1, column: "", chars: field.length };
      }
      for (let i = field.indexOf("\n"); i !== -1; i = field.indexOf("\n", i + 1)) breaks++;
    }
    const line = Math.max(lastEnd + 1, context.lines - breaks);
    lastEnd = context.lines;
    if ((++seen & 0xfff) === 0 && signal?.aborted) throw signal.reason;
    if (width === -1) {
      width = record.length;
      const header = csv.header ? record : record.map(() => "");
      scan.columns = sparkCsvColumns(header, csv.header);
      const problems = checkColumns(header, scan.columns, wanted, at(line), csv.header);
      findings.push(...problems);
      textIndex = scan.columns.indexOf(wanted.text);
      labelIndex = wanted.label === undefined ? -1 : scan.columns.indexOf(wanted.label);
      if (problems.some((p) => p.severity === "error")) throw new StopScan();
      if (csv.header) return null;
    }
    stats.rows += 1;
    if (breaks > 0) {
      scan.multilineRecords += 1;
      spanning ??= line;
    }
    if (record.length !== width) {
      scan.malformed.count += 1;
      if (scan.malformed.examples.length < EXAMPLES) {
        scan.malformed.examples.push({ line, fields: record.length });
      }
      return null;
    }
    const text = record[textIndex] ?? "";
    const label = labelIndex === -1 ? "x" : (record[labelIndex] ?? "");
    if (text === "") stats.emptyText += 1;
    if (label === "") stats.emptyLabel += 1;
    if (text !== "" && label !== "") {
      stats.usable += 1;
      if (labelIndex !== -1) countLabel(stats, label);
    }
    if (oversize && oversize.column === "") {
      const index = record.findIndex((f) => f.length > csv.max_field_chars);
      oversize.column = scan.columns[index] ?? `field ${index + 1}`;
    }
    return null;
  };

  const parser = parse({
    delimiter: csv.delimiter,
    quote: csv.quote,
    escape: csv.escape,
    bom: true,
    relax_quotes: true,
    relax_column_count: true,
    skip_empty_lines: true,
    // Spark's multiLine reader splits records only on the first line's ending; its line reader on any.
    record_delimiter: csv.multiline ? [head.lineEnding] : ["\r\n", "\n", "\r"],
    // Bounds memory on an unclosed quote: csv-parse keeps the open field in memory.
    max_record_size: csv.max_field_chars * 4 + 1024 * 1024,
    cast: (value: string, context: { quoting: boolean; lines: number }) => {
      if (!context.quoting && unquotedBreak === undefined && /[\r\n]/.test(value)) {
        unquotedBreak = lastEnd + 1;
      }
      return value;
    },
    on_record: onRecord as (record: unknown, context: unknown) => null,
  });

  const stages: unknown[] = [
    openBytes(file, gzip),
    (source: AsyncIterable<Buffer>) => inspectBytes(source, bytes, { utf8, nul: ascii }),
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
      // fall through: the header findings say why
    } else if (error instanceof CsvError) {
      findings.push(csvErrorFinding(error, at(lastEnd + 1), csv));
    } else if (signal?.aborted) {
      throw signal.reason;
    } else {
      throw error;
    }
  }

  if (width !== -1 && textIndex === -1 && findings.some((f) => f.code === "missing-column")) {
    suggestDelimiter(findings, first, csv, wanted);
  }
  byteFindings(findings, bytes, head, csv, display);
  if (bytes.nul) return scan;

  if (width === -1 && !findings.some((f) => f.severity === "error")) {
    findings.push(
      finding(
        "error",
        "empty-file",
        display,
        "has no records (only empty lines)",
        "point data.path at a CSV with a header and rows",
      ),
    );
  } else if (width !== -1 && stats.rows === 0 && textIndex !== -1) {
    findings.push(
      finding(
        "error",
        "header-only",
        display,
        `has a header (${scan.columns.join(", ")}) but no data rows`,
        "add rows, or check data.path points at the full file",
      ),
    );
  }
  if (spanning !== undefined && !csv.multiline) {
    findings.push(
      finding(
        "error",
        "multiline-off",
        at(spanning),
        `${scan.multilineRecords} record(s) have quoted fields that span lines (the first starts here), but data.csv.multiline is false: Spark would split them into broken rows`,
        "set data.csv.multiline: true (or remove the line breaks inside quoted fields)",
      ),
    );
  } else if (spanning !== undefined) {
    findings.push(
      finding(
        "info",
        "multiline",
        display,
        `${scan.multilineRecords} record(s) have quoted fields that span lines: fine with data.csv.multiline: true`,
      ),
    );
  }
  if (unquotedBreak !== undefined && csv.multiline) {
    const first = head.lineEnding === "\r\n" ? "CRLF (Windows)" : head.lineEnding === "\n" ? "LF" : "CR";
    findings.push(
      finding(
        "error",
        "mixed-line-endings",
        at(unquotedBreak),
        `line endings are mixed: the first line ends with ${first} but this one does not; with data.csv.multiline: true Spark ends records only where the first line ends, so it merges this line into its neighbour`,
        "convert the file to one line ending (e.g. `dos2unix FILE`), or set data.csv.multiline: false if no quoted field spans lines",
      ),
    );
  }
  if (oversize) {
    findings.push(
      finding(
        "error",
        "field-too-large",
        at(oversize.line),
        `a field${oversize.column ? ` of column ${JSON.stringify(oversize.column)}` : ""} has ${oversize.chars.toLocaleString("en-US")} characters, over data.csv.max_field_chars (${csv.max_field_chars.toLocaleString("en-US")}); usually a quote that is never closed swallowed the lines after it`,
        "close or escape the quote that opens that field, or raise data.csv.max_field_chars if documents really are that long",
      ),
    );
  }
  return scan;
}

function csvErrorFinding(error: CsvError, where: string, csv: CsvSettings): DataFinding {
  if (error.code === "CSV_QUOTE_NOT_CLOSED") {
    return finding(
      "error",
      "unclosed-quote",
      where,
      "a quote opened in the record starting here is never closed: the file ends inside a quoted field",
      `close the quote, or write a quote inside a quoted field as ${csv.escape}${csv.quote} (data.csv.escape is ${JSON.stringify(csv.escape)})`,
    );
  }
  if (error.code === "CSV_MAX_RECORD_SIZE") {
    return finding(
      "error",
      "field-too-large",
      where,
      `the record starting here grows past ${(csv.max_field_chars * 4).toLocaleString("en-US")} characters: usually a quote that is never closed swallowed the lines after it`,
      "close or escape that quote, or raise data.csv.max_field_chars if documents really are that long",
    );
  }
  return finding("error", "csv-syntax", where, `not valid CSV: ${error.message}`);
}

function suggestDelimiter(
  findings: DataFinding[],
  first: Buffer,
  csv: CsvSettings,
  wanted: WantedColumns,
): void {
  const sample = first.toString("latin1");
  const names = [wanted.text, ...(wanted.label === undefined ? [] : [wanted.label])];
  const guess = sniffDelimiter(sample, csv.delimiter, csv.quote, names);
  if (!guess) return;
  const missing = findings.find((f) => f.code === "missing-column");
  if (!missing) return;
  missing.message += `; the file seems to use ${showDelimiter(guess.delimiter)} as delimiter, not ${showDelimiter(csv.delimiter)} (with it the header is: ${guess.header.join(", ")})`;
  missing.fix = `set data.csv.delimiter: ${JSON.stringify(guess.delimiter)}`;
  missing.code = "wrong-delimiter";
  // The other missing column is the same mistake; one finding says it.
  const others = findings.filter((f) => f.code === "missing-column");
  for (const f of others) findings.splice(findings.indexOf(f), 1);
}

function byteFindings(
  findings: DataFinding[],
  bytes: ByteFacts,
  head: Head,
  csv: CsvSettings,
  display: string,
): void {
  if (bytes.nul) {
    findings.push(
      finding(
        "error",
        "binary-file",
        `${display}:${bytes.nul.line}`,
        `contains a NUL byte (offset ${bytes.nul.offset}): this is a binary file, or text in UTF-16 read as ${csv.encoding}`,
        "point data.path at a CSV text file (for UTF-16 text set data.csv.encoding: UTF-16)",
      ),
    );
    return;
  }
  if (bytes.badUtf8) {
    const b = bytes.badUtf8;
    findings.push(
      finding(
        "error",
        "encoding",
        `${display}:${b.line}`,
        `a byte that is not valid UTF-8 (${b.bytes} at offset ${b.offset}; ${b.count} invalid sequence(s) in the file), but data.csv.encoding is ${csv.encoding}`,
        "set data.csv.encoding to the file's character set (often ISO-8859-1 or windows-1252 for Western European text), or convert the file to UTF-8 (`iconv -f ISO-8859-1 -t UTF-8`)",
      ),
    );
  }
  if (bytes.crlf > 0 && bytes.lf === 0 && head.lineEnding === "\r\n") {
    findings.push(
      finding("info", "crlf", display, "has Windows (CRLF) line endings: fine, Spark reads them"),
    );
  } else if (bytes.crlf > 0 && bytes.lf > 0 && !csv.multiline) {
    findings.push(
      finding(
        "info",
        "mixed-line-endings",
        display,
        `mixes CRLF (${bytes.crlf}) and LF (${bytes.lf}) line endings: fine with data.csv.multiline: false`,
      ),
    );
  }
}
