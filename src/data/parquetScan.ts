import {
  asyncBufferFromFile,
  type FileMetaData,
  parquetMetadataAsync,
  parquetRead,
  parquetSchema,
  type SchemaElement,
} from "hyparquet";
import type { WantedColumns } from "./columns.js";
import { type DataFinding, finding } from "./findings.js";
import { countLabel, newRowStats, type RowStats } from "./labels.js";

/** What the footers (and, for small inputs, the label column) of Parquet files say. */
export interface ParquetScan {
  columns: string[];
  stats: RowStats;
  /** False when the class counts come from footer statistics only (large inputs): labels is then empty. */
  labelsCounted: boolean;
  findings: DataFinding[];
}

/** Above this many rows only footer statistics are used (reading a column costs time on huge inputs). */
export const READ_LABELS_UP_TO_ROWS = 1_000_000;

type Kind =
  | "string"
  | "binary"
  | "integer"
  | "boolean"
  | "floating point"
  | "date/time"
  | "decimal"
  | "nested";

function kindOf(element: SchemaElement, nested: boolean): Kind {
  if (nested || element.repetition_type === "REPEATED") return "nested";
  const logical = element.logical_type?.type;
  const converted = element.converted_type;
  switch (element.type) {
    case "BYTE_ARRAY":
      if (logical === "STRING" || logical === "ENUM" || logical === "JSON") return "string";
      if (converted === "UTF8" || converted === "ENUM" || converted === "JSON") return "string";
      if (logical === "DECIMAL" || converted === "DECIMAL") return "decimal";
      return "binary";
    case "BOOLEAN":
      return "boolean";
    case "FLOAT":
    case "DOUBLE":
      return "floating point";
    case "INT96":
      return "date/time";
    case "FIXED_LEN_BYTE_ARRAY":
      return logical === "DECIMAL" || converted === "DECIMAL" ? "decimal" : "binary";
    default:
      if (logical === "DATE" || logical === "TIME" || logical === "TIMESTAMP") return "date/time";
      if (converted === "DATE" || converted?.startsWith("TIME")) return "date/time";
      if (logical === "DECIMAL" || converted === "DECIMAL") return "decimal";
      return "integer";
  }
}

function describe(element: SchemaElement, kind: Kind): string {
  return kind === "nested" ? "a nested (list, map or struct) column" : `${element.type ?? "group"} (${kind})`;
}

/** Footer of one file; a finding instead when it is not Parquet. */
async function footer(file: string, display: string): Promise<FileMetaData | DataFinding> {
  const buffer = await asyncBufferFromFile(file);
  if (buffer.byteLength === 0) {
    return finding(
      "error",
      "empty-file",
      display,
      "is empty (0 bytes)",
      "point data.path at a Parquet file with rows",
    );
  }
  try {
    return await parquetMetadataAsync(buffer);
  } catch (error) {
    return finding(
      "error",
      "not-parquet",
      display,
      `is not a readable Parquet file (${(error as Error).message})`,
      "for a CSV file set data.format: csv (or name it *.csv)",
    );
  }
}

/**
 * Checks Parquet input without Spark: every file's footer (schema, row counts, null counts), the types of
 * the text and label columns, and — from the label column itself for inputs up to READ_LABELS_UP_TO_ROWS,
 * else from footer min/max statistics — whether there are at least two classes.
 */
export async function scanParquetFiles(
  files: ReadonlyArray<{ file: string; display: string }>,
  wanted: WantedColumns,
  signal?: AbortSignal,
): Promise<ParquetScan> {
  const scan: ParquetScan = { columns: [], stats: newRowStats(), labelsCounted: false, findings: [] };
  const metas: Array<{ file: string; display: string; meta: FileMetaData }> = [];
  for (const f of files) {
    if (signal?.aborted) throw signal.reason;
    const meta = await footer(f.file, f.display);
    if ("severity" in meta) scan.findings.push(meta);
    else metas.push({ ...f, meta });
  }
  const first = metas[0];
  if (!first || scan.findings.some((x) => x.severity === "error")) return scan;

  const top = parquetSchema(first.meta).children;
  scan.columns = top.map((c) => c.element.name);
  const roles: Array<["data.text" | "data.label", string]> = [["data.text", wanted.text]];
  if (wanted.label !== undefined) roles.push(["data.label", wanted.label]);
  for (const [key, name] of roles) {
    const node = top.find((c) => c.element.name === name);
    if (!node) {
      scan.findings.push(
        finding(
          "error",
          "missing-column",
          first.display,
          `${key}: column ${JSON.stringify(name)} not found in the schema; its columns are: ${scan.columns.join(", ")}`,
          `set ${key} to the name of the ${key === "data.text" ? "text" : "label"} column`,
        ),
      );
      continue;
    }
    const kind = kindOf(node.element, node.children.length > 0);
    const type = describe(node.element, kind);
    const column = JSON.stringify(name);
    if (key === "data.text") {
      if (kind === "binary") {
        scan.findings.push(
          finding(
            "warning",
            "column-type",
            first.display,
            `data.text: column ${column} is ${type}; the job decodes it as UTF-8 text`,
          ),
        );
      } else if (kind !== "string") {
        scan.findings.push(
          finding(
            "error",
            "column-type",
            first.display,
            `data.text: column ${column} is ${type}; the text column must hold strings`,
            "point data.text at the column with the text, or write that column as a string",
          ),
        );
      }
    } else if (kind === "nested") {
      scan.findings.push(
        finding(
          "error",
          "column-type",
          first.display,
          `data.label: column ${column} is ${type}; the label must be one value per row (string, integer or boolean)`,
          "point data.label at the class column",
        ),
      );
    } else if (kind === "floating point" || kind === "date/time" || kind === "binary" || kind === "decimal") {
      scan.findings.push(
        finding(
          "warning",
          "column-type",
          first.display,
          `data.label: column ${column} is ${type}; the job uses its text form as the class name (e.g. 1.0 becomes "1.0")`,
          "write the label as a string or an integer",
        ),
      );
    }
  }
  for (const other of metas.slice(1)) {
    const names = parquetSchema(other.meta).children.map((c) => c.element.name);
    if (names.join("\u0000") !== scan.columns.join("\u0000")) {
      scan.findings.push(
        finding(
          "warning",
          "schema-mismatch",
          other.display,
          `has columns ${names.join(", ")} but ${first.display} has ${scan.columns.join(", ")}; Spark uses one file's schema`,
          "write all files with the same columns",
        ),
      );
    }
  }
  if (scan.findings.some((x) => x.severity === "error")) return scan;

  const stats = scan.stats;
  for (const { meta } of metas) stats.rows += Number(meta.num_rows);
  const nulls = (name: string) => {
    let total = 0;
    for (const { meta } of metas) {
      for (const group of meta.row_groups) {
        const chunk = group.columns.find((c) => c.meta_data?.path_in_schema.join(".") === name);
        const n = chunk?.meta_data?.statistics?.null_count;
        if (n === undefined) return undefined;
        total += Number(n);
      }
    }
    return total;
  };
  const textNulls = nulls(wanted.text);
  if (textNulls !== undefined) stats.emptyText = textNulls;
  if (wanted.label === undefined) {
    stats.usable = stats.rows - stats.emptyText;
    return scan;
  }
  const labelNode = top.find((c) => c.element.name === wanted.label);
  const float = labelNode !== undefined && kindOf(labelNode.element, false) === "floating point";
  if (stats.rows <= READ_LABELS_UP_TO_ROWS) {
    await countLabels(metas, wanted.text, wanted.label, stats, float, signal);
    scan.labelsCounted = true;
  } else {
    stats.emptyLabel = nulls(wanted.label) ?? 0;
    stats.usable = Math.max(0, stats.rows - stats.emptyText - stats.emptyLabel);
    // Min/max statistics name real label values: one value everywhere means a single class.
    for (const value of statisticsValues(metas, wanted.label, float) ?? []) stats.labels.set(value, 0);
    if (stats.labels.size === 0) {
      scan.findings.push(
        finding(
          "info",
          "labels-unchecked",
          files[0]?.display ?? "",
          `${stats.rows.toLocaleString("en-US")} rows and no label statistics in the footers: the classes are counted when the run starts`,
        ),
      );
    }
  }
  return scan;
}

/** Reads the text and label columns one row group at a time, counting usable rows per label. */
async function countLabels(
  metas: ReadonlyArray<{ file: string; meta: FileMetaData }>,
  text: string,
  label: string,
  stats: RowStats,
  float: boolean,
  signal?: AbortSignal,
): Promise<void> {
  stats.emptyText = 0;
  for (const { file, meta } of metas) {
    const buffer = await asyncBufferFromFile(file);
    let start = 0;
    for (const group of meta.row_groups) {
      if (signal?.aborted) throw signal.reason;
      const end = start + Number(group.num_rows);
      await parquetRead({
        file: buffer,
        metadata: meta,
        columns: [text, label],
        rowStart: start,
        rowEnd: end,
        onComplete: (rows: unknown[][]) => {
          for (const [t, l] of rows) {
            const hasText = t !== null && t !== undefined;
            const hasLabel = l !== null && l !== undefined;
            if (!hasText) stats.emptyText += 1;
            if (!hasLabel) stats.emptyLabel += 1;
            if (hasText && hasLabel) {
              stats.usable += 1;
              countLabel(stats, labelText(l, float));
            }
          }
        },
      });
      start = end;
    }
  }
}

/** The label as the job sees it after `CAST(label AS STRING)` (a whole double prints as Java does: 1.0). */
function labelText(value: unknown, float = false): string {
  if (float && typeof value === "number" && Number.isInteger(value)) return value.toFixed(1);
  if (typeof value === "bigint" || typeof value === "number" || typeof value === "boolean")
    return String(value);
  if (value instanceof Uint8Array) return Buffer.from(value).toString("utf8");
  return String(value);
}

/** Every min and max of the label column across row groups; undefined when a row group has none. */
function statisticsValues(
  metas: ReadonlyArray<{ meta: FileMetaData }>,
  label: string,
  float: boolean,
): Set<string> | undefined {
  const values = new Set<string>();
  for (const { meta } of metas) {
    for (const group of meta.row_groups) {
      const stats = group.columns.find((c) => c.meta_data?.path_in_schema.join(".") === label)?.meta_data
        ?.statistics;
      const min = stats?.min_value ?? stats?.min;
      const max = stats?.max_value ?? stats?.max;
      if (min === undefined || max === undefined || min === null || max === null) return undefined;
      values.add(labelText(min, float)).add(labelText(max, float));
    }
  }
  return values;
}
