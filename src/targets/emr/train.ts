import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { AwsClients } from "../../aws/clients.js";
import { messageOf } from "../../aws/errors.js";
import type { Clock, Sleep } from "../../clock.js";
import type { Config } from "../../config/schema.js";
import type { FoundationOutputs } from "../../infra/outputs.js";
import type { DepsArchive } from "../../packaging/pythonDeps.js";
import { awsRunFailure, interruptedFailure, type RunFailure, TargetFailure } from "../../runs/failure.js";
import type { EmrRunFacts } from "../../runs/manifest.js";
import type { RuntimeBasis } from "../../runs/runtime.js";
import { type RunDir, SUCCESS_MARKER } from "../../runs/store.js";
import { CODES } from "../../ui/codes.js";
import type { IoHost } from "../../ui/io.js";
import { notifyRecordedCacheEvents } from "../local/events.js";
import { shellQuote } from "../local/launch.js";
import { packageJob } from "../shared/package.js";
import type { RunInput, TrainJob, TrainOutcome } from "../target.js";
import {
  type FollowOptions,
  followStepCluster,
  type StepClusterOutcome,
  startStepCluster,
  stopUnwatched,
} from "./cluster.js";
import { type CostEstimate, costFacts, describeEstimate, hourlyRate } from "./cost.js";
import { downloadOutputs } from "./download.js";
import { describeMix, type InstanceRole, instanceMix, manifestInstances } from "./instances.js";
import type { RunLayout } from "./layout.js";
import { readStepLogs, type StepLogs } from "./logs.js";
import { planEmrRun } from "./plan.js";
import { timelineFacts, warmShareFacts } from "./timeline.js";
import { objectExists, uploadAll } from "./upload.js";
import { addRunStep } from "./warm.js";
import { CLUSTER_DONE } from "./watch.js";

/** Everything an EMR run works with once the target is prepared. */
export interface EmrSession {
  aws: AwsClients;
  foundation: FoundationOutputs;
  config: Config;
  /** The job's Python packages, built for the cluster's Python and CPU. */
  deps: DepsArchive;
  io: IoHost;
  signal: AbortSignal;
  clock: Clock;
  sleep: Sleep;
  pollMs?: number;
  logWait?: { attempts: number; intervalMs: number };
  /** Wait for a failed cluster to end before returning (the foundation is destroyed next). */
  awaitTermination: boolean;
  /** Run as a step of this warm cluster (with its instance mix) instead of a transient cluster. */
  warm?: { id: string; mix: InstanceRole[] };
}

/** The instances a run's cost is computed from: the warm cluster's, or the config's transient cluster. */
export function sessionMix(session: Pick<EmrSession, "warm" | "config">): InstanceRole[] {
  return session.warm?.mix ?? instanceMix(session.config.emr);
}

/** The manifest's `emr` block as a run starts: where it goes, on what, and what it should cost. */
export function initialEmrFacts(
  session: Pick<EmrSession, "aws" | "foundation" | "config" | "warm">,
  layout: RunLayout,
  estimate: CostEstimate,
  releaseLabel: string,
): EmrRunFacts {
  return {
    region: session.aws.region,
    release_label: releaseLabel,
    s3_prefix: `s3://${layout.bucket}/${layout.prefix}`,
    log_uri: session.foundation.logUri,
    ...(session.warm ? { cluster_id: session.warm.id, warm_cluster: true } : {}),
    instances: manifestInstances(sessionMix(session)),
    cost: costFacts(estimate),
  };
}

/**
 * Trains on a transient EMR cluster: uploads the input (content-addressed), the code and the spec, starts
 * a cluster with one step, follows it to the end and brings the run's outputs back into the run directory
 * only when the job's own `_SUCCESS` is there. Every way it can end badly is a TargetFailure carrying the
 * cluster's facts (final state, actual cost) for the manifest.
 */
export async function trainOnEmr(
  job: TrainJob,
  input: RunInput,
  session: EmrSession,
  runtime: RuntimeBasis,
): Promise<TrainOutcome> {
  const { aws, io, signal, config } = session;
  const { run } = job;
  const scratch = await mkdtemp(path.join(os.tmpdir(), "kindling-emr-"));
  try {
    const plan = await planEmrRun({
      config,
      runId: run.id,
      foundation: session.foundation,
      region: aws.region,
      input,
      spec: job.spec,
      specFile: job.specFile,
      zipFile: await packageJob(path.join(scratch, "kindling_job.zip")),
      deps: session.deps,
      runtime,
      ...(session.warm ? { warm: session.warm } : {}),
    });
    await writeFile(
      path.join(run.dir, "logs", "command.txt"),
      "# The EMR step (command-runner.jar) Kindling added; it runs as written on the cluster's primary node.\n" +
        `${["spark-submit", ...plan.sparkSubmitArgs].map(shellQuote).join(" ")}\n`,
    );
    const e = plan.estimate;
    const where = session.warm
      ? `Warm cluster ${session.warm.id}: ${describeMix(session.warm.mix)} in ${aws.region}`
      : `Cluster: ${describeMix(instanceMix(config.emr))}, ${plan.releaseLabel} in ${aws.region}`;
    io.notify(
      CODES.EMR_CLUSTER_PLAN.msg(`${where}; estimated ${describeEstimate(e)}`, {
        releaseLabel: plan.releaseLabel,
        region: aws.region,
        ...(e.usd !== undefined ? { usd: e.usd } : {}),
        ...(e.usdPerHour !== undefined ? { usdPerHour: e.usdPerHour } : {}),
      }),
    );
    const facts = initialEmrFacts(session, plan.layout, e, plan.releaseLabel);
    try {
      await uploadAll(aws.s3, plan.uploads, { io, signal });
    } catch (error) {
      if (signal.aborted) throw interrupted("interrupted while uploading; no cluster was started");
      throw awsFailure(error, "uploading the job", facts);
    }
    if (signal.aborted) throw interrupted("interrupted before the cluster was started");
    const started = session.warm
      ? addRunStep(aws.emr, session.warm.id, plan.sparkSubmitArgs, io)
      : startStepCluster(aws.emr, plan.request, io);
    const { clusterId, stepId } = await started.catch((error: unknown) => {
      throw awsFailure(error, session.warm ? "adding the step" : "starting the cluster", facts);
    });
    try {
      await job.record({ emr: { cluster_id: clusterId, step_id: stepId } });
    } catch (error) {
      // Without its record nobody could find the cluster again (status, terminate, collect).
      const why = `its run record could not be written: ${messageOf(error)}`;
      await stopUnwatched(aws.emr, { clusterId, stepId }, io, Boolean(session.warm), why);
      throw error;
    }
    const ran = await followStepCluster(clusterId, stepId, followOptions(session));
    return await outcomeOf(ran, {
      run,
      layout: plan.layout,
      session,
      facts: { ...facts, cluster_id: clusterId, step_id: stepId },
    });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

export function followOptions(session: EmrSession): FollowOptions {
  return {
    emr: session.aws.emr,
    s3: session.aws.s3,
    logUri: session.foundation.logUri,
    io: session.io,
    rate: hourlyRate(sessionMix(session), session.aws.region),
    warm: Boolean(session.warm),
    sleep: session.sleep,
    clock: session.clock,
    signal: session.signal,
    awaitTermination: session.awaitTermination,
    ...(session.pollMs !== undefined ? { pollMs: session.pollMs } : {}),
    ...(session.logWait ? { logWait: session.logWait } : {}),
  };
}

/**
 * What a followed cluster means for the run (also for `kindling collect`): on success the outputs come
 * down into the run directory; anything else becomes a TargetFailure with the cluster's facts.
 */
export async function outcomeOf(
  ran: StepClusterOutcome,
  context: { run: RunDir; layout: RunLayout; session: EmrSession; facts: EmrRunFacts },
): Promise<TrainOutcome> {
  const { run, layout, session } = context;
  const { aws, io } = session;
  const mix: InstanceRole[] = sessionMix(session);
  const warm = Boolean(session.warm);
  if (ran.outcome === "watch-failed") {
    throw awsFailure(ran.error, `watching cluster ${ran.clusterId}`, context.facts, {
      kind: "WatchFailed",
      message: `lost track of cluster ${ran.clusterId}: ${messageOf(ran.error)}`,
      hint: warm
        ? `The step was asked to cancel; the warm cluster stays up. \`kindling status ${run.id}\` shows the step's state.`
        : `The cluster was asked to terminate; \`kindling status ${run.id}\` shows its state and \`kindling terminate ${run.id}\` ends it.`,
    });
  }
  const emr = {
    ...context.facts,
    ...(warm
      ? warmShareFacts(ran.cluster, ran.step, mix, aws.region, context.facts.cost)
      : timelineFacts(ran.cluster, ran.step, mix, aws.region, context.facts.cost)),
  };
  if (ran.outcome === "interrupted") {
    const what = warm
      ? `interrupted; step ${ran.stepId} was cancelled and warm cluster ${ran.clusterId} stays up`
      : `interrupted; cluster ${ran.clusterId} was terminated`;
    throw new TargetFailure(interruptedFailure(null, what), { manifest: { emr } });
  }
  // TERMINATING counts: EMR cancels the steps as it starts to terminate, before the cluster has ended.
  const clusterState = ran.cluster.Status?.State ?? "";
  if (
    warm &&
    ran.outcome === "failed" &&
    (clusterState === "TERMINATING" || CLUSTER_DONE.has(clusterState))
  ) {
    // The shared cluster ended under the run (idle timeout, someone stopped it, capacity lost).
    await saveLogs(run.dir, ran.logs);
    throw new TargetFailure(
      {
        stage: null,
        kind: "ClusterTerminated",
        message: `warm cluster ${ran.clusterId} ended while step ${ran.stepId} ran: ${ran.cause.summary}`,
        summary: ran.cause.summary,
        hint: "Start another with `kindling cluster start`, or run without --cluster for a transient cluster.",
        cause: ran.cause.cause,
      },
      { manifest: { emr } },
    );
  }
  if (ran.outcome === "failed") {
    await saveLogs(run.dir, ran.logs);
    const { jobError, cause } = ran;
    throw new TargetFailure(
      {
        stage: jobError?.stage ?? null,
        kind: jobError?.kind ?? "StepFailed",
        // The job's own words when it reported an error, as a local run records them.
        message: jobError?.message ?? cause.summary,
        summary: cause.summary,
        hint: cause.hint,
        cause: cause.cause,
      },
      { manifest: { emr } },
    );
  }
  if (!(await objectExists(aws.s3, layout.bucket, `${layout.prefix}${SUCCESS_MARKER}`))) {
    throw new TargetFailure(
      {
        stage: null,
        kind: "NoSuccessMarker",
        message: `the step completed but ${emr.s3_prefix}${SUCCESS_MARKER} is missing: the outputs are incomplete and were not downloaded`,
        hint: `Inspect ${emr.s3_prefix} and the logs (\`kindling logs ${run.id}\`).`,
        cause: "no-success-marker",
      },
      { manifest: { emr } },
    );
  }
  await downloadOutputs(aws.s3, layout.bucket, layout.prefix, run.dir, io);
  await notifyRecordedCacheEvents(run.dir, io);
  await saveLogs(
    run.dir,
    await readStepLogs(aws.s3, session.foundation.logUri, ran.clusterId, ran.stepId).catch(() => ({
      sources: [],
    })),
  );
  return { manifest: { emr } };
}

function interrupted(message: string): TargetFailure {
  return new TargetFailure(interruptedFailure(null, message));
}

/** An AWS error during an EMR run (src/runs/failure.ts), naming the cluster that may still run. */
function awsFailure(
  error: unknown,
  doing: string,
  facts: EmrRunFacts,
  otherwise?: Omit<RunFailure, "stage">,
): unknown {
  return awsRunFailure(error, doing, {
    manifest: { emr: facts },
    ...(facts.cluster_id
      ? {
          stillRunning: `Cluster ${facts.cluster_id} may still be running: \`kindling terminate\` ends it once the credentials work.`,
        }
      : {}),
    ...(otherwise ? { otherwise } : {}),
  });
}

async function saveLogs(runDir: string, logs: StepLogs): Promise<void> {
  const files: Array<[string, string | undefined]> = [
    ["step-stderr.log", logs.stepStderr],
    ["step-stdout.log", logs.stepStdout],
    ["spark.log", logs.containerStderr],
    ["job.log", logs.containerStdout],
  ];
  for (const [name, text] of files) {
    if (text !== undefined) await writeFile(path.join(runDir, "logs", name), text);
  }
}
