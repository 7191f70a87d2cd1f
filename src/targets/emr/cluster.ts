import type { Cluster, RunJobFlowCommandInput, Step } from "@aws-sdk/client-emr";
import type { S3 } from "@aws-sdk/client-s3";
import type { Clock, Sleep } from "../../clock.js";
import { KindlingError } from "../../errors.js";
import { TargetFailure } from "../../runs/failure.js";
import { CODES } from "../../ui/codes.js";
import type { IoHost } from "../../ui/io.js";
import { type Classification, classifyFailure } from "./classify.js";
import type { HourlyRate } from "./cost.js";
import { failureTail, fetchFailureLogs, jobErrorEvent, type StepLogs } from "./logs.js";
import {
  awaitTermination,
  CLUSTER_DONE,
  cancelStep,
  type EmrApi,
  STEP_DONE,
  terminateCluster,
  watchCluster,
} from "./watch.js";

/** What following a cluster needs; the clients and clock come from the target. */
export interface FollowOptions {
  emr: EmrApi;
  s3: Pick<S3, "getObject" | "listObjectsV2">;
  logUri: string;
  io: IoHost;
  rate: HourlyRate;
  sleep: Sleep;
  clock: Clock;
  signal?: AbortSignal;
  pollMs?: number;
  logWait?: { attempts: number; intervalMs: number };
  /** After a failure, wait until the cluster has terminated (e.g. before destroying the foundation). */
  awaitTermination?: boolean;
  /** The step runs on a warm cluster: it is never terminated here (see watchCluster). Default false. */
  warm?: boolean;
}

export type StepClusterOutcome =
  | { outcome: "completed"; clusterId: string; stepId: string; cluster: Cluster; step: Step }
  | { outcome: "interrupted"; clusterId: string; stepId: string; cluster: Cluster; step: Step }
  | {
      outcome: "failed";
      clusterId: string;
      stepId: string;
      cluster: Cluster;
      step: Step;
      logs: StepLogs;
      jobError: ReturnType<typeof jobErrorEvent>;
      cause: Classification;
    }
  | { outcome: "watch-failed"; clusterId: string; stepId: string; error: unknown };

/**
 * Starts a transient cluster with exactly one step (buildRunJobFlowRequest) and finds that step's id:
 * RunJobFlow does not return it. A cluster whose step cannot be found is terminated at once.
 */
export async function startStepCluster(
  emr: EmrApi,
  request: RunJobFlowCommandInput,
  io: IoHost,
): Promise<{ clusterId: string; stepId: string }> {
  const started = await emr.runJobFlow(request);
  const clusterId = started.JobFlowId;
  if (!clusterId) throw new KindlingError("RunJobFlow returned no cluster id.");
  let stepId: string | undefined;
  try {
    stepId = (await emr.listSteps({ ClusterId: clusterId })).Steps?.[0]?.Id;
  } catch (error) {
    // The cluster runs from here on: one nobody will watch must not be left to bill.
    await terminateCluster(
      emr,
      clusterId,
      io,
      `its step could not be read: ${(error as Error).message}`,
    ).catch(() => {});
    throw error;
  }
  io.notify(
    CODES.EMR_CLUSTER_STARTED.msg(
      `Started cluster ${clusterId} (step ${stepId ?? "?"}); Ctrl-C terminates it.`,
      {
        clusterId,
        ...(stepId ? { stepId } : {}),
      },
    ),
  );
  if (!stepId) {
    await terminateCluster(emr, clusterId, io, "its step was not found");
    throw new TargetFailure(
      {
        stage: null,
        kind: "ClusterFailure",
        message: `cluster ${clusterId} has no step; it was terminated`,
        hint: "EMR accepted the request but lost its step: try again, and report it if it persists.",
      },
      { manifest: { emr: { cluster_id: clusterId } } },
    );
  }
  return { clusterId, stepId };
}

/**
 * Stops what a run started but will not watch (the watch broke, or recording the cluster failed): a
 * transient cluster is terminated, on a warm one only the run's step is cancelled. Never throws: the
 * caller reports its own error, and this one has already said what it asked EMR to do.
 */
export async function stopUnwatched(
  emr: EmrApi,
  started: { clusterId: string; stepId: string },
  io: IoHost,
  warm: boolean,
  why: string,
): Promise<void> {
  const stop = warm
    ? cancelStep(emr, started.clusterId, started.stepId, io, why)
    : terminateCluster(emr, started.clusterId, io, why);
  await stop.catch(() => {});
}

/**
 * Watches a cluster's step to the end. A cluster whose step failed, whose watch broke, or that was
 * interrupted is terminated; after a failure the step's logs are fetched, their tail shown and the likely
 * cause named. After an interrupt it waits for the cluster to end, so its final state and cost are known
 * (a second Ctrl-C leaves at once). On a warm cluster (options.warm) only the run's step is cancelled, and
 * the cluster is left up for other runs. The caller decides what each outcome means for its own records.
 */
export async function followStepCluster(
  clusterId: string,
  stepId: string,
  options: FollowOptions,
): Promise<StepClusterOutcome> {
  const { emr, io } = options;
  let watched: Awaited<ReturnType<typeof watchCluster>>;
  try {
    watched = await watchCluster({
      emr,
      clusterId,
      stepId,
      io,
      sleep: options.sleep,
      clock: options.clock,
      rate: options.rate,
      warm: options.warm ?? false,
      ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    // Whatever broke the watch, a cluster nobody watches must not run on.
    const why = `the watch failed: ${(error as Error).message}`;
    await stopUnwatched(emr, { clusterId, stepId }, io, options.warm ?? false, why);
    return { outcome: "watch-failed", clusterId, stepId, error };
  }
  const { step } = watched;
  if (watched.interrupted) {
    if (options.warm) {
      const ended = await awaitStepEnd(emr, clusterId, stepId, options).catch(() => step);
      return { outcome: "interrupted", clusterId, stepId, cluster: watched.cluster, step: ended };
    }
    const cluster = await awaitTermination(emr, clusterId, options).catch(() => watched.cluster);
    return { outcome: "interrupted", clusterId, stepId, cluster, step };
  }
  if (step.Status?.State === "COMPLETED") {
    return { outcome: "completed", clusterId, stepId, cluster: watched.cluster, step };
  }
  const logs = await fetchFailureLogs({
    s3: options.s3,
    logUri: options.logUri,
    clusterId,
    stepId,
    bootstrapFailed: watched.cluster.Status?.StateChangeReason?.Code === "BOOTSTRAP_FAILURE",
    io,
    sleep: options.sleep,
    ...(options.logWait ?? {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  let { cluster } = watched;
  if (options.warm) {
    // The watch read the cluster before the step: a cluster stopped in between still looked up. Whether the
    // step failed on its own or went down with the shared cluster is read now.
    cluster =
      (await emr.describeCluster({ ClusterId: clusterId }).catch(() => undefined))?.Cluster ?? cluster;
  }
  const jobError = jobErrorEvent(logs);
  const cause = classifyFailure({
    clusterReason: cluster.Status?.StateChangeReason,
    stepState: step.Status?.State,
    failureDetails: step.Status?.FailureDetails,
    jobError,
    logs: [logs.stepStderr, logs.containerStderr, logs.bootstrapStderr, step.Status?.FailureDetails?.Message],
  });
  showTail(io, clusterId, stepId, logs, step);
  io.notify(
    CODES.EMR_LIKELY_CAUSE.msg(`Likely cause (${cause.cause}): ${cause.summary}`, {
      cause: cause.cause,
      summary: cause.summary,
    }),
  );
  if (!options.warm && !CLUSTER_DONE.has(cluster.Status?.State ?? "")) {
    await terminateCluster(emr, clusterId, io, "the step failed");
  }
  if (options.awaitTermination && !options.warm) cluster = await awaitTermination(emr, clusterId, options);
  return { outcome: "failed", clusterId, stepId, cluster, step, logs, jobError, cause };
}

/** Waits (bounded) until a cancelled step has ended, so its end is on record. */
async function awaitStepEnd(
  emr: EmrApi,
  clusterId: string,
  stepId: string,
  options: Pick<FollowOptions, "sleep" | "pollMs">,
): Promise<Step> {
  let step: Step = {};
  for (let i = 0; i < 40; i++) {
    step = (await emr.describeStep({ ClusterId: clusterId, StepId: stepId })).Step ?? {};
    if (STEP_DONE.has(step.Status?.State ?? "")) return step;
    await options.sleep(options.pollMs ?? 15_000);
  }
  return step;
}

function showTail(io: IoHost, clusterId: string, stepId: string, logs: StepLogs, step: Step): void {
  const details = step.Status?.FailureDetails;
  const reason = [details?.Reason, details?.Message].filter(Boolean).join(": ");
  const text = logs.bootstrapStderr ?? logs.containerStderr ?? logs.stepStderr;
  const lines: string[] = [];
  if (reason) lines.push(`Step ${step.Status?.State}: ${reason}`);
  if (text) {
    const source =
      logs.bootstrapStderr !== undefined
        ? "bootstrap action's stderr"
        : logs.containerStderr !== undefined
          ? "driver stderr"
          : "step stderr";
    lines.push(`── last lines of the ${source} (Spark's INFO lines left out) ──\n${failureTail(text)}\n──`);
  }
  if (lines.length === 0) return;
  io.notify(
    CODES.EMR_STEP_FAILURE.msg(lines.join("\n"), {
      clusterId,
      stepId,
      ...(reason ? { reason } : {}),
      ...(text ? { tail: failureTail(text) } : {}),
    }),
  );
}
