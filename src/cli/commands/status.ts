import { type AwsClients, type AwsTarget, createAwsClients } from "../../aws/clients.js";
import { UsageError } from "../../errors.js";
import { findRun, runsRoot } from "../../runs/lookup.js";
import type { RunSummary } from "../../runs/store.js";
import { costFor, hourlyRate } from "../../targets/emr/cost.js";
import { mixFromManifest } from "../../targets/emr/instances.js";
import { elapsedSeconds } from "../../targets/emr/watch.js";
import { formatDuration, formatPercent, formatUsd } from "../../ui/format.js";
import type { CommandIO } from "../io.js";
import type { StatusOptions } from "../options.js";

/** Creates the AWS clients for a run's region; tests replace it. */
export type AwsFactory = (target: AwsTarget) => Promise<AwsClients>;

/** The run a command names, looked up the one way every command does (src/runs/lookup.ts). */
export async function namedRun(options: { config: string; run: string }, io: CommandIO): Promise<RunSummary> {
  const run = await findRun(options.run, await runsRoot(options, io.cwd), io.cwd);
  if (!run.manifest) {
    throw new UsageError(`Run ${run.id} has no readable manifest.json (${run.dir}).`, {
      hint: "`kindling runs` lists the runs.",
    });
  }
  return run;
}

/**
 * `kindling status RUN`: the run's manifest state; for a cloud run still going, the cluster's or job run's
 * live state.
 */
export async function statusCommand(
  options: StatusOptions,
  io: CommandIO,
  awsFactory: AwsFactory = createAwsClients,
): Promise<void> {
  const run = await namedRun(options, io);
  const m = run.manifest;
  if (!m) return;
  const status = run.complete ? "succeeded" : m.status;
  const out: Record<string, unknown> = { run_id: run.id, status, target: m.target, dir: run.dir };
  const lines = [`Run ${run.id}: ${status} (${m.target})`];
  if (m.failure) {
    out.failure = m.failure;
    lines.push(
      `  ${m.status}${m.failure.stage ? ` at ${m.failure.stage}` : ""} (${m.failure.kind}): ${m.failure.message}`,
    );
  }
  if (m.best) lines.push(`  best: ${m.best.feature_set}, accuracy ${formatPercent(m.best.accuracy)}`);
  const emr = m.emr;
  if (emr) {
    out.emr = emr;
    lines.push(`  cluster ${emr.cluster_id ?? "(not started)"} in ${emr.region}, outputs ${emr.s3_prefix}`);
    if (emr.cost.actual !== undefined) lines.push(`  cost ${formatUsd(emr.cost.actual)}`);
    if (m.status === "running" && emr.cluster_id) {
      const aws = await awsFactory({
        region: emr.region,
        ...(options.profile ? { profile: options.profile } : {}),
      });
      const cluster = (await aws.emr.describeCluster({ ClusterId: emr.cluster_id })).Cluster ?? {};
      const step = emr.step_id
        ? ((await aws.emr.describeStep({ ClusterId: emr.cluster_id, StepId: emr.step_id })).Step ?? {})
        : {};
      const seconds = elapsedSeconds(cluster, new Date());
      const cost = costFor(hourlyRate(mixFromManifest(emr.instances), emr.region), seconds);
      const live = {
        cluster_state: cluster.Status?.State,
        cluster_reason: cluster.Status?.StateChangeReason?.Message,
        step_state: step.Status?.State,
        elapsed_seconds: seconds,
        cost_so_far: cost,
      };
      out.live = live;
      lines.push(
        `  now: cluster ${live.cluster_state} · step ${live.step_state ?? "?"} · ${formatDuration(seconds)} · ${cost === undefined ? "cost unknown" : `~${formatUsd(cost)} so far`}`,
      );
      if (live.cluster_reason) lines.push(`  reason: ${live.cluster_reason}`);
    }
  }
  const serverless = m.serverless;
  if (serverless) {
    out.serverless = serverless;
    lines.push(
      `  job run ${serverless.job_run_id ?? "(not started)"} on application ${serverless.application_id} in ${serverless.region}, outputs ${serverless.s3_prefix}`,
    );
    if (serverless.cost.actual !== undefined) lines.push(`  cost ${formatUsd(serverless.cost.actual)}`);
    if (m.status === "running" && serverless.job_run_id) {
      const aws = await awsFactory({
        region: serverless.region,
        ...(options.profile ? { profile: options.profile } : {}),
      });
      const jobRun = (
        await aws.emrServerless.getJobRun({
          applicationId: serverless.application_id,
          jobRunId: serverless.job_run_id,
        })
      ).jobRun;
      const live = { job_run_state: jobRun?.state, state_details: jobRun?.stateDetails };
      out.live = live;
      lines.push(
        `  now: job run ${live.job_run_state ?? "?"}${live.state_details ? ` (${live.state_details})` : ""}`,
      );
    }
  }
  io.emitJson(out);
  io.print(lines.join("\n"));
}
