import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { runMain, snapshot } from "../helpers/inProcess.js";

/**
 * Every bad-input case of issue 7, through the real CLI entry: `kindling validate` and `kindling run` end
 * with the exit code, a message naming the problem and where it is, and nothing created or changed (no
 * run directory: the run stops before Spark). Valid-but-notable inputs pass with a note or a warning.
 */

const FIXTURES = path.join(import.meta.dirname, "fixtures");
const CSV_OK = "text,label\nfree cash now,spam\nlunch at noon,ham\nwin a prize,spam\nteam meeting,ham\n";

interface Case {
  name: string;
  /** Files to write in a fresh folder (a Buffer is written as is). */
  files: Record<string, string | Buffer>;
  /** The data: section of kindling.yaml (`path:` included). */
  data: string;
  code: 0 | 2;
  /** What the message must say (the problem, and the key or the fix). */
  message: RegExp;
  /** Where: file:line or a config key, as shown. */
  where?: RegExp;
}

const cases: Case[] = [
  {
    name: "missing file (with a did-you-mean)",
    files: { "train.csv": CSV_OK },
    data: "path: trian.csv",
    code: 2,
    message: /input file not found: .*trian\.csv \(did you mean "train\.csv"\?\)/,
    where: /data\.path/,
  },
  {
    name: "unreadable path (a folder in it is a file)",
    files: { "a.csv": CSV_OK },
    data: "path: a.csv/b.csv",
    code: 2,
    message: /a folder in this path is a file/,
    where: /data\.path/,
  },
  {
    name: "a folder without data files",
    files: { "in/_SUCCESS": "" },
    data: "path: in",
    code: 2,
    message: /is a folder with no data files in it/,
  },
  {
    name: "empty file",
    files: { "d.csv": "" },
    data: "path: d.csv",
    code: 2,
    message: /d\.csv +is empty \(0 bytes\)/,
  },
  {
    name: "only empty lines",
    files: { "d.csv": "\n\n\n" },
    data: "path: d.csv",
    code: 2,
    message: /has no records \(only empty lines\)/,
  },
  {
    name: "header only",
    files: { "d.csv": "text,label\n" },
    data: "path: d.csv",
    code: 2,
    message: /has a header \(text, label\) but no data rows/,
  },
  {
    name: "text column missing (lists the columns)",
    files: { "d.csv": CSV_OK.replace("text,label", "body,label") },
    data: "path: d.csv",
    code: 2,
    message: /data\.text: column "text" not found in the header; its columns are: body, label/,
    where: /d\.csv:1 /,
  },
  {
    name: "label column missing (did-you-mean)",
    files: { "d.csv": CSV_OK.replace("text,label", "text,Label") },
    data: "path: d.csv",
    code: 2,
    message:
      /data\.label: column "label" not found in the header; its columns are: text, Label \(did you mean "Label"\?\)/,
  },
  {
    name: "duplicate header names",
    files: { "d.csv": "text,label,Text\na,spam,x\nb,ham,y\n" },
    data: "path: d.csv",
    code: 2,
    message:
      /data\.text: column name "text" appears 2 times in the header \(columns 1, 3.*Spark renames them text0, Text2/,
    where: /d\.csv:1 /,
  },
  {
    name: "a single class",
    files: { "d.csv": "text,label\na,spam\nb,spam\nc,spam\n" },
    data: "path: d.csv",
    code: 2,
    message:
      /data\.label: column "label" has one value \("spam"\) in all 3 usable rows; a classifier needs at least 2/,
  },
  {
    name: "all-empty text",
    files: { "d.csv": 'text,label\n,spam\n"",ham\n,ham\n' },
    data: "path: d.csv",
    code: 2,
    message: /data\.text: column "text" is empty \(or null\) in all 3 rows: nothing to train on/,
  },
  {
    name: "numeric-looking labels (allowed, explained)",
    files: { "d.csv": "text,label\na,0\nb,1\nc,0\nd,1\n" },
    data: "path: d.csv",
    code: 0,
    message: /values look numeric \("0", "1"\); they are class names, compared as text/,
  },
  {
    name: "non-UTF-8 bytes (names the encoding option)",
    files: {
      "d.csv": Buffer.concat([
        Buffer.from("text,label\na,spam\ncaf"),
        Buffer.from([0xe9]),
        Buffer.from(",ham\n"),
      ]),
    },
    data: "path: d.csv",
    code: 2,
    message: /not valid UTF-8 \(0xe9 .*data\.csv\.encoding is UTF-8.*set data\.csv\.encoding/s,
    where: /d\.csv:3 /,
  },
  {
    name: "ISO-8859-1 bytes with encoding: ISO-8859-1",
    files: {
      "d.csv": Buffer.concat([
        Buffer.from("text,label\na,spam\ncaf"),
        Buffer.from([0xe9]),
        Buffer.from(",ham\n"),
      ]),
    },
    data: "path: d.csv\n  csv: { encoding: ISO-8859-1 }",
    code: 0,
    message: /d\.csv: csv, 2 rows/,
  },
  {
    name: "UTF-16 byte-order mark with encoding UTF-8",
    files: { "d.csv": Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(CSV_OK, "utf16le")]) },
    data: "path: d.csv",
    code: 2,
    message:
      /starts with a UTF-16LE byte-order mark but data\.csv\.encoding is UTF-8.*set data\.csv\.encoding: UTF-16LE/s,
  },
  {
    name: "UTF-8 byte-order mark (fine)",
    files: { "d.csv": `\uFEFF${CSV_OK}` },
    data: "path: d.csv",
    code: 0,
    message: /starts with a UTF-8 byte-order mark: fine, Spark skips it/,
  },
  {
    name: "CRLF line endings (fine)",
    files: { "d.csv": CSV_OK.replaceAll("\n", "\r\n") },
    data: "path: d.csv",
    code: 0,
    message: /Windows \(CRLF\) line endings: fine/,
  },
  {
    name: "mixed line endings with multiline",
    files: { "d.csv": "text,label\r\na,spam\r\nb,ham\nc,spam\r\nd,ham\r\n" },
    data: "path: d.csv",
    code: 2,
    message: /line endings are mixed: the first line ends with CRLF.*dos2unix/s,
  },
  {
    name: "quoted fields with newlines, multiline: true (fine)",
    files: { "d.csv": 'text,label\n"two\nlines",spam\nb,ham\nc,spam\nd,ham\n' },
    data: "path: d.csv",
    code: 0,
    message: /1 record\(s\) have quoted fields that span lines: fine with data\.csv\.multiline: true/,
  },
  {
    name: "quoted fields with newlines, multiline: false",
    files: { "d.csv": 'text,label\na,spam\n"two\nlines",spam\nb,ham\n' },
    data: "path: d.csv\n  csv: { multiline: false }",
    code: 2,
    message: /data\.csv\.multiline is false: Spark would split them.*set data\.csv\.multiline: true/s,
    where: /d\.csv:3 /,
  },
  {
    name: "unbalanced quote",
    files: { "d.csv": 'text,label\na,spam\nb,ham\n"never closed,spam\nc,ham\n' },
    data: "path: d.csv",
    code: 2,
    message: /a quote opened in the record starting here is never closed/,
    where: /d\.csv:4 /,
  },
  {
    name: "wrong delimiter (names the one the file uses)",
    files: { "d.csv": "text;label\nfree cash;spam\nlunch;ham\n" },
    data: "path: d.csv",
    code: 2,
    message: /the file seems to use ";" as delimiter, not ",".*set data\.csv\.delimiter: ";"/s,
  },
  {
    name: "tab-separated file read as CSV",
    files: { "d.tsv": "text\tlabel\nfree cash\tspam\nlunch\tham\n" },
    data: "path: d.tsv",
    code: 2,
    message: /seems to use "\\t" \(tab\) as delimiter/,
  },
  {
    name: "rows with too few or too many fields, over data.max_reject_fraction",
    files: { "d.csv": "text,label\na,spam\nb,ham,extra\nc\nd,ham\n" },
    data: "path: d.csv",
    code: 2,
    message:
      /2 of 4 rows \(50\.0%\) have the wrong number of fields \(expected 2: text, label\) at line\(s\) 3 \(3 fields\), 4 \(1 field\); the run would reject them and fail.*data\.max_reject_fraction/s,
    where: /d\.csv:3 /,
  },
  {
    name: "rows with the wrong field count, under data.max_reject_fraction (warned)",
    files: { "d.csv": "text,label\na,spam\nb,ham,extra\nc,spam\nd,ham\n" },
    data: "path: d.csv\n  max_reject_fraction: 0.5",
    code: 0,
    message:
      /warning: \S*d\.csv:3 +1 of 4 rows \(25\.0%\) have the wrong number of fields.*rejects them \(runs\/<id>\/rejects\/\)/,
  },
  {
    name: "a field over the size limit",
    files: { "d.csv": `text,label\n"${"x".repeat(500)}",spam\nb,ham\n` },
    data: "path: d.csv\n  csv: { max_field_chars: 100 }",
    code: 2,
    message: /a field of column "text" has 500 characters, over data\.csv\.max_field_chars \(100\)/,
    where: /d\.csv:2 /,
  },
  {
    name: "a binary file",
    files: { "d.csv": Buffer.from([0x74, 0x65, 0x78, 0x74, 0x0a, 0x00, 0x01, 0x02, 0xff, 0x0a]) },
    data: "path: d.csv",
    code: 2,
    message: /contains a NUL byte \(offset 5\): this is a binary file/,
    where: /d\.csv:2 /,
  },
  {
    name: "a zip (xlsx) file named .csv",
    files: { "d.csv": Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00]) },
    data: "path: d.csv",
    code: 2,
    message: /is a zip archive \(an Excel \.xlsx workbook\?\), not a CSV text file/,
  },
  {
    name: "a Parquet file read as CSV",
    files: { "d.csv": Buffer.from("PAR1....PAR1") },
    data: "path: d.csv",
    code: 2,
    message: /is a Parquet file, not a CSV text file.*set data\.format: parquet/s,
  },
  {
    name: "gzip data without the .gz name",
    files: { "d.csv": gzipSync(CSV_OK) },
    data: "path: d.csv",
    code: 2,
    message: /is gzip-compressed.*name it \*\.gz/s,
  },
  {
    name: "gzip data named .csv.gz (fine, checked decompressed)",
    files: { "d.csv.gz": gzipSync(CSV_OK) },
    data: "path: d.csv.gz",
    code: 0,
    message: /d\.csv\.gz: csv, 4 rows \(4 usable\)/,
  },
  {
    name: "Parquet: text column of the wrong type",
    files: { "d.parquet": "fixture:int-text.parquet" },
    data: "path: d.parquet",
    code: 2,
    message: /data\.text: column "text" is INT64 \(integer\); the text column must hold strings/,
  },
  {
    name: "Parquet: nested label column",
    files: { "d.parquet": "fixture:array-label.parquet" },
    data: "path: d.parquet",
    code: 2,
    message: /data\.label: column "label" is a nested \(list, map or struct\) column/,
  },
  {
    name: "Parquet: a single class",
    files: { "d.parquet": "fixture:one-class.parquet" },
    data: "path: d.parquet",
    code: 2,
    message: /column "label" has one value \("spam"\)/,
  },
  {
    name: "Parquet: missing column",
    files: { "d.parquet": "fixture:good.parquet" },
    data: "path: d.parquet\n  text: body",
    code: 2,
    message: /data\.text: column "body" not found in the schema; its columns are: text, label, id/,
  },
  {
    name: "Parquet: good (classes counted without Spark)",
    files: { "d.parquet": "fixture:good.parquet" },
    data: "path: d.parquet",
    code: 0,
    message: /d\.parquet: parquet, 3 rows \(3 usable\).*classes \(2\): spam 2, ham 1/s,
  },
  {
    name: "Parquet: double labels (warned: 1.0 is the class name)",
    files: { "d.parquet": "fixture:double-label.parquet" },
    data: "path: d.parquet",
    code: 0,
    message: /classes \(2\): 0\.0 1, 1\.0 1.*is DOUBLE \(floating point\); the job uses its text form/s,
  },
  {
    name: "a CSV file that is not Parquet, with format: parquet",
    files: { "d.pq": CSV_OK },
    data: "path: d.pq",
    code: 2,
    message: /is not a readable Parquet file.*set data\.format: csv/s,
  },
  {
    name: "s3:// URI: bucket name with capitals and an underscore",
    files: {},
    data: "path: s3://My_Bucket/train.csv",
    code: 2,
    message: /bucket name "My_Bucket" in s3:\/\/My_Bucket\/train\.csv must be lower case/,
    where: /data\.path/,
  },
  {
    name: "s3:// URI: no key",
    files: {},
    data: "path: s3://my-bucket",
    code: 2,
    message: /s3:\/\/my-bucket names no object.*s3:\/\/my-bucket\/path\/to\/data\.csv/s,
  },
  {
    name: "s3a:// URI",
    files: {},
    data: "path: s3a://my-bucket/train.csv",
    code: 2,
    message: /uses the s3a:\/\/ scheme.*write s3:\/\/my-bucket\/train\.csv/s,
  },
  {
    name: "s3:// URI: IP-address bucket",
    files: {},
    data: "path: s3://192.168.1.10/train.csv",
    code: 2,
    message: /must not look like an IP address/,
  },
  {
    name: "labels differing only in case (warned)",
    files: { "d.csv": "text,label\na,spam\nb,Spam\nc,ham\nd,ham\n" },
    data: "path: d.csv",
    code: 0,
    message: /warning: .*"spam", "Spam" differ only in case or spaces and are different classes/,
  },
];

function setUp(c: Case): { dir: string; config: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), "kcase-"));
  for (const [name, content] of Object.entries(c.files)) {
    const file = path.join(dir, name);
    mkdirSync(path.dirname(file), { recursive: true });
    if (typeof content === "string" && content.startsWith("fixture:")) {
      copyFileSync(path.join(FIXTURES, content.slice("fixture:".length)), file);
    } else writeFileSync(file, content);
  }
  const config = path.join(dir, "kindling.yaml");
  writeFileSync(config, `project: cases\ndata:\n  ${c.data}\n`);
  return { dir, config };
}

describe("bad input: a clear error before anything runs, nothing created", () => {
  it.each(cases)("$name", async (c) => {
    const { dir, config } = setUp(c);
    const before = snapshot(dir);
    const validate = await runMain(["validate", "-c", config]);
    const shown = validate.stdout + validate.stderr;
    expect(validate.code, shown).toBe(c.code);
    expect(shown).toMatch(c.message);
    if (c.where) expect(shown).toMatch(c.where);
    if (c.code === 2) {
      expect(validate.stderr).toMatch(/^error: /m);
      // `run` validates first: the same error, and no run directory (nor anything else) appears.
      const run = await runMain(["run", "-c", config]);
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toMatch(c.message);
    }
    expect(snapshot(dir)).toEqual(before);
  });

  it("--json carries every finding with its code, place and fix", async () => {
    const { config } = setUp(caseNamed("rows with too few"));
    const result = await runMain(["validate", "-c", config, "--json"]);
    expect(result.code).toBe(2);
    const { error } = JSON.parse(result.stdout);
    expect(error.kind).toBe("DataError");
    const malformed = error.findings.find((f: { code: string }) => f.code === "malformed-rows");
    expect(malformed).toMatchObject({ severity: "error", where: expect.stringMatching(/d\.csv:3$/) });
    expect(malformed.fix).toMatch(/raise data\.max_reject_fraction/);
  });

  it("a valid s3:// URI passes validate (shape only) but `run` on the local target says why it cannot", async () => {
    const { dir, config } = setUp({
      ...caseNamed("missing file"),
      files: {},
      data: "path: s3://my-bucket/data/train.csv",
    });
    const validate = await runMain(["validate", "-c", config]);
    expect(validate.code, validate.stderr).toBe(0);
    expect(validate.stderr).toMatch(
      /is on S3: its shape is valid; its contents are checked when the job opens it/,
    );
    const run = await runMain(["run", "-c", config]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /data\.path: s3:\/\/my-bucket\/data\/train\.csv is on S3; the local target reads local files only/,
    );
    expect(snapshot(dir)).toEqual({ "kindling.yaml": expect.any(String) });
  });
});

function caseNamed(start: string): Case {
  const found = cases.find((c) => c.name.startsWith(start));
  if (!found) throw new Error(`no case named ${start}…`);
  return found;
}
