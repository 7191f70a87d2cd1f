import { isUtf8 } from "node:buffer";

/** What the first bytes of a file say about it, before any CSV parsing. */
export interface Head {
  bom: "UTF-8" | "UTF-16LE" | "UTF-16BE" | undefined;
  /** A known binary format recognised by its magic number. */
  magic: { format: string; fix: string } | undefined;
  /** The first line's ending: Spark's multiLine reader takes it as the record separator for the whole file. */
  lineEnding: "\r\n" | "\n" | "\r";
}

const MAGIC: Array<{ bytes: number[]; format: string; fix: string }> = [
  { bytes: [0x50, 0x41, 0x52, 0x31], format: "a Parquet file", fix: "set data.format: parquet" },
  {
    bytes: [0x50, 0x4b, 0x03, 0x04],
    format: "a zip archive (an Excel .xlsx workbook?)",
    fix: "unzip it, or export the sheet as CSV",
  },
  { bytes: [0x25, 0x50, 0x44, 0x46], format: "a PDF document", fix: "export the data as CSV" },
  { bytes: [0x1f, 0x8b], format: "gzip-compressed", fix: "name it *.gz (Spark decompresses by extension)" },
  {
    bytes: [0xd0, 0xcf, 0x11, 0xe0],
    format: "an old Excel (.xls) workbook",
    fix: "export the sheet as CSV",
  },
];

export function readHead(first: Buffer): Head {
  const starts = (bytes: number[]) => bytes.every((b, i) => first[i] === b);
  const bom = starts([0xef, 0xbb, 0xbf])
    ? "UTF-8"
    : starts([0xff, 0xfe])
      ? "UTF-16LE"
      : starts([0xfe, 0xff])
        ? "UTF-16BE"
        : undefined;
  const magic = MAGIC.find((m) => starts(m.bytes));
  const lf = first.indexOf(0x0a);
  const cr = first.indexOf(0x0d);
  let lineEnding: Head["lineEnding"] = "\n";
  if (cr !== -1 && (lf === -1 || cr < lf)) lineEnding = first[cr + 1] === 0x0a ? "\r\n" : "\r";
  return { bom, magic: magic ? { format: magic.format, fix: magic.fix } : undefined, lineEnding };
}

/** Is the charset name one that keeps ASCII bytes as they are (so NUL bytes and line breaks mean what they seem)? */
export function isAsciiCompatible(encoding: string): boolean {
  return !/^(utf-?16|utf-?32|ucs-?2|unicode)/i.test(encoding.trim());
}

export function isUtf8Name(encoding: string): boolean {
  return /^utf-?8$/i.test(encoding.trim());
}

/** Byte-level facts gathered while the file streams through `inspectBytes`. */
export interface ByteFacts {
  bytes: number;
  /** Line breaks seen so far (LF, and CR not followed by LF), for line numbers. */
  lines: number;
  crlf: number;
  lf: number;
  /** First NUL byte (a binary file, or UTF-16 read as UTF-8). */
  nul: { line: number; offset: number } | undefined;
  /** Invalid UTF-8: where the first one is and how many lines have one. */
  badUtf8: { line: number; offset: number; bytes: string; count: number } | undefined;
}

/**
 * Passes chunks through unchanged while counting line endings and finding NUL bytes and (for UTF-8)
 * invalid byte sequences. Uses the native `isUtf8` per chunk; only a chunk that fails is scanned in JS.
 */
export async function* inspectBytes(
  source: AsyncIterable<Buffer>,
  facts: ByteFacts,
  options: { utf8: boolean; nul: boolean },
): AsyncGenerator<Buffer> {
  let carry: Buffer = Buffer.alloc(0);
  let lastByte = -1;
  for await (const chunk of source) {
    const linesBefore = facts.lines;
    const lineAt = (index: number) => linesBefore + countBreaks(chunk, index) + 1;
    if (options.nul && facts.nul === undefined) {
      const at = chunk.indexOf(0);
      if (at !== -1) facts.nul = { line: lineAt(at), offset: facts.bytes + at };
    }
    if (options.utf8) {
      const joined = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
      const cut = completeLength(joined);
      const body = joined.subarray(0, cut);
      if (!isUtf8(body)) {
        const offsets = invalidUtf8Offsets(body);
        const first = offsets[0];
        if (facts.badUtf8 === undefined && first !== undefined) {
          const inChunk = Math.max(0, first - carry.length);
          facts.badUtf8 = {
            line: lineAt(inChunk),
            offset: facts.bytes + inChunk,
            bytes: hex(body.subarray(first, first + 1)),
            count: offsets.length,
          };
        } else if (facts.badUtf8 !== undefined) {
          facts.badUtf8.count += offsets.length;
        }
      }
      carry = Buffer.from(joined.subarray(cut));
    }
    for (let i = chunk.indexOf(0x0a); i !== -1; i = chunk.indexOf(0x0a, i + 1)) {
      const before = i > 0 ? chunk[i - 1] : lastByte;
      if (before === 0x0d) facts.crlf += 1;
      else facts.lf += 1;
    }
    facts.lines += countBreaks(chunk, chunk.length);
    facts.bytes += chunk.length;
    lastByte = chunk.length > 0 ? (chunk[chunk.length - 1] ?? -1) : lastByte;
    yield chunk;
  }
  if (options.utf8 && carry.length > 0) {
    // The file ends in the middle of a multi-byte character.
    const line = facts.lines + 1;
    if (facts.badUtf8 === undefined) {
      facts.badUtf8 = { line, offset: facts.bytes - carry.length, bytes: hex(carry), count: 1 };
    } else facts.badUtf8.count += 1;
  }
}

/** Line breaks in chunk[0, to): LF, and CR not followed by LF (a CR ending the chunk is not counted). */
function countBreaks(chunk: Buffer, to: number): number {
  let n = 0;
  for (let i = chunk.indexOf(0x0a); i !== -1 && i < to; i = chunk.indexOf(0x0a, i + 1)) n++;
  for (let i = chunk.indexOf(0x0d); i !== -1 && i < to; i = chunk.indexOf(0x0d, i + 1)) {
    if (i + 1 < chunk.length && chunk[i + 1] !== 0x0a) n++;
  }
  return n;
}

/** The length of the prefix that does not end inside a multi-byte sequence (at most 3 bytes are held back). */
function completeLength(buf: Buffer): number {
  const end = buf.length;
  for (let back = 1; back <= 3 && back <= end; back++) {
    const b = buf[end - back] ?? 0;
    if ((b & 0xc0) === 0x80) continue; // continuation byte: look further back
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return need > back ? end - back : end;
  }
  return end;
}

/** Offsets of every invalid UTF-8 sequence start (RFC 3629: no overlongs, no surrogates, ≤ U+10FFFF). */
export function invalidUtf8Offsets(buf: Buffer): number[] {
  const bad: number[] = [];
  let i = 0;
  while (i < buf.length) {
    const b = buf[i] ?? 0;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need = 0;
    let min = 0;
    if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else {
      bad.push(i);
      i++;
      continue;
    }
    let cp = b & (0x3f >> need);
    let ok = true;
    for (let k = 1; ok && k <= need; k++) {
      const c = buf[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) ok = false;
      else cp = (cp << 6) | (c & 0x3f);
    }
    if (!ok || cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      bad.push(i);
      i++;
      continue;
    }
    i += need + 1;
  }
  return bad;
}

function hex(buf: Buffer): string {
  return [...buf.subarray(0, 4)].map((b) => `0x${b.toString(16).padStart(2, "0")}`).join(" ");
}
