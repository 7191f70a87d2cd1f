import type { Manifest } from "../runs/manifest.js";
import type { Metrics } from "../runs/metrics.js";
import type { JobSpec } from "../spec/types.js";
import { METRIC_NAMES, type MetricName } from "./data.js";
import { flattenConfig } from "./flatten.js";

export interface ComparedRun {
  manifest: Manifest;
  metrics: Metrics | undefined;
  spec: JobSpec;
}

export interface MetricDelta {
  featureSet: string;
  metric: MetricName;
  a: number | null;
  b: number | null;
  /** b − a; null when either side lacks the metric. */
  delta: number | null;
}

export interface ConfigChange {
  key: string;
  /** The value in A (JSON text); null when A does not have the key. */
  a: string | null;
  b: string | null;
}

/** `kindling compare A B`: what changed between two runs, metrics first, then why. */
export interface RunComparison {
  a: { id: string; best: string | null; createdAt: string; configHash: string };
  b: { id: string; best: string | null; createdAt: string; configHash: string };
  metrics: MetricDelta[];
  sameConfig: boolean;
  /** Changed settings (job spec keys), then changed facts: the input's checksum, the master, the versions. */
  changes: ConfigChange[];
}

/** What a run was, as flat key → value text: its job spec settings and the facts that shape its results. */
function settings(run: ComparedRun): Map<string, string> {
  const m = run.manifest;
  const entries: Array<[string, string]> = [
    ...flattenConfig(run.spec),
    ["input.sha256", JSON.stringify(m.input.sha256)],
    ["master", JSON.stringify(m.master)],
    ...Object.entries(m.versions)
      .filter(([name]) => name !== "node" && name !== "kindling")
      .map(([name, v]): [string, string] => [`versions.${name}`, JSON.stringify(v)]),
  ];
  return new Map(entries);
}

export function compareRuns(a: ComparedRun, b: ComparedRun): RunComparison {
  const setsA = a.metrics?.feature_sets ?? {};
  const setsB = b.metrics?.feature_sets ?? {};
  const names = [...new Set([...Object.keys(setsA), ...Object.keys(setsB)])];
  const metrics = names
    .flatMap((featureSet) =>
      METRIC_NAMES.map((metric): MetricDelta => {
        const va = setsA[featureSet]?.[metric] ?? null;
        const vb = setsB[featureSet]?.[metric] ?? null;
        return { featureSet, metric, a: va, b: vb, delta: va === null || vb === null ? null : vb - va };
      }),
    )
    .filter((d) => d.a !== null || d.b !== null);

  const sa = settings(a);
  const sb = settings(b);
  const keys = [...new Set([...sa.keys(), ...sb.keys()])];
  const changes = keys
    .filter((k) => sa.get(k) !== sb.get(k))
    .map((key) => ({ key, a: sa.get(key) ?? null, b: sb.get(key) ?? null }));

  const side = (run: ComparedRun) => ({
    id: run.manifest.run_id,
    best: run.metrics?.best_feature_set ?? null,
    createdAt: run.manifest.created_at,
    configHash: run.manifest.config_hash,
  });
  return {
    a: side(a),
    b: side(b),
    metrics,
    sameConfig: a.manifest.config_hash === b.manifest.config_hash,
    changes,
  };
}
