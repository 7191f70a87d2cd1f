import type { Manifest } from "../runs/manifest.js";
import type { FeatureSetMetrics, Metrics } from "../runs/metrics.js";
import type { Tags } from "../runs/tags.js";
import type { JobSpec } from "../spec/types.js";
import { METRIC_NAMES, type MetricName } from "./data.js";
import { runSettings } from "./settings.js";

export interface ComparedRun {
  manifest: Manifest;
  metrics: Metrics | undefined;
  spec: JobSpec;
}

/** What is compared per model: the test metrics, then the best cross-validation score. */
export const COMPARED_METRICS = [...METRIC_NAMES, "cv_best"] as const;
export type ComparedMetric = (typeof COMPARED_METRICS)[number];

/** One metric of one model across the runs. */
export interface MetricRow {
  /** The model key: a feature set, or `set/classifier` when a run trained several classifiers. */
  model: string;
  metric: ComparedMetric;
  /** One value per run, in the runs' order; null where that run lacks the model or the metric. */
  values: Array<number | null>;
  /** Each value minus the first run's (the baseline); null where either is missing. */
  deltas: Array<number | null>;
  /** Indexes of the runs with the highest value (every metric here is better higher); empty if fewer than two values. */
  best: number[];
}

export interface SettingRow {
  /** The config key as written in kindling.yaml (`train.grid.reg_param`), or a fact (`data.sha256`). */
  key: string;
  /** The value in each run (JSON text); null where the run does not have the key. */
  values: Array<string | null>;
}

export interface ComparedSide {
  id: string;
  best: string | null;
  createdAt: string;
  target: string;
  configHash: string;
  /** The metric cross-validation optimised (cv_best is in it). */
  cvMetric: string | null;
  durationSeconds: number | null;
  tags: Tags;
  note: string | null;
}

/** `kindling compare A B …`: every metric per run with the best marked, then the settings that differ. */
export interface RunComparison {
  runs: ComparedSide[];
  metrics: MetricRow[];
  /** Every run has the same config hash. */
  sameConfig: boolean;
  /** Settings (config keys) that are not the same in every run, then facts: input checksum, master, versions. */
  differences: SettingRow[];
}

/** What a run was, as flat key → value text: its settings and the facts that shape its results. */
function settings(run: ComparedRun): Map<string, string> {
  const m = run.manifest;
  const entries: Array<[string, string]> = [
    ...runSettings(run.spec),
    ...(m.overrides?.length ? [["overrides", m.overrides.join(" ")] as [string, string]] : []),
    ["data.sha256", JSON.stringify(m.input.sha256)],
    ["spark.master", JSON.stringify(m.master)],
    ...Object.entries(m.versions)
      .filter(([name]) => name !== "node" && name !== "kindling")
      .map(([name, v]): [string, string] => [`versions.${name}`, JSON.stringify(v)]),
  ];
  return new Map(entries);
}

function metricOf(set: FeatureSetMetrics | undefined, metric: ComparedMetric): number | null {
  if (!set) return null;
  if (metric === "cv_best") return set.cv_best ?? Math.max(...set.cv_scores.map((s) => s.metric));
  return set[metric as MetricName] ?? null;
}

/** Indexes of the highest values; no winner among fewer than two values, nor when all are equal. */
function bestOf(values: Array<number | null>): number[] {
  const present = values.flatMap((v, i) => (v === null ? [] : [{ v, i }]));
  if (present.length < 2) return [];
  const top = Math.max(...present.map((p) => p.v));
  const winners = present.filter((p) => p.v === top).map((p) => p.i);
  return winners.length === present.length ? [] : winners;
}

/** The metrics cross-validation optimised for `model` in the runs that have it. */
function cvMetricsOf(runs: readonly ComparedRun[], model: string): Set<string> {
  return new Set(runs.flatMap((r) => r.metrics?.feature_sets[model]?.cv_metric ?? []));
}

export function compareRuns(runs: readonly ComparedRun[]): RunComparison {
  const models = [...new Set(runs.flatMap((r) => Object.keys(r.metrics?.feature_sets ?? {})))];
  const metrics = models
    .flatMap((model) =>
      COMPARED_METRICS.map((metric): MetricRow => {
        const values = runs.map((r) => metricOf(r.metrics?.feature_sets[model], metric));
        // Cross-validation scores of different metrics (f1 here, areaUnderROC there) are not comparable.
        if (metric === "cv_best" && cvMetricsOf(runs, model).size > 1) {
          return { model, metric, values, deltas: values.map(() => null), best: [] };
        }
        const base = values[0] ?? null;
        const deltas = values.map((v) => (v === null || base === null ? null : v - base));
        return { model, metric, values, deltas, best: bestOf(values) };
      }),
    )
    .filter((row) => row.values.some((v) => v !== null));

  const maps = runs.map(settings);
  const keys = [...new Set(maps.flatMap((m) => [...m.keys()]))];
  const differences = keys
    .map((key) => ({ key, values: maps.map((m) => m.get(key) ?? null) }))
    .filter((row) => new Set(row.values).size > 1);

  const side = ({ manifest: m, metrics: x }: ComparedRun): ComparedSide => ({
    id: m.run_id,
    best: x?.best_feature_set ?? null,
    createdAt: m.created_at,
    target: m.target,
    configHash: m.config_hash,
    cvMetric: Object.values(x?.feature_sets ?? {})[0]?.cv_metric ?? null,
    durationSeconds: m.duration_seconds ?? null,
    tags: m.tags ?? {},
    note: m.note ?? null,
  });
  return {
    runs: runs.map(side),
    metrics,
    sameConfig: new Set(runs.map((r) => r.manifest.config_hash)).size === 1,
    differences,
  };
}
