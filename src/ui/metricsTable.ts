import Table from "cli-table3";
import type { Metrics } from "../runs/metrics.js";
import { formatScore as num, formatPercent as pct } from "./format.js";

/** The per-feature-set metrics table printed at the end of a run; the best set is starred. */
export function metricsTable(metrics: Metrics): string {
  const table = new Table({
    head: ["feature set", "accuracy", "F1", "precision", "recall", "AUC", "best params"],
    style: { head: [], border: [] },
  });
  for (const [name, m] of Object.entries(metrics.feature_sets)) {
    const params = Object.entries(m.best_params)
      .map(([k, v]) => `${k}=${v}`)
      .join(" ");
    table.push([
      name === metrics.best_feature_set ? `${name} *` : name,
      pct(m.accuracy),
      num(m.f1),
      num(m.precision),
      num(m.recall),
      num(m.area_under_roc),
      params,
    ]);
  }
  return table.toString();
}
