import { createHash } from "node:crypto";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import Table from "cli-table3";
import { UsageError } from "../../errors.js";
import { compareRuns, type RunComparison } from "../../report/compare.js";
import { deltaText, metricLabel, renderComparisonHtml, runLabel } from "../../report/compareHtml.js";
import { readReportSources } from "../../report/write.js";
import { writeFileAtomic } from "../../runs/files.js";
import { findRun, runsRoot } from "../../runs/lookup.js";
import { RunStore, type RunSummary } from "../../runs/store.js";
import { formatTags } from "../../runs/tags.js";
import { CODES } from "../../ui/codes.js";
import { displayPath, formatDuration, formatPercent, formatScore } from "../../ui/format.js";
import { KINDLING_VERSION } from "../../versions.js";
import type { CommandIO } from "../io.js";
import type { CompareOptions } from "../options.js";
import { type Opener, openWithDesktop } from "./report.js";

/**
 * `kindling compare A B [C …]` or `--last N`: every metric of every model per run, the best marked and
 * each run's difference from the first; then the settings that differ. `--html` also writes the page.
 */
export async function compareCommand(
  options: CompareOptions,
  io: CommandIO,
  open: Opener = openWithDesktop,
): Promise<RunComparison> {
  const root = await runsRoot(options, io.cwd);
  const runs =
    options.last !== undefined ? await lastComplete(root, options.last) : await named(options, root, io);
  const ids = runs.map((r) => r.id);
  const repeated = ids.find((id, i) => ids.indexOf(id) !== i);
  if (repeated) throw new UsageError(`run ${repeated} is named twice; compare different runs`);
  const comparison = compareRuns(await Promise.all(runs.map((r) => readReportSources(r.dir))));
  const page =
    options.html || options.open
      ? path.resolve(io.cwd, options.html ?? path.join(root, `compare-${pageName(ids)}.html`))
      : undefined;
  if (page) await writeComparisonPage(comparison, page);
  io.emitJson({ ...comparison, ...(page ? { html: page, url: pathToFileURL(page).href } : {}) });
  io.print(renderComparison(comparison));
  if (page) io.print(`Comparison page: ${displayPath(page)}`);
  if (page && options.open) {
    await open(page).catch((error: Error) =>
      io.host.notify(
        CODES.REPORT_OPEN_FAILED.msg(`could not open a browser (${error.message}); open ${page} yourself`, {
          file: page,
        }),
      ),
    );
  }
  return comparison;
}

/** Writes the comparison's HTML page (its folder made if needed); returns the file. */
export async function writeComparisonPage(comparison: RunComparison, file: string): Promise<string> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFileAtomic(
    file,
    await renderComparisonHtml(comparison, {
      generatedAt: new Date().toISOString(),
      kindlingVersion: KINDLING_VERSION,
    }),
  );
  return file;
}

/** A comparison is of results: `latest` means the newest run that has them. */
async function named(options: CompareOptions, root: string, io: CommandIO): Promise<RunSummary[]> {
  const runs: RunSummary[] = [];
  for (const ref of options.runs)
    runs.push(await findRun(ref, root, io.cwd, { complete: true, io: io.host }));
  return runs;
}

/** The newest N complete runs, oldest first, so the baseline is the earliest. */
async function lastComplete(root: string, n: number): Promise<RunSummary[]> {
  const complete = (await new RunStore(root).list()).filter((r) => r.complete);
  if (complete.length < n) {
    throw new UsageError(
      `--last ${n}: there ${complete.length === 1 ? "is 1 complete run" : `are ${complete.length} complete runs`} in ${root}`,
      {
        hint: "`kindling runs --status succeeded` lists them.",
      },
    );
  }
  return complete.slice(0, n).reverse();
}

/** The same runs in the same order always write to the same page. */
function pageName(ids: string[]): string {
  return createHash("sha256").update(ids.join("\n")).digest("hex").slice(0, 12);
}

/** The human form: who is who, a metrics table (best marked with *), durations, and the settings that differ. */
export function renderComparison(c: RunComparison): string {
  const two = c.runs.length === 2;
  const lines = c.runs.map(
    (r, i) =>
      `${runLabel(i)}: ${r.id} (best ${r.best ?? "—"}${Object.keys(r.tags).length ? `; ${formatTags(r.tags)}` : ""})`,
  );
  const labels = c.runs.map((_, i) => runLabel(i));
  const table = new Table({
    head: ["model", "metric", ...labels, ...(two ? ["B − A"] : [])],
    colAligns: ["left", "left", ...labels.map(() => "right" as const), ...(two ? ["right" as const] : [])],
    style: { head: [], border: [] },
  });
  for (const row of c.metrics) {
    const show = row.metric === "accuracy" ? formatPercent : formatScore;
    table.push([
      row.model,
      metricLabel(row.metric, c),
      ...row.values.map((v, i) => `${show(v)}${row.best.includes(i) ? " *" : ""}`),
      ...(two ? [deltaText(row, 1)] : []),
    ]);
  }
  lines.push(
    c.metrics.length ? `${table.toString()}\n* the highest of the row` : "None of the runs has metrics.",
  );
  const durations = c.runs.map((r, i) => `${runLabel(i)} ${formatDuration(r.durationSeconds)}`);
  const [da, db] = c.runs.map((r) => r.durationSeconds);
  const delta =
    two && da != null && db != null
      ? ` (${db - da >= 0 ? "+" : "−"}${formatDuration(Math.abs(db - da))})`
      : "";
  lines.push(`Duration: ${durations.join(", ")}${delta}.`);
  if (c.differences.length === 0) {
    lines.push(`Same config (hash ${c.runs[0]?.configHash.slice(0, 12)}), same data and versions.`);
  } else {
    lines.push(
      `${c.sameConfig ? "Same config hash; other" : "Config"} differences${two ? " (A → B)" : ""}:`,
      ...c.differences.map((d) =>
        two
          ? `  ${d.key}: ${d.values[0] ?? "(absent)"} → ${d.values[1] ?? "(absent)"}`
          : `  ${d.key}: ${d.values.map((v, i) => `${runLabel(i)} ${v ?? "(absent)"}`).join(" · ")}`,
      ),
    );
  }
  return lines.join("\n");
}
