import type { Manifest } from "./manifest.js";
import type { Metrics } from "./metrics.js";

/** A completed run, as every target's `kindling run` ends with it. */
export interface RunResult {
  runId: string;
  runDir: string;
  manifest: Manifest;
  metrics: Metrics;
}

/** The --json result of a run: the same on every target; a cloud run adds its own block. */
export function runJson(result: RunResult) {
  const { manifest, metrics } = result;
  return {
    run_id: result.runId,
    run_dir: result.runDir,
    status: manifest.status,
    target: manifest.target,
    duration_seconds: manifest.duration_seconds,
    rows: manifest.rows,
    best: manifest.best,
    metrics,
    ...(manifest.emr ? { emr: manifest.emr } : {}),
  };
}
