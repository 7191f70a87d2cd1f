import type { Cluster, EMR, Step } from "@aws-sdk/client-emr";
import type { Clock, Sleep } from "../../clock.js";
import { CODES } from "../../ui/codes.js";
import { formatDuration, formatUsd } from "../../ui/format.js";
import type { IoHost } from "../../ui/io.js";
import { costFor, type HourlyRate } from "./cost.js";

/** The EMR calls Kindling makes, as the aggregated `EMR` client of @aws-sdk/client-emr has them. */
export type EmrApi = Pick<
  EMR,
  | "runJobFlow"
  | "describeCluster"
  | "describeStep"
  | "listSteps"
  | "terminateJobFlows"
  | "addJobFlowSteps"
  | "cancelSteps"
  | "listClusters"
  | "listInstanceGroups"
  | "listInstanceFleets"
>;

export const CLUSTER_DONE = new Set(["TERMINATED", "TERMINATED_WITH_ERRORS"]);
export const STEP_DONE = new Set(["COMPLETED", "CANCELLED", "FAILED", "INTERRUPTED"]);

/** How the watch ended, with everything the runner needs to report, collect and price the run. */
export interface WatchResult {
  cluster: Cluster;
  step: Step;
  /** Ctrl-C / SIGTERM arrived and the cluster was asked to terminate. */
  interrupted: boolean;
}

export interface WatchOptions {
  emr: EmrApi;
  clusterId: string;
  stepId: string;
  io: IoHost;
  /** Poll interval. Default 15 s (EMR's Describe* limits are per account). */
  pollMs?: number;
  clock: Clock;
  sleep: Sleep;
  signal?: AbortSignal;
  rate: HourlyRate;
  /**
   * A warm cluster is shared and outlives the run: the watch ends with the step (or with the cluster, if
   * it ended underneath), and an abort cancels the step instead of terminating the cluster. Default false.
   */
  warm?: boolean;
}

/**
 * Polls DescribeCluster and DescribeStep until the cluster has terminated (a warm cluster: until the step
 * has ended), showing cluster state, step state, elapsed time and the cost so far. On abort it terminates
 * the cluster (a warm one: cancels the step) and returns at once. Throttled calls are retried by the SDK
 * (src/aws/clients.ts); what still fails ends the watch.
 */
export async function watchCluster(options: WatchOptions): Promise<WatchResult> {
  const { emr, clusterId, stepId, io, clock } = options;
  const started = clock();
  const span = io.span(CODES.EMR_CLUSTER_WATCH.msg(`Cluster ${clusterId}`, { clusterId }));
  let seen = "";
  let cluster: Cluster = {};
  let step: Step = {};
  try {
    for (;;) {
      if (options.signal?.aborted) {
        if (options.warm) await cancelStep(emr, clusterId, stepId, io, "interrupted");
        else await terminateCluster(emr, clusterId, io, "interrupted");
        span.fail("interrupted");
        return { cluster, step, interrupted: true };
      }
      cluster = (await emr.describeCluster({ ClusterId: clusterId })).Cluster ?? {};
      step = (await emr.describeStep({ ClusterId: clusterId, StepId: stepId })).Step ?? {};
      const clusterState = cluster.Status?.State ?? "UNKNOWN";
      const stepState = step.Status?.State ?? "UNKNOWN";
      const created = cluster.Status?.Timeline?.CreationDateTime ?? started;
      const seconds = (clock().getTime() - created.getTime()) / 1000;
      const usdSoFar = costFor(options.rate, seconds);
      const line = `cluster ${clusterState} · step ${stepState} · ${formatDuration(seconds)} · ${usdSoFar === undefined ? "cost unknown" : `~${formatUsd(usdSoFar)} so far`}`;
      const reason = cluster.Status?.StateChangeReason?.Message;
      const state = {
        clusterId,
        clusterState,
        stepState,
        seconds,
        ...(usdSoFar !== undefined ? { usdSoFar } : {}),
        ...(reason ? { reason } : {}),
      };
      if (`${clusterState}/${stepState}` !== seen) {
        seen = `${clusterState}/${stepState}`;
        io.notify(
          CODES.EMR_CLUSTER_STATE.msg(
            `Cluster ${clusterId}: ${line}${reason && CLUSTER_DONE.has(clusterState) ? ` (${reason})` : ""}`,
            state,
          ),
        );
      }
      span.update(line, state);
      if (CLUSTER_DONE.has(clusterState)) break;
      if (options.warm && STEP_DONE.has(stepState)) break;
      // A step that ended while the cluster idles (e.g. a step submitted with CONTINUE) must not keep
      // a billed cluster waiting for its idle timeout.
      if (!options.warm && STEP_DONE.has(stepState) && clusterState === "WAITING") {
        await terminateCluster(emr, clusterId, io, `step ${stepState.toLowerCase()}`);
      }
      await options.sleep(options.pollMs ?? 15_000, options.signal);
    }
  } catch (error) {
    span.fail();
    throw error;
  }
  const detail = `${cluster.Status?.State} after ${formatDuration(elapsedSeconds(cluster, clock()))}`;
  if (step.Status?.State === "COMPLETED") span.succeed(detail);
  else span.fail(detail);
  return { cluster, step, interrupted: false };
}

/** Asks EMR to cancel a step on a warm cluster (the cluster goes on for other runs) and says so. */
export async function cancelStep(
  emr: Pick<EmrApi, "cancelSteps">,
  clusterId: string,
  stepId: string,
  io: IoHost,
  why: string,
): Promise<void> {
  io.notify(
    CODES.EMR_STEP_CANCELLED.msg(
      `Cancelling step ${stepId} on cluster ${clusterId} (${why}); the cluster stays up…`,
      {
        clusterId,
        stepId,
        why,
      },
    ),
  );
  await emr.cancelSteps({
    ClusterId: clusterId,
    StepIds: [stepId],
    StepCancellationOption: "SEND_INTERRUPT",
  });
}

/** Asks EMR to terminate the cluster (idempotent) and says so. */
export async function terminateCluster(
  emr: Pick<EmrApi, "terminateJobFlows">,
  clusterId: string,
  io: IoHost,
  why: string,
): Promise<void> {
  io.notify(CODES.EMR_TERMINATING.msg(`Terminating cluster ${clusterId} (${why})…`, { clusterId, why }));
  await emr.terminateJobFlows({ JobFlowIds: [clusterId] });
  io.notify(
    CODES.EMR_TERMINATING.msg(
      `Cluster ${clusterId} is terminating: no further charges once it has stopped.`,
      {
        clusterId,
        why,
      },
    ),
  );
}

/**
 * Waits (bounded) until the cluster has terminated: its final state and billed time are then known, and
 * its security groups can be deleted. Returns the last DescribeCluster answer.
 */
export async function awaitTermination(
  emr: Pick<EmrApi, "describeCluster">,
  clusterId: string,
  options: { io: IoHost; sleep: Sleep; clock: Clock; pollMs?: number; maxWaitMs?: number },
): Promise<Cluster> {
  const span = options.io.span(
    CODES.EMR_CLUSTER_WATCH.msg(`Waiting for cluster ${clusterId} to terminate`, { clusterId }),
  );
  const poll = options.pollMs ?? 15_000;
  const until = options.clock().getTime() + (options.maxWaitMs ?? 30 * 60_000);
  let cluster: Cluster = {};
  for (;;) {
    cluster = (await emr.describeCluster({ ClusterId: clusterId })).Cluster ?? {};
    const state = cluster.Status?.State ?? "";
    if (CLUSTER_DONE.has(state)) {
      span.succeed(`${state} after ${formatDuration(elapsedSeconds(cluster, options.clock()))}`);
      return cluster;
    }
    if (options.clock().getTime() >= until) {
      span.fail(`still ${state || "running"}`);
      return cluster;
    }
    await options.sleep(poll);
  }
}

/** Seconds from the cluster's creation to its end (or to `now` while it runs). */
export function elapsedSeconds(cluster: Cluster, now: Date): number {
  const created = cluster.Status?.Timeline?.CreationDateTime;
  if (!created) return 0;
  const ended = cluster.Status?.Timeline?.EndDateTime ?? now;
  return Math.max(0, (ended.getTime() - created.getTime()) / 1000);
}
