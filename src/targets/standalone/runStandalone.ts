import { type LocalRunOptions, type RunResult, runLocal } from "../local/runLocal.js";
import { type StandaloneCluster, startStandaloneCluster } from "./cluster.js";
import { LOOPBACK } from "./ports.js";

export interface StandaloneRunOptions extends Omit<LocalRunOptions, "master" | "startMaster" | "target"> {
  /** Workers to start. Default 2. */
  workers?: number;
  /** Cores per worker. Default 1. */
  coresPerWorker?: number;
  /** Memory per worker. Default: spark.executor_memory from the config, else "2g". */
  memoryPerWorker?: string;
}

/**
 * Trains like `runLocal`, on a Spark standalone cluster (master + workers on 127.0.0.1) started for this
 * run once the data and prerequisites are checked, and stopped afterwards: on success, failure and abort.
 */
export async function runStandalone(options: StandaloneRunOptions): Promise<RunResult> {
  const { reporter, signal } = options;
  const workers = options.workers ?? 2;
  const started: { cluster?: StandaloneCluster } = {};
  const startMaster = async (): Promise<string> => {
    const stage = reporter.stage(
      `Start a Spark standalone cluster on ${LOOPBACK} (master + ${workers} worker${workers === 1 ? "" : "s"})`,
    );
    const t0 = Date.now();
    try {
      started.cluster = await startStandaloneCluster({
        workers,
        coresPerWorker: options.coresPerWorker ?? 1,
        memoryPerWorker: options.memoryPerWorker ?? options.loaded.config.spark.executor_memory ?? "2g",
        reporter,
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      stage.fail(signal?.aborted ? "interrupted" : "failed");
      throw error;
    }
    stage.succeed(`${((Date.now() - t0) / 1000).toFixed(1)}s`);
    reporter.info(`Spark master ${started.cluster.masterUrl} (web UI ${started.cluster.webUiUrl})`);
    return started.cluster.masterUrl;
  };
  try {
    return await runLocal({ ...options, target: "standalone", startMaster });
  } finally {
    if (started.cluster) {
      const stage = reporter.stage("Stop the standalone cluster");
      await started.cluster.stop();
      stage.succeed();
    }
  }
}
