import { MAX_CLASSES } from "../spec/reserved.js";
import { type DataFinding, finding } from "./findings.js";

// More distinct labels than MAX_CLASSES (the job spec's limit) is an error in the job too
// (TooManyClasses): probably the wrong column.

/** Counts of the rows the job would train on, gathered while scanning. */
export interface RowStats {
  /** Data rows (records), malformed ones included. */
  rows: number;
  /** Well-formed rows whose text or label is empty (Spark reads both as null; the job drops them). */
  emptyText: number;
  emptyLabel: number;
  /** Rows with both: what the job trains on. */
  usable: number;
  /** Rows per label value, up to MAX_CLASSES + 1 distinct values. */
  labels: Map<string, number>;
}

export function newRowStats(): RowStats {
  return { rows: 0, emptyText: 0, emptyLabel: 0, usable: 0, labels: new Map() };
}

export function countLabel(stats: RowStats, label: string): void {
  const n = stats.labels.get(label);
  if (n !== undefined) stats.labels.set(label, n + 1);
  else if (stats.labels.size <= MAX_CLASSES) stats.labels.set(label, 1);
}

export function mergeRowStats(into: RowStats, from: RowStats): void {
  into.rows += from.rows;
  into.emptyText += from.emptyText;
  into.emptyLabel += from.emptyLabel;
  into.usable += from.usable;
  for (const [label, n] of from.labels) {
    const had = into.labels.get(label);
    if (had !== undefined) into.labels.set(label, had + n);
    else if (into.labels.size <= MAX_CLASSES) into.labels.set(label, n);
  }
}

const NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

const list = (values: readonly string[], max = 5) =>
  values
    .slice(0, max)
    .map((v) => JSON.stringify(v))
    .join(", ") + (values.length > max ? `, … (${values.length} in all)` : "");

/**
 * What the text and label columns say about training: nothing to train on, one class, too many classes,
 * numeric-looking labels (allowed: they are class names), labels that differ only in case or spaces,
 * tiny classes. `where` is the input; `columns` names the text and label columns.
 */
export function rowFindings(
  stats: RowStats,
  where: string,
  columns: { text: string; label?: string },
  /** False when `labels` holds values seen in footer statistics, without counts. */
  exactCounts = true,
): DataFinding[] {
  const out: DataFinding[] = [];
  if (stats.rows === 0) return out;
  const text = JSON.stringify(columns.text);
  const dropped = stats.emptyText + stats.emptyLabel;
  if (columns.label === undefined) {
    if (stats.emptyText === stats.rows) {
      out.push(
        finding("error", "empty-text", where, `data.text: column ${text} is empty in all ${stats.rows} rows`),
      );
    }
    return out;
  }
  const label = JSON.stringify(columns.label);
  if (stats.usable === 0) {
    const what =
      stats.emptyText === stats.rows
        ? `data.text: column ${text} is empty (or null) in all ${stats.rows} rows`
        : stats.emptyLabel === stats.rows
          ? `data.label: column ${label} is empty (or null) in all ${stats.rows} rows`
          : `every one of the ${stats.rows} rows has an empty ${text} or ${label}`;
    out.push(
      finding(
        "error",
        "no-usable-rows",
        where,
        `${what}: nothing to train on`,
        "check data.text and data.label name the right columns",
      ),
    );
    return out;
  }
  if (dropped > 0) {
    out.push(
      finding(
        "warning",
        "empty-values",
        where,
        `${stats.emptyText} row(s) have an empty ${text} and ${stats.emptyLabel} an empty ${label}; the run drops them (rows.null_dropped)`,
      ),
    );
  }
  const values = [...stats.labels.keys()];
  if (values.length === 0) return out;
  if (stats.labels.size > MAX_CLASSES) {
    out.push(
      finding(
        "error",
        "too-many-classes",
        where,
        `data.label: column ${label} has more than ${MAX_CLASSES} distinct values (${list(values, 3)}); is it really the label?`,
        "point data.label at the column that holds the class",
      ),
    );
    return out;
  }
  if (values.length === 1) {
    out.push(
      finding(
        "error",
        "single-class",
        where,
        `data.label: column ${label} has one value (${list(values)}) in ${exactCounts ? `all ${stats.usable}` : "every"} usable row${exactCounts && stats.usable === 1 ? "" : "s"}; a classifier needs at least 2 classes`,
        "add rows of the other classes, or point data.label at the column that holds the class",
      ),
    );
    return out;
  }
  if (values.every((v) => NUMERIC.test(v.trim()))) {
    const byNumber = new Map<number, string[]>();
    for (const v of values) byNumber.set(Number(v), [...(byNumber.get(Number(v)) ?? []), v]);
    const clashes = [...byNumber.values()].filter((vs) => vs.length > 1);
    out.push(
      finding(
        clashes.length > 0 ? "warning" : "info",
        "numeric-labels",
        where,
        `data.label: values look numeric (${list(values)}); they are class names, compared as text: predictions return these same strings${clashes.length > 0 ? `, and ${clashes.map((c) => list(c)).join("; ")} are different classes` : ""}`,
        clashes.length > 0 ? "write each class one way (e.g. 1, not 1.0)" : undefined,
      ),
    );
  }
  const folded = new Map<string, string[]>();
  for (const v of values) {
    const key = v.trim().toLowerCase();
    folded.set(key, [...(folded.get(key) ?? []), v]);
  }
  for (const variants of folded.values()) {
    if (variants.length < 2) continue;
    out.push(
      finding(
        "warning",
        "label-variants",
        where,
        `data.label: ${list(variants)} differ only in case or spaces and are different classes`,
        "write each class one way",
      ),
    );
  }
  const tiny = values.filter((v) => (stats.labels.get(v) ?? 0) < 2);
  if (exactCounts && tiny.length > 0) {
    out.push(
      finding(
        "warning",
        "tiny-class",
        where,
        `data.label: ${list(tiny)} ${tiny.length === 1 ? "has" : "have"} a single row; it may land only in the training or only in the test split`,
      ),
    );
  }
  return out;
}
