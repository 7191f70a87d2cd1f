import { type LoadOptions, loadConfig } from "../../config/load.js";
import { recordedOverrides } from "../../config/overrides.js";
import { UsageError } from "../../errors.js";
import type { Manifest } from "../../runs/manifest.js";
import { collectRun, terminateRun } from "../../runs/recover.js";
import { type RunResult, runJson } from "../../runs/result.js";
import { createTarget } from "../../targets/registry.js";
import { formatUsd } from "../../ui/format.js";
import { metricsTable } from "../../ui/metricsTable.js";
import type { CommandIO } from "../io.js";
import type { CollectOptions, TerminateOptions } from "../options.js";
import { emrDepsFromEnv, runSummary, targetContext } from "./run.js";
import { namedRun } from "./status.js";

/** `kindling terminate RUN`: end a cloud run's cluster, e.g. after the CLI that started it died. */
export async function terminateCommand(options: TerminateOptions, io: CommandIO): Promise<void> {
  const run = await namedRun(options, io);
  const target = await recoveryTarget(options, run.manifest, io);
  const manifest = await terminateRun({ run, target, io: io.host, signal: io.signal, wait: options.wait });
  const serverless = manifest.serverless;
  if (serverless) {
    io.emitJson({
      run_id: run.id,
      status: manifest.status,
      job_run_id: serverless.job_run_id,
      job_run_state: serverless.job_run_state,
      cost: serverless.cost,
    });
    io.print(
      `Run ${run.id}: ${manifest.status}; job run ${serverless.job_run_id} ${serverless.job_run_state ?? "cancelling"}` +
        (serverless.cost.actual !== undefined ? `, cost ${formatUsd(serverless.cost.actual)}` : ""),
    );
    return;
  }
  const emr = manifest.emr;
  io.emitJson({
    run_id: run.id,
    status: manifest.status,
    cluster_id: emr?.cluster_id,
    cluster_state: emr?.cluster_state,
    cost: emr?.cost,
  });
  io.print(
    `Run ${run.id}: ${manifest.status}; cluster ${emr?.cluster_id} ${emr?.cluster_state ?? "terminating"}` +
      (emr?.cost.actual !== undefined ? `, cost ${formatUsd(emr.cost.actual)}` : ""),
  );
}

/** `kindling collect RUN`: download a cloud run that finished while no CLI watched it, and complete it. */
export async function collectCommand(options: CollectOptions, io: CommandIO): Promise<RunResult> {
  const run = await namedRun(options, io);
  // The run's own settings: the file with the --set arguments it was started with.
  const loaded = await loadConfig(options.config, runLoadOptions(options, run.manifest));
  const target = await recoveryTarget(options, run.manifest, io);
  const result = await collectRun({
    run,
    target,
    io: io.host,
    signal: io.signal,
    maxRejectFraction: loaded.config.data.max_reject_fraction,
  });
  io.emitJson(runJson(result));
  io.print(`${metricsTable(result.metrics)}\n${runSummary(result)}`);
  return result;
}

/** The run's cloud target (EMR or EMR Serverless) in the region it used, with the project's config. */
async function recoveryTarget(
  options: { config: string; env?: string; profile?: string; region?: string },
  manifest: Manifest | undefined,
  io: CommandIO,
) {
  const loaded = await loadConfig(options.config, runLoadOptions(options, manifest));
  const region = options.region ?? manifest?.serverless?.region ?? manifest?.emr?.region;
  const aws = {
    ...(options.profile ? { profile: options.profile } : {}),
    ...(region ? { region } : {}),
  };
  const deps = emrDepsFromEnv();
  return createTarget(
    manifest?.target === "emr-serverless"
      ? { name: "emr-serverless", ...aws, deps: deps.pollMs !== undefined ? { pollMs: deps.pollMs } : {} }
      : { name: "emr", ...aws, deps },
    targetContext(loaded, io),
  );
}

/**
 * A run's own settings: the file in the environment the run was started in, with its --set arguments.
 * Naming another environment is refused: the run's resources are in its own.
 */
function runLoadOptions(options: { env?: string }, manifest: Manifest | undefined): LoadOptions {
  const recorded = manifest?.environment;
  if (options.env !== undefined && recorded !== undefined && options.env !== recorded) {
    throw new UsageError(`this run was started in environment ${recorded}, not ${options.env}`, {
      hint: `Drop --env (or KINDLING_ENV): the run's own environment is used.`,
    });
  }
  const env = recorded ?? options.env;
  return {
    overrides: recordedOverrides(manifest?.overrides),
    ...(env !== undefined ? { env } : {}),
  };
}
