import { didYouMean } from "../config/suggest.js";
import { type DataFinding, finding } from "./findings.js";

/**
 * The column names Spark gives a CSV header (CSVUtils.makeSafeHeader, case-insensitive as Spark is by
 * default): an empty name becomes `_c<i>`, a repeated name becomes `<name><i>` — so a repeated text or
 * label column is not found by its name. Without a header every column is `_c<i>`.
 */
export function sparkCsvColumns(header: readonly string[], hasHeader: boolean): string[] {
  if (!hasHeader) return header.map((_, i) => `_c${i}`);
  const seen = new Map<string, number>();
  for (const name of header) {
    if (name !== "") seen.set(name.toLowerCase(), (seen.get(name.toLowerCase()) ?? 0) + 1);
  }
  return header.map((name, i) => {
    if (name === "") return `_c${i}`;
    return (seen.get(name.toLowerCase()) ?? 0) > 1 ? `${name}${i}` : name;
  });
}

/** The roles the job needs: the text column always, the label column when training. */
export interface WantedColumns {
  text: string;
  label?: string;
}

/**
 * Findings for the header: repeated names (error when it hits a needed column, else a warning), and a
 * needed column that is missing (listing the columns that exist, with a did-you-mean).
 */
export function checkColumns(
  header: readonly string[],
  columns: readonly string[],
  wanted: WantedColumns,
  where: string,
  hasHeader: boolean,
): DataFinding[] {
  const out: DataFinding[] = [];
  const duplicated = new Map<string, number[]>();
  if (hasHeader) {
    header.forEach((name, i) => {
      if (name === "") return;
      const key = name.toLowerCase();
      duplicated.set(key, [...(duplicated.get(key) ?? []), i]);
    });
  }
  const roles: Array<[string, string]> = [["data.text", wanted.text]];
  if (wanted.label !== undefined) roles.push(["data.label", wanted.label]);
  for (const [key, positions] of duplicated) {
    if (positions.length < 2) continue;
    const names = positions.map((i) => header[i] ?? "");
    const renamed = positions.map((i) => columns[i] ?? "");
    const hits = roles.filter(([, name]) => name.toLowerCase() === key);
    const text = `column name ${JSON.stringify(names[0])} appears ${positions.length} times in the header (columns ${positions.map((i) => i + 1).join(", ")}${new Set(names).size > 1 ? `: ${names.map((n) => JSON.stringify(n)).join(", ")}, names differ only in case` : ""}); Spark renames them ${renamed.join(", ")}`;
    if (hits.length > 0) {
      out.push(
        finding(
          "error",
          "duplicate-column",
          where,
          `${hits.map(([k]) => k).join(" and ")}: ${text}, so ${JSON.stringify(hits[0]?.[1])} matches none of them`,
          "give every column in the header its own name",
        ),
      );
    } else {
      out.push(
        finding("warning", "duplicate-column", where, text, "give every column in the header its own name"),
      );
    }
  }
  if (out.some((f) => f.severity === "error")) return out;
  for (const [key, name] of roles) {
    if (columns.includes(name)) continue;
    const guess = didYouMean(name, columns);
    const near = columns.find((c) => c.trim() === name.trim() && c !== name);
    const hint = near
      ? ` (${JSON.stringify(near)} differs only by spaces)`
      : guess
        ? ` (did you mean ${JSON.stringify(guess)}?)`
        : "";
    out.push(
      finding(
        "error",
        "missing-column",
        where,
        `${key}: column ${JSON.stringify(name)} not found in the header${hasHeader ? "" : " (data.csv.header is false, so the columns are named _c0, _c1, …)"}; its columns are: ${columns.join(", ")}${hint}`,
        `set ${key} to the name of the ${key === "data.text" ? "text" : "label"} column${hasHeader ? "" : ", or set data.csv.header: true if the first line names the columns"}`,
      ),
    );
  }
  return out;
}
