import type { Manifest } from "../runs/manifest.js";
import type { FeatureSetMetrics, Metrics } from "../runs/metrics.js";
import type { JobSpec } from "../spec/types.js";
import { METRIC_NAMES, type MetricName } from "./data.js";
import { runSettings } from "./settings.js";

export interface ComparedRun {
  manifest: Manifest;
  metrics: Metrics | undefined;
  spec: JobSpec;
}

/** What is compared per feature set: the test metrics, then the best cross-validation score. */
export const COMPARED_METRICS = [...METRIC_NAMES, "cv_best"] as const;
export type ComparedMetric = (typeof COMPARED_METRICS)[number];

export interface MetricDelta {
  featureSet: string;
  metric: ComparedMetric;
  a: number | null;
  b: number | null;
  /** b − a; null when either side lacks the metric. */
  delta: number | null;
}

export interface ConfigChange {
  /** The config key as written in kindling.yaml (`train.grid.reg_param`), or a fact (`data.sha256`). */
  key: string;
  /** The value in A (JSON text); null when A does not have the key. */
  a: string | null;
  b: string | null;
}

interface Side {
  id: string;
  best: string | null;
  createdAt: string;
  configHash: string;
  /** The metric cross-validation optimised (cv_best is in it). */
  cvMetric: string | null;
}

/** `kindling compare A B`: what changed between two runs, metrics first, then why. */
export interface RunComparison {
  a: Side;
  b: Side;
  metrics: MetricDelta[];
  /** Wall time of each run, start to end. */
  duration: { a: number | null; b: number | null; delta: number | null };
  sameConfig: boolean;
  /** Changed settings (config keys), then changed facts: the input's checksum, the master, the versions. */
  changes: ConfigChange[];
}

/** What a run was, as flat key → value text: its settings and the facts that shape its results. */
function settings(run: ComparedRun): Map<string, string> {
  const m = run.manifest;
  const entries: Array<[string, string]> = [
    ...runSettings(run.spec),
    ["data.sha256", JSON.stringify(m.input.sha256)],
    ["spark.master", JSON.stringify(m.master)],
    ...Object.entries(m.versions)
      .filter(([name]) => name !== "node" && name !== "kindling")
      .map(([name, v]): [string, string] => [`versions.${name}`, JSON.stringify(v)]),
  ];
  return new Map(entries);
}

const difference = (a: number | null, b: number | null) => (a === null || b === null ? null : b - a);

function metricOf(set: FeatureSetMetrics | undefined, metric: ComparedMetric): number | null {
  if (!set) return null;
  if (metric === "cv_best") return set.cv_best ?? Math.max(...set.cv_scores.map((s) => s.metric));
  return set[metric as MetricName] ?? null;
}

export function compareRuns(a: ComparedRun, b: ComparedRun): RunComparison {
  const setsA = a.metrics?.feature_sets ?? {};
  const setsB = b.metrics?.feature_sets ?? {};
  const names = [...new Set([...Object.keys(setsA), ...Object.keys(setsB)])];
  const metrics = names
    .flatMap((featureSet) =>
      COMPARED_METRICS.map((metric): MetricDelta => {
        const va = metricOf(setsA[featureSet], metric);
        const vb = metricOf(setsB[featureSet], metric);
        return { featureSet, metric, a: va, b: vb, delta: difference(va, vb) };
      }),
    )
    .filter((d) => d.a !== null || d.b !== null);

  const sa = settings(a);
  const sb = settings(b);
  const keys = [...new Set([...sa.keys(), ...sb.keys()])];
  const changes = keys
    .filter((k) => sa.get(k) !== sb.get(k))
    .map((key) => ({ key, a: sa.get(key) ?? null, b: sb.get(key) ?? null }));

  const side = (run: ComparedRun): Side => ({
    id: run.manifest.run_id,
    best: run.metrics?.best_feature_set ?? null,
    createdAt: run.manifest.created_at,
    configHash: run.manifest.config_hash,
    cvMetric: Object.values(run.metrics?.feature_sets ?? {})[0]?.cv_metric ?? null,
  });
  const da = a.manifest.duration_seconds ?? null;
  const db = b.manifest.duration_seconds ?? null;
  return {
    a: side(a),
    b: side(b),
    metrics,
    duration: { a: da, b: db, delta: difference(da, db) },
    sameConfig: a.manifest.config_hash === b.manifest.config_hash,
    changes,
  };
}
