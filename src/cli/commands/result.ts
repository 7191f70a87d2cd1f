import type { RunResult } from "../../targets/local/runLocal.js";

/** The --json result of a run, the same on every target (EMR adds its own block). */
export function runJson(result: Pick<RunResult, "runId" | "runDir" | "manifest" | "metrics">) {
  const { manifest, metrics } = result;
  return {
    run_id: result.runId,
    run_dir: result.runDir,
    status: manifest.status,
    duration_seconds: manifest.duration_seconds,
    rows: manifest.rows,
    best: manifest.best,
    metrics,
  };
}
