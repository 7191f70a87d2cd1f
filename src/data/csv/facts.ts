import type { ByteFacts, Head } from "../bytes.js";
import type { RowStats } from "../labels.js";

/** What the first bytes of a file say, read before deciding whether to stream the rest. */
export interface HeadFacts {
  /** Named *.gz: Spark decompresses it by the name, and so does the scan. */
  gzip: boolean;
  /** Undefined when a *.gz file does not decompress. */
  head: Head | undefined;
}

/** The first record, which names the columns. */
export interface Header {
  line: number;
  /** The names as written; empty strings when data.csv.header is false. */
  names: string[];
  /** The names Spark gives the columns. */
  columns: string[];
}

/** Rows whose field count differs from the header's: the run rejects them (runs/<id>/rejects/). */
export interface Malformed {
  count: number;
  examples: Array<{ line: number; fields: number }>;
}

/** What one streamed pass over a CSV file gathered; the rules decide what it means. */
export interface CsvFacts extends HeadFacts {
  head: Head;
  /** The first 64 KiB as Latin-1: enough lines to guess another delimiter from. */
  sample: string;
  bytes: ByteFacts;
  /** Undefined when the file has no record (only empty lines, or it fails to parse before one ends). */
  header: Header | undefined;
  /** The header lacks or repeats a needed column, so the rows after it were not read. */
  stoppedAtHeader: boolean;
  stats: RowStats;
  malformed: Malformed;
  /** Records with a line break inside a quoted field: how many, and the line the first starts on. */
  multiline: { records: number; line: number } | undefined;
  /** The first line whose unquoted field holds a line break, i.e. a line not ending like the first one. */
  unquotedBreak: number | undefined;
  /** The first field over data.csv.max_field_chars; `column` is empty unless it is in a well-formed row. */
  oversize: { line: number; column: string; chars: number } | undefined;
  /** Where csv-parse gave up, with its error code (e.g. CSV_QUOTE_NOT_CLOSED). */
  parseError: { code: string; message: string; line: number } | undefined;
}
