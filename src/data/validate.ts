import { constants } from "node:fs";
import { access, readdir, stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Config } from "../config/schema.js";
import { didYouMean } from "../config/suggest.js";
import { InterruptedError } from "../errors.js";
import { inferFormat } from "../spec/compile.js";
import { displayPath } from "../ui/format.js";
import type { WantedColumns } from "./columns.js";
import { type CsvScan, scanCsvFile } from "./csvScan.js";
import { DataError, type DataFinding, finding } from "./findings.js";
import { mergeRowStats, newRowStats, type RowStats, rowFindings } from "./labels.js";
import { scanParquetFiles } from "./parquetScan.js";
import { checkS3Uri, isUriLike } from "./s3Uri.js";

/** The data settings validation needs: the config's `data:` section (for predict, the label may be absent). */
export type DataSettings = Omit<Config["data"], "label"> & { label?: string };

export interface DataCheckOptions {
  /** Folder a relative data.path resolves against: the config file's folder. */
  baseDir: string;
  /** "train" needs the text and label columns and two classes; "predict" the text column only. Default "train". */
  mode?: "train" | "predict";
  /** Paths in messages are relative to this folder. Default process.cwd(). */
  cwd?: string;
  /** Aborts the scan (Ctrl-C). */
  signal?: AbortSignal;
}

export type DataLocation =
  | { kind: "local"; path: string; directory: boolean }
  | { kind: "s3"; uri: string; bucket: string; key: string };

/** What validation learned about the input. */
export interface DataReport {
  /** The input as shown in messages. */
  input: string;
  location: DataLocation | undefined;
  format: "csv" | "parquet";
  columns: string[];
  /** Data rows (records); undefined when the input was not read (s3://). */
  rows?: number;
  /** Rows the job would train on (text and label present, well-formed). */
  usable?: number;
  /** Rows with the wrong number of fields: the run rejects them. */
  malformed?: number;
  /** Usable rows per class, most frequent first (as the job orders them). */
  labels?: Record<string, number>;
  /** Everything found, errors first. */
  findings: DataFinding[];
}

/**
 * Checks the input as the Spark job will read it, streaming it (a huge file is never held in memory), and
 * returns every finding. Throws only when interrupted; see validateData for the throwing variant.
 */
export async function inspectData(data: DataSettings, options: DataCheckOptions): Promise<DataReport> {
  const cwd = options.cwd ?? process.cwd();
  const mode = options.mode ?? "train";
  const format = data.format ?? inferFormat(data.path);
  const wanted: WantedColumns =
    mode === "train" && data.label !== undefined
      ? { text: data.text, label: data.label }
      : { text: data.text };
  const report: DataReport = { input: data.path, location: undefined, format, columns: [], findings: [] };
  const add = (f: DataFinding) => report.findings.push(f);

  let local: string;
  if (isUriLike(data.path) && !data.path.startsWith("file://")) {
    const s3 = checkS3Uri(data.path);
    if (!s3.ok) {
      add(finding("error", "bad-uri", "data.path", s3.problem, s3.fix));
      return sorted(report);
    }
    report.location = { kind: "s3", uri: data.path, ...s3.location };
    add(
      finding(
        "info",
        "s3-unchecked",
        "data.path",
        `${data.path} is on S3: its shape is valid; its contents are checked when the job opens it`,
      ),
    );
    return sorted(report);
  }
  try {
    local = data.path.startsWith("file://")
      ? fileURLToPath(data.path)
      : path.resolve(options.baseDir, data.path);
  } catch (error) {
    add(
      finding(
        "error",
        "bad-uri",
        "data.path",
        `${data.path} is not a valid file URI: ${(error as Error).message}`,
      ),
    );
    return sorted(report);
  }
  const display = displayPath(local, cwd);
  report.input = display;

  const files = await listInput(local, display, format, options.baseDir, data.path, add);
  if (!files) return sorted(report);
  report.location = { kind: "local", path: local, directory: files.directory };
  interruptible(options.signal);

  const stats: RowStats = newRowStats();
  let exact = true;
  let malformed = 0;
  const examples: Array<{ file: string; line: number; fields: number }> = [];
  try {
    if (format === "parquet") {
      const scan = await scanParquetFiles(files.list, wanted, options.signal);
      report.findings.push(...scan.findings);
      report.columns = scan.columns;
      mergeRowStats(stats, scan.stats);
      exact = scan.labelsCounted;
    } else {
      for (const f of files.list) {
        const scan: CsvScan = await scanCsvFile(f.file, f.display, data.csv, wanted, options.signal);
        report.findings.push(...scan.findings);
        if (report.columns.length === 0) report.columns = scan.columns;
        mergeRowStats(stats, scan.stats);
        malformed += scan.malformed.count;
        for (const e of scan.malformed.examples) examples.push({ file: f.display, ...e });
      }
    }
  } catch (error) {
    if (options.signal?.aborted) throw interrupted();
    throw error;
  }
  if (report.findings.some((f) => f.severity === "error")) return sorted(report);

  report.rows = stats.rows;
  report.usable = stats.usable;
  if (format === "csv") {
    report.malformed = malformed;
    if (malformed > 0) add(malformedFinding(malformed, stats.rows, examples, report.columns, data, mode));
  }
  if (stats.rows === 0 && format === "parquet") {
    add(finding("error", "no-rows", display, "has no rows", "point data.path at a file with data"));
  }
  report.findings.push(...rowFindings(stats, display, wanted, exact));
  if (wanted.label !== undefined && stats.labels.size > 0 && exact) {
    report.labels = Object.fromEntries(
      [...stats.labels].sort(([a, m], [b, n]) => n - m || (a < b ? -1 : a > b ? 1 : 0)),
    );
  }
  return sorted(report);
}

/** inspectData, then a DataError (exit 2) carrying every finding when any is an error. */
export async function validateData(data: DataSettings, options: DataCheckOptions): Promise<DataReport> {
  const report = await inspectData(data, options);
  if (report.findings.some((f) => f.severity === "error")) throw new DataError(report.input, report.findings);
  return report;
}

function interrupted(): InterruptedError {
  return new InterruptedError("interrupted while checking the input; nothing was created");
}

function interruptible(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw interrupted();
}

function sorted(report: DataReport): DataReport {
  const order = { error: 0, warning: 1, info: 2 };
  report.findings.sort((a, b) => order[a.severity] - order[b.severity]);
  return report;
}

/** The files Spark would read: the file itself, or a folder's data files (Spark skips _* and .* names). */
async function listInput(
  local: string,
  display: string,
  format: "csv" | "parquet",
  baseDir: string,
  written: string,
  add: (f: DataFinding) => void,
): Promise<{ directory: boolean; list: Array<{ file: string; display: string }> } | undefined> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(local);
  } catch (error) {
    add(await notFound(error as NodeJS.ErrnoException, local, display, baseDir, written));
    return undefined;
  }
  if (info.isDirectory()) {
    const names = (await readdir(local, { withFileTypes: true }))
      .filter((e) => e.isFile() && !e.name.startsWith("_") && !e.name.startsWith("."))
      .map((e) => e.name)
      .sort();
    if (names.length === 0) {
      add(
        finding(
          "error",
          "empty-folder",
          display,
          "is a folder with no data files in it",
          `point data.path at a ${format === "csv" ? "CSV" : "Parquet"} file, or a folder of them`,
        ),
      );
      return undefined;
    }
    const list = names.map((n) => ({ file: path.join(local, n), display: path.join(display, n) }));
    for (const f of list) if (!(await readable(f.file, f.display, add))) return undefined;
    return { directory: true, list };
  }
  if (!info.isFile()) {
    add(
      finding(
        "error",
        "not-a-file",
        display,
        "is not a regular file",
        "point data.path at a CSV or Parquet file",
      ),
    );
    return undefined;
  }
  if (!(await readable(local, display, add))) return undefined;
  if (info.size === 0) {
    add(
      finding(
        "error",
        "empty-file",
        display,
        "is empty (0 bytes)",
        `point data.path at a ${format === "csv" ? "CSV file with a header and rows" : "Parquet file with rows"}`,
      ),
    );
    return undefined;
  }
  return { directory: false, list: [{ file: local, display }] };
}

async function readable(file: string, display: string, add: (f: DataFinding) => void): Promise<boolean> {
  try {
    await access(file, constants.R_OK);
    return true;
  } catch (error) {
    add(unreadable(error as NodeJS.ErrnoException, display));
    return false;
  }
}

function unreadable(error: NodeJS.ErrnoException, display: string): DataFinding {
  if (error.code === "EACCES" || error.code === "EPERM") {
    return finding(
      "error",
      "unreadable",
      display,
      "cannot be read: permission denied",
      "give your user read access (e.g. `chmod a+r FILE`), or copy the file somewhere you can read",
    );
  }
  return finding("error", "unreadable", display, `cannot be read (${error.code ?? error.message})`);
}

/** Missing input: says where relative paths are read from, and suggests a near file name. */
export async function notFound(
  error: NodeJS.ErrnoException,
  local: string,
  display: string,
  baseDir: string,
  written: string,
): Promise<DataFinding> {
  if (error.code === "ENOTDIR") {
    return finding("error", "not-found", "data.path", `${display}: a folder in this path is a file`);
  }
  if (error.code !== "ENOENT") return unreadable(error, display);
  let near: string | undefined;
  try {
    const siblings = await readdir(path.dirname(local));
    near = didYouMean(path.basename(local), siblings);
  } catch {
    near = undefined;
  }
  const relative = !path.isAbsolute(written) && !written.startsWith("file://");
  return finding(
    "error",
    "not-found",
    "data.path",
    `input file not found: ${display}${near ? ` (did you mean ${JSON.stringify(near)}?)` : ""}`,
    `fix data.path${relative ? ` (relative paths are read from the config file's folder, ${baseDir})` : ""}`,
  );
}

function malformedFinding(
  malformed: number,
  rows: number,
  examples: ReadonlyArray<{ file: string; line: number; fields: number }>,
  columns: readonly string[],
  data: DataSettings,
  mode: "train" | "predict",
): DataFinding {
  const share = rows === 0 ? 1 : malformed / rows;
  const first = examples[0];
  const lines = examples.map((e) => `${e.line} (${e.fields} field${e.fields === 1 ? "" : "s"})`).join(", ");
  const over = share > data.max_reject_fraction;
  const percent = (x: number) => `${(x * 100).toFixed(x < 0.01 ? 2 : 1)}%`;
  return finding(
    over && mode === "train" ? "error" : "warning",
    "malformed-rows",
    first ? `${first.file}:${first.line}` : "data.path",
    `${malformed} of ${rows} rows (${percent(share)}) have the wrong number of fields (expected ${columns.length}: ${columns.join(", ")}) at line(s) ${lines}${malformed > examples.length ? ", …" : ""}; the run ${over ? `would reject them and fail, as that is more than data.max_reject_fraction (${percent(data.max_reject_fraction)})` : "rejects them (runs/<id>/rejects/)"}`,
    over
      ? `fix those rows (often a ${JSON.stringify(data.csv.delimiter)} inside an unquoted field, or a wrong data.csv.quote/escape), or raise data.max_reject_fraction`
      : undefined,
  );
}
