import type { Cluster, EMR, Step } from "@aws-sdk/client-emr";
import type { Reporter } from "../../ui/reporter.js";
import { costFor, formatUsd, type HourlyRate } from "./cost.js";
import { type RetryPolicy, type Sleep, withThrottleRetry } from "./retry.js";

/** The EMR calls the runner makes, as the aggregated `EMR` client of @aws-sdk/client-emr has them. */
export type EmrApi = Pick<
  EMR,
  "runJobFlow" | "describeCluster" | "describeStep" | "listSteps" | "terminateJobFlows"
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
  reporter: Reporter;
  /** Poll interval. Default 15 s (EMR's Describe* limits are per account). */
  pollMs?: number;
  now?: () => Date;
  sleep: Sleep;
  signal?: AbortSignal;
  rate: HourlyRate;
  retry?: RetryPolicy;
}

/**
 * Polls DescribeCluster and DescribeStep until the cluster has terminated, showing cluster state, step
 * state, elapsed time and the cost so far. On abort it terminates the cluster and returns at once.
 */
export async function watchCluster(options: WatchOptions): Promise<WatchResult> {
  const { emr, clusterId, stepId, reporter } = options;
  const now = options.now ?? (() => new Date());
  const started = now();
  const call = <T>(what: string, fn: () => Promise<T>) =>
    withThrottleRetry(what, fn, {
      sleep: options.sleep,
      ...(options.retry ? { policy: options.retry } : {}),
      onRetry: (attempt, delay) =>
        reporter.debug(`${what} throttled (attempt ${attempt}); retrying in ${(delay / 1000).toFixed(1)}s`),
    });
  const stage = reporter.stage(`Cluster ${clusterId}`);
  let seen = "";
  let cluster: Cluster = {};
  let step: Step = {};
  try {
    for (;;) {
      if (options.signal?.aborted) {
        await terminateCluster(emr, clusterId, reporter, options.sleep, "interrupted");
        stage.fail("interrupted");
        return { cluster, step, interrupted: true };
      }
      cluster =
        (await call("DescribeCluster", () => emr.describeCluster({ ClusterId: clusterId }))).Cluster ?? {};
      step =
        (await call("DescribeStep", () => emr.describeStep({ ClusterId: clusterId, StepId: stepId }))).Step ??
        {};
      const clusterState = cluster.Status?.State ?? "UNKNOWN";
      const stepState = step.Status?.State ?? "UNKNOWN";
      const created = cluster.Status?.Timeline?.CreationDateTime ?? started;
      const seconds = (now().getTime() - created.getTime()) / 1000;
      const line = `cluster ${clusterState} · step ${stepState} · ${formatDuration(seconds)} · ~${formatUsd(costFor(options.rate, seconds))} so far`;
      if (`${clusterState}/${stepState}` !== seen) {
        seen = `${clusterState}/${stepState}`;
        const reason = cluster.Status?.StateChangeReason?.Message;
        reporter.info(
          `Cluster ${clusterId}: ${line}${reason && CLUSTER_DONE.has(clusterState) ? ` (${reason})` : ""}`,
        );
      }
      stage.update(line);
      if (CLUSTER_DONE.has(clusterState)) break;
      // A step that ended while the cluster idles (e.g. a step submitted with CONTINUE) must not keep
      // a billed cluster waiting for its idle timeout.
      if (STEP_DONE.has(stepState) && clusterState === "WAITING") {
        await terminateCluster(emr, clusterId, reporter, options.sleep, `step ${stepState.toLowerCase()}`);
      }
      await options.sleep(options.pollMs ?? 15_000, options.signal);
    }
  } catch (error) {
    stage.fail();
    throw error;
  }
  const ok = step.Status?.State === "COMPLETED";
  const detail = `${cluster.Status?.State} after ${formatDuration(elapsedSeconds(cluster, now()))}`;
  if (ok) stage.succeed(detail);
  else stage.fail(detail);
  return { cluster, step, interrupted: false };
}

/** Asks EMR to terminate the cluster (idempotent) and says so. */
export async function terminateCluster(
  emr: Pick<EmrApi, "terminateJobFlows">,
  clusterId: string,
  reporter: Reporter,
  sleep: Sleep,
  why: string,
): Promise<void> {
  reporter.warn(`Terminating cluster ${clusterId} (${why})…`);
  await withThrottleRetry("TerminateJobFlows", () => emr.terminateJobFlows({ JobFlowIds: [clusterId] }), {
    sleep,
  });
  reporter.warn(`Cluster ${clusterId} is terminating: no further charges once it has stopped.`);
}

/** Seconds from the cluster's creation to its end (or to `now` while it runs). */
export function elapsedSeconds(cluster: Cluster, now: Date): number {
  const created = cluster.Status?.Timeline?.CreationDateTime;
  if (!created) return 0;
  const ended = cluster.Status?.Timeline?.EndDateTime ?? now;
  return Math.max(0, (ended.getTime() - created.getTime()) / 1000);
}

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}
