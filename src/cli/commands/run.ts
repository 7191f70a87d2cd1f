import { systemClock } from "../../clock.js";
import { type LoadedConfig, loadConfig, loadOptionsOf } from "../../config/load.js";
import { type RunLabels, runJob } from "../../runs/lifecycle.js";
import { identicalNotes } from "../../runs/metrics.js";
import { type RunResult, runJson } from "../../runs/result.js";
import type { EmrDeps } from "../../targets/emr/target.js";
import { createTarget, type TargetChoice } from "../../targets/registry.js";
import type { TargetContext } from "../../targets/target.js";
import { displayPath, formatDuration, formatInteger, formatUsd } from "../../ui/format.js";
import { metricsTable } from "../../ui/metricsTable.js";
import { confirmInEnvironment } from "../environmentGate.js";
import type { CommandIO } from "../io.js";
import type { RunOptions } from "../options.js";

/** `kindling run`: train on the chosen target and print the metrics table (or one JSON result). */
export async function runCommand(options: RunOptions, io: CommandIO): Promise<RunResult | undefined> {
  const loaded = await loadConfig(options.config, loadOptionsOf(options));
  if (options.target === "emr" && options.dryRun) {
    const { emrDryRunCommand } = await import("./emrDryRun.js");
    await emrDryRunCommand(options, loaded, io);
    return undefined;
  }
  if (options.target === "emr-serverless" && options.dryRun) {
    const { serverlessDryRunCommand } = await import("./emrDryRun.js");
    await serverlessDryRunCommand(options, loaded, io);
    return undefined;
  }
  if (options.target === "emr" || options.target === "emr-serverless") {
    await confirmInEnvironment(loaded, "run", `train on ${options.target}`, { yes: options.yes });
  }
  return trainOn(targetChoice(options), loaded, io, {
    ...(options.tags ? { tags: options.tags } : {}),
    ...(options.note ? { note: options.note } : {}),
  });
}

/** Trains with a loaded config on a target and reports the result; shared with `demo`. */
export async function trainOn(
  choice: TargetChoice,
  loaded: LoadedConfig,
  io: CommandIO,
  labels: RunLabels = {},
): Promise<RunResult> {
  const target = await createTarget(choice, targetContext(loaded, io));
  const result = await runJob({ loaded, target, io: io.host, signal: io.signal, labels });
  if (process.env.MLFLOW_TRACKING_URI) await (await import("./export.js")).exportIfTracking(result, io.host);
  io.emitJson(runJson(result));
  io.print(`${metricsTable(result.metrics)}\n${runSummary(result)}`);
  return result;
}

export function targetContext(loaded: LoadedConfig, io: CommandIO): TargetContext {
  return { loaded, io: io.host, signal: io.signal, clock: systemClock, verbose: io.verbose };
}

/** The target a command's flags choose (run, sweep). */
export function targetChoice(
  options: Pick<
    RunOptions,
    "target" | "master" | "workers" | "deploy" | "destroy" | "cluster" | "profile" | "region"
  >,
): TargetChoice {
  const aws = {
    ...(options.profile ? { profile: options.profile } : {}),
    ...(options.region ? { region: options.region } : {}),
  };
  switch (options.target) {
    case "standalone":
      return { name: "standalone", ...(options.workers !== undefined ? { workers: options.workers } : {}) };
    case "emr":
      return {
        name: "emr",
        ...aws,
        deploy: Boolean(options.deploy),
        destroy: Boolean(options.destroy),
        ...(options.cluster ? { cluster: options.cluster } : {}),
        deps: emrDepsFromEnv(),
      };
    case "emr-serverless": {
      const poll = emrDepsFromEnv().pollMs;
      return {
        name: "emr-serverless",
        ...aws,
        deploy: Boolean(options.deploy),
        destroy: Boolean(options.destroy),
        deps: poll !== undefined ? { pollMs: poll } : {},
      };
    }
    default:
      return { name: "local", ...(options.master ? { master: options.master } : {}) };
  }
}

/** The lines under the metrics table: rows, best set, time (a cloud run: the cluster and its cost), paths. */
export function runSummary(result: RunResult): string {
  const { manifest, metrics } = result;
  const rows = manifest.rows;
  const lines: string[] = [];
  if (rows) {
    lines.push(
      `${formatInteger(rows.used)} rows used (${formatInteger(rows.null_dropped)} dropped for nulls${rows.rejected ? `, ${formatInteger(rows.rejected)} rejected as malformed: ${displayPath(result.runDir)}/rejects` : ""}).`,
    );
  }
  lines.push(`Best: ${metrics.best_feature_set}. Finished in ${formatDuration(manifest.duration_seconds)}.`);
  lines.push(...identicalNotes(metrics).map((note) => `Note: ${note}`));
  const serverless = manifest.serverless;
  if (serverless) {
    const t = serverless.timings;
    lines.push(
      `Job run ${serverless.job_run_id}: queued ${formatDuration(t?.queued_seconds)}, running ${formatDuration(t?.running_seconds)}; cost ${formatUsd(serverless.cost.actual)} (estimated ${formatUsd(serverless.cost.estimated)}).`,
    );
  }
  const emr = manifest.emr;
  if (emr) {
    const t = emr.timings;
    lines.push(
      `Cluster ${emr.cluster_id}: provisioning ${formatDuration(t?.provisioning_seconds)}, running ${formatDuration(t?.running_seconds)}; cost ${formatUsd(emr.cost.actual)} (estimated ${formatUsd(emr.cost.estimated)}).`,
    );
  }
  lines.push(`Report: ${displayPath(`${result.runDir}/report.html`)}`, `Run: ${displayPath(result.runDir)}`);
  return lines.join("\n");
}

/** Test hook: KINDLING_EMR_POLL_MS / KINDLING_EMR_LOG_WAIT_MS shorten the waits against an emulator. */
export function emrDepsFromEnv(env = process.env): EmrDeps {
  const poll = Number(env.KINDLING_EMR_POLL_MS);
  const logWait = Number(env.KINDLING_EMR_LOG_WAIT_MS);
  return {
    ...(poll > 0 ? { pollMs: poll } : {}),
    ...(logWait > 0 ? { logWait: { attempts: 5, intervalMs: logWait } } : {}),
  };
}
