import Table from "cli-table3";
import type { ClassMetrics, Metrics } from "../runs/metrics.js";
import { formatInteger as integer, formatScore as num, formatPercent as pct } from "./format.js";

/**
 * The per-feature-set metrics table printed at the end of a run (the best set starred), then the best
 * set's figures per label, which its weighted ones average away.
 */
export function metricsTable(metrics: Metrics): string {
  const table = new Table({
    head: ["model", "accuracy", "F1", "precision", "recall", "AUC", "best params"],
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
  const classes = metrics.feature_sets[metrics.best_feature_set]?.per_class;
  return classes ? `${table.toString()}\n${classTable(metrics.best_feature_set, classes)}` : table.toString();
}

function classTable(featureSet: string, classes: ClassMetrics[]): string {
  const table = new Table({
    head: [`${featureSet} by label`, "precision", "recall", "F1", "support"],
    style: { head: [], border: [] },
  });
  for (const c of classes)
    table.push([c.label, num(c.precision), num(c.recall), num(c.f1), integer(c.support)]);
  return table.toString();
}
