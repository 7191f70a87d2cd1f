import Table from "cli-table3";
import { type ComparedMetric, compareRuns, type RunComparison } from "../../report/compare.js";
import { METRIC_LABELS } from "../../report/data.js";
import { readReportSources } from "../../report/write.js";
import { findRun, runsRoot } from "../../runs/lookup.js";
import { formatDeltaPoints, formatDuration, formatPercent, formatScore } from "../../ui/format.js";
import type { CommandIO } from "../io.js";
import type { CompareOptions } from "../options.js";

/** `kindling compare A B`: metrics side by side with B − A, then the settings that differ (A → B). */
export async function compareCommand(options: CompareOptions, io: CommandIO): Promise<RunComparison> {
  const root = await runsRoot(options.config, io.cwd);
  // A comparison is of results: `latest` means the newest run that has them.
  const find = (ref: string) => findRun(ref, root, io.cwd, { complete: true, io: io.host });
  const a = await find(options.a);
  const b = await find(options.b);
  const [sa, sb] = await Promise.all([readReportSources(a.dir), readReportSources(b.dir)]);
  const comparison = compareRuns(sa, sb);
  io.emitJson(comparison);
  io.print(renderComparison(comparison));
  return comparison;
}

function label(metric: ComparedMetric, c: RunComparison): string {
  return metric === "cv_best" ? `CV ${c.a.cvMetric ?? "score"}` : METRIC_LABELS[metric];
}

/** The human form: a metrics table, the durations, and a list of changes. */
export function renderComparison(c: RunComparison): string {
  const lines = [`A: ${c.a.id} (best ${c.a.best ?? "—"})`, `B: ${c.b.id} (best ${c.b.best ?? "—"})`];
  const table = new Table({
    head: ["feature set", "metric", "A", "B", "B − A"],
    colAligns: ["left", "left", "right", "right", "right"],
    style: { head: [], border: [] },
  });
  for (const d of c.metrics) {
    const accuracy = d.metric === "accuracy";
    const show = accuracy ? formatPercent : formatScore;
    const delta =
      d.delta === null
        ? "—"
        : accuracy
          ? formatDeltaPoints(d.delta)
          : `${d.delta > 0 ? "+" : ""}${d.delta.toFixed(3)}`;
    table.push([d.featureSet, label(d.metric, c), show(d.a), show(d.b), delta]);
  }
  lines.push(c.metrics.length ? table.toString() : "Neither run has metrics.");
  const { duration } = c;
  lines.push(
    `Duration: A ${formatDuration(duration.a)}, B ${formatDuration(duration.b)}${duration.delta === null ? "" : ` (${duration.delta >= 0 ? "+" : "−"}${formatDuration(Math.abs(duration.delta))})`}.`,
  );
  if (c.changes.length === 0) {
    lines.push(`Same config (hash ${c.a.configHash.slice(0, 12)}), same data and versions.`);
  } else {
    lines.push(
      `${c.sameConfig ? "Same config hash; other" : "Config"} differences (A → B):`,
      ...c.changes.map((ch) => `  ${ch.key}: ${ch.a ?? "(absent)"} → ${ch.b ?? "(absent)"}`),
    );
  }
  return lines.join("\n");
}
