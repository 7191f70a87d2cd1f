import { UsageError } from "../../errors.js";
import { findRun, runsRoot } from "../../runs/lookup.js";
import type { RunResult } from "../../runs/result.js";
import { MlflowClient } from "../../tracking/mlflowClient.js";
import { type ExportResult, exportRunToMlflow } from "../../tracking/mlflowExport.js";
import { CODES } from "../../ui/codes.js";
import type { IoHost } from "../../ui/io.js";
import type { CommandIO } from "../io.js";
import type { ExportOptions } from "../options.js";

/** `kindling export mlflow RUN…`: each run as one MLflow run (again: the same one, not a second). */
export async function exportMlflowCommand(
  options: ExportOptions,
  io: CommandIO,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ExportResult[]> {
  const uri = options.trackingUri ?? env.MLFLOW_TRACKING_URI;
  if (!uri) {
    throw new UsageError("no MLflow tracking server given", {
      hint: "Pass --tracking-uri http://host:5000 or set MLFLOW_TRACKING_URI.",
    });
  }
  const client = new MlflowClient(uri, env);
  const root = await runsRoot(options, io.cwd);
  const experiment = options.experiment ?? env.MLFLOW_EXPERIMENT_NAME;
  const results: ExportResult[] = [];
  for (const ref of options.runs) {
    const run = await findRun(ref, root, io.cwd, { complete: true, io: io.host });
    const result = await exportRunToMlflow(run.dir, client, experiment ? { experiment } : {});
    results.push(result);
    io.print(
      result.existing
        ? `Run ${result.runId} was exported before: MLflow run ${result.mlflowRunId} (${result.url}); nothing added.`
        : `Run ${result.runId} → MLflow run ${result.mlflowRunId}: ${result.url}`,
    );
  }
  io.emitJson(results);
  return results;
}

/**
 * After `kindling run` (and each run of a sweep): with MLFLOW_TRACKING_URI set, the run goes to MLflow
 * too. A failed export only warns: the run is complete, and `kindling export mlflow ID` retries.
 */
export async function exportIfTracking(
  result: RunResult,
  io: IoHost,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  const uri = env.MLFLOW_TRACKING_URI;
  if (!uri) return;
  try {
    const client = new MlflowClient(uri, env);
    const exported = await exportRunToMlflow(
      result.runDir,
      client,
      env.MLFLOW_EXPERIMENT_NAME ? { experiment: env.MLFLOW_EXPERIMENT_NAME } : {},
    );
    io.notify(
      CODES.RUN_EXPORTED.msg(`MLflow: ${exported.url}`, {
        runId: result.runId,
        mlflowRunId: exported.mlflowRunId,
        url: exported.url,
      }),
    );
  } catch (error) {
    io.notify(
      CODES.RUN_EXPORT_FAILED.msg(
        `run ${result.runId} was not exported to MLflow (${(error as Error).message}); \`kindling export mlflow ${result.runId}\` retries`,
        { runId: result.runId, error: (error as Error).message },
      ),
    );
  }
}
