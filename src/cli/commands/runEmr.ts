import type { LoadedConfig } from "../../config/load.js";
import { foundationSettingsFrom } from "../../infra/fromConfig.js";
import { stackNameFor } from "../../infra/settings.js";
import { deployFoundation, destroyFoundation } from "../../infra/toolkit.js";
import { createEmrAws, type EmrAws } from "../../targets/emr/aws.js";
import { formatUsd } from "../../targets/emr/cost.js";
import { findFoundation } from "../../targets/emr/foundation.js";
import { type FoundationOps, withFoundation } from "../../targets/emr/lifecycle.js";
import { planJson } from "../../targets/emr/plan.js";
import { type EmrRunResult, planEmrDryRun, runEmr } from "../../targets/emr/runEmr.js";
import { formatDuration } from "../../targets/emr/watch.js";
import { metricsTable } from "../../ui/metricsTable.js";
import type { CommandIO } from "../io.js";
import type { RunOptions } from "../options.js";
import { runJson } from "./result.js";

/** What the EMR branch of `kindling run` needs from outside; tests replace them. */
export interface EmrRunDeps {
  aws(target: { profile?: string; region?: string }): Promise<EmrAws>;
  foundationOps(loaded: LoadedConfig, aws: EmrAws, options: RunOptions, io: CommandIO): FoundationOps;
}

export const defaultEmrDeps: EmrRunDeps = {
  aws: (target) => createEmrAws(target),
  foundationOps: (loaded, aws, options, io) => {
    const settings = foundationSettingsFrom(loaded.config, { region: aws.region });
    const target = { region: aws.region, ...(options.profile ? { profile: options.profile } : {}) };
    return {
      find: () => findFoundation(aws.cloudFormation, stackNameFor(settings)),
      // --deploy / --destroy on the command line are the person's approval.
      deploy: () => deployFoundation(settings, { reporter: io.reporter, yes: true, ...target }),
      destroy: async () => {
        await destroyFoundation(settings, { reporter: io.reporter, yes: true, deleteData: false, ...target });
      },
    };
  },
};

/** `kindling run --target emr [--dry-run] [--deploy] [--destroy]`. */
export async function runEmrCommand(
  options: RunOptions,
  loaded: LoadedConfig,
  io: CommandIO,
  deps: EmrRunDeps = defaultEmrDeps,
): Promise<EmrRunResult | undefined> {
  const region = options.region ?? loaded.config.aws.region;
  const target = { ...(options.profile ? { profile: options.profile } : {}), ...(region ? { region } : {}) };
  if (options.dryRun) {
    const { plan } = await planEmrDryRun({
      loaded,
      reporter: io.reporter,
      aws: () => Promise.reject(new Error("a dry run makes no AWS call")),
      ...(region ? { region } : {}),
    });
    const json = planJson(plan);
    io.emitJson(json);
    io.reporter.print(
      `Dry run ${plan.runId} (no AWS call; <…> are the foundation stack's outputs):\n` +
        json.uploads
          .map(
            (u) =>
              `  upload ${u.from} → ${u.to} (${u.bytes} bytes${u.skip_if_exists ? ", skipped if present" : ""})`,
          )
          .join("\n") +
        `\nRunJobFlow request:\n${JSON.stringify(plan.request, null, 2)}\n` +
        `Estimated cost: ${formatUsd(plan.estimate.usd)}` +
        (plan.estimate.usdPerHour !== undefined
          ? ` (${formatUsd(plan.estimate.usdPerHour)}/h × ~${plan.estimate.minutes} min, prices as of ${plan.estimate.priceTableAsOf})`
          : ` (no price for ${plan.estimate.missing.join(", ") || "an unknown region"})`),
    );
    return undefined;
  }
  const aws = await deps.aws(target);
  const ops = deps.foundationOps(loaded, aws, options, io);
  const result = await withFoundation(
    { deploy: Boolean(options.deploy), destroy: Boolean(options.destroy), ops, reporter: io.reporter },
    (foundation) =>
      runEmr({
        loaded,
        reporter: io.reporter,
        aws: async () => aws,
        signal: io.signal,
        ...(foundation ? { foundation } : {}),
        awaitTermination: Boolean(options.destroy),
        ...pollingFromEnv(),
      }),
  );
  reportEmrResult(result, io);
  return result;
}

/** Test hook: KINDLING_EMR_POLL_MS / KINDLING_EMR_LOG_WAIT_MS shorten the waits against an emulator. */
export function pollingFromEnv(env = process.env) {
  const poll = Number(env.KINDLING_EMR_POLL_MS);
  const logWait = Number(env.KINDLING_EMR_LOG_WAIT_MS);
  return {
    ...(poll > 0 ? { pollMs: poll } : {}),
    ...(logWait > 0 ? { logWait: { attempts: 5, intervalMs: logWait } } : {}),
  };
}

function reportEmrResult(result: EmrRunResult, io: CommandIO): void {
  const { manifest, metrics } = result;
  const emr = manifest.emr;
  io.emitJson({ ...runJson(result), emr });
  io.reporter.print(metricsTable(metrics));
  const t = emr?.timings;
  io.reporter.print(
    `Cluster ${result.clusterId}: provisioning ${formatDuration(t?.provisioning_seconds ?? 0)}, running ${formatDuration(t?.running_seconds ?? 0)}; ` +
      `cost ${formatUsd(emr?.cost.actual)} (estimated ${formatUsd(emr?.cost.estimated)}).\n` +
      `Best: ${metrics.best_feature_set}. Run: ${result.runDir}`,
  );
}
