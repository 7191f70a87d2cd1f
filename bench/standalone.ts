/**
 * The same Kindling job on a real multi-process Spark standalone cluster (master + workers on 127.0.0.1)
 * and on local[*], with the same seed and partition count, so their metrics must agree.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { startStandaloneCluster } from "../src/targets/standalone/cluster.js";
import type { CorpusFile } from "./corpus.js";
import type { StandaloneResult } from "./report.js";
import { type FeatureSetName, type RunMeasurement, runKindling } from "./runners.js";

// Metrics counted from the predictions: the same model and test rows give exactly the same values.
const COUNTED = ["accuracy", "f1", "precision", "recall"] as const;
// BinaryClassificationEvaluator bins the sorted scores partition by partition (numBins 1000), so the
// area under ROC moves with where the sort's range partitioner cuts: close, not bit-equal, across engines.
const BINNED = ["area_under_roc"] as const;

type Metrics = {
  feature_sets: Record<string, Record<(typeof COUNTED)[number] | (typeof BINNED)[number], number | null>>;
};

export async function metricsOf(run: RunMeasurement): Promise<Metrics> {
  const runDir = run.extra?.run_dir as string;
  return JSON.parse(await readFile(path.join(runDir, "metrics.json"), "utf8")) as Metrics;
}

/** Largest absolute difference of the counted metrics and of the binned AUC, per feature set. */
export function metricDifferences(
  a: Metrics,
  b: Metrics,
): Pick<StandaloneResult, "metric_differences" | "auc_differences"> {
  const counted: Record<string, number> = {};
  const binned: Record<string, number> = {};
  for (const [set, ma] of Object.entries(a.feature_sets)) {
    const mb = b.feature_sets[set];
    if (!mb) throw new Error(`feature set ${set} is missing from one of the runs`);
    const largest = (keys: readonly (keyof typeof ma)[]) =>
      Math.max(...keys.map((key) => Math.abs((ma[key] ?? 0) - (mb[key] ?? 0))));
    counted[set] = largest(COUNTED);
    binned[set] = largest(BINNED);
  }
  return { metric_differences: counted, auc_differences: binned };
}

export async function runOnStandalone(o: {
  corpus: CorpusFile;
  documents: number;
  sets: FeatureSetName[];
  workers: number;
  partitions: number;
  driverMemory: string;
  work: string;
  log: (message: string) => void;
}): Promise<StandaloneResult> {
  const executorMemory = "3g";
  const started = process.hrtime.bigint();
  const cluster = await startStandaloneCluster({
    workers: o.workers,
    coresPerWorker: 1,
    memoryPerWorker: "4g",
  });
  const clusterStartSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  o.log(`cluster ${cluster.masterUrl} up in ${clusterStartSeconds.toFixed(1)} s`);
  const common = {
    corpus: o.corpus.path,
    documents: o.documents,
    sets: o.sets,
    driverMemory: o.driverMemory,
    overrides: { spark: { partitions: o.partitions, executor_memory: executorMemory } },
  };
  let onCluster: RunMeasurement;
  try {
    onCluster = await runKindling({
      ...common,
      work: path.join(o.work, "standalone"),
      master: cluster.masterUrl,
      engine: `standalone (${o.workers} workers × 1 core)`,
      extraRoots: () => cluster.processes.map((p) => p.pid),
    });
  } finally {
    await cluster.stop();
  }
  o.log(`standalone: ${onCluster.wall_seconds.toFixed(1)} s`);
  const local = await runKindling({ ...common, work: path.join(o.work, "local"), engine: "local[*]" });
  o.log(`local[*]: ${local.wall_seconds.toFixed(1)} s`);
  return {
    documents: o.documents,
    workers: o.workers,
    partitions: o.partitions,
    cluster_start_seconds: Number(clusterStartSeconds.toFixed(2)),
    runs: [onCluster, local],
    ...metricDifferences(await metricsOf(onCluster), await metricsOf(local)),
  };
}
