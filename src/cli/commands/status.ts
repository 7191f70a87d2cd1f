import path from "node:path";
import { loadConfig } from "../../config/load.js";
import { UsageError } from "../../errors.js";
import { exists } from "../../runs/files.js";
import { RUN_ID_PATTERN } from "../../runs/runId.js";
import { RunStore, type RunSummary } from "../../runs/store.js";
import { createEmrAws, type EmrAws } from "../../targets/emr/aws.js";
import { costFor, formatUsd, hourlyRate } from "../../targets/emr/cost.js";
import type { InstanceRole } from "../../targets/emr/instances.js";
import { elapsedSeconds, formatDuration } from "../../targets/emr/watch.js";
import type { CommandIO } from "../io.js";
import type { StatusOptions } from "../options.js";

/** Creates the AWS clients for a run's region; tests replace it. */
export type AwsFactory = (target: { profile?: string; region?: string }) => Promise<EmrAws>;

/** Finds a run by id in the config's run store (runs/ without a config). */
export async function findRun(configFile: string, runId: string, cwd: string): Promise<RunSummary> {
  const root = (await exists(configFile))
    ? await loadConfig(configFile).then((l) => path.resolve(l.dir, l.config.output.dir))
    : path.resolve(cwd, "runs");
  if (!RUN_ID_PATTERN.test(runId)) {
    throw new UsageError(`"${runId}" is not a run id (like 20261127-231500-spam-7f3a).`, {
      hint: "`kindling runs` lists them.",
    });
  }
  const run = await new RunStore(root).read(runId);
  if (!run.manifest) {
    throw new UsageError(`No run ${runId} in ${root}.`, { hint: "`kindling runs` lists the runs there." });
  }
  return run;
}

/** `kindling status ID`: the run's manifest state; for an EMR run still going, the cluster's live state. */
export async function statusCommand(
  options: StatusOptions,
  io: CommandIO,
  awsFactory: AwsFactory = createEmrAws,
): Promise<void> {
  const run = await findRun(options.config, options.runId, io.cwd);
  const m = run.manifest;
  if (!m) return;
  const status = run.complete ? "succeeded" : m.status;
  const out: Record<string, unknown> = { run_id: run.id, status, target: m.target, dir: run.dir };
  const lines = [`Run ${run.id}: ${status} (${m.target})`];
  if (m.failure)
    lines.push(`  failed${m.failure.stage ? ` at ${m.failure.stage}` : ""}: ${m.failure.message}`);
  if (m.best) lines.push(`  best: ${m.best.feature_set}, accuracy ${(m.best.accuracy * 100).toFixed(1)}%`);
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
      const mix: InstanceRole[] = emr.instances.map((i) => ({
        role: i.role as InstanceRole["role"],
        instanceTypes: i.instance_types,
        count: i.count,
        market: i.market as InstanceRole["market"],
      }));
      const cost = costFor(hourlyRate(mix, emr.region), seconds);
      const live = {
        cluster_state: cluster.Status?.State,
        cluster_reason: cluster.Status?.StateChangeReason?.Message,
        step_state: step.Status?.State,
        elapsed_seconds: seconds,
        cost_so_far: cost,
      };
      out.live = live;
      lines.push(
        `  now: cluster ${live.cluster_state} · step ${live.step_state ?? "?"} · ${formatDuration(seconds)} · ~${formatUsd(cost)} so far`,
      );
      if (live.cluster_reason) lines.push(`  reason: ${live.cluster_reason}`);
    }
  }
  io.emitJson(out);
  io.reporter.print(lines.join("\n"));
}
