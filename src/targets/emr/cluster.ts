import type { Cluster, RunJobFlowCommandInput, Step } from "@aws-sdk/client-emr";
import { KindlingError } from "../../errors.js";
import type { Reporter } from "../../ui/reporter.js";
import type { EmrAws } from "./aws.js";
import { messageOf } from "./awsErrors.js";
import { type Classification, classifyFailure } from "./classify.js";
import type { HourlyRate } from "./cost.js";
import { fetchFailureLogs, jobErrorEvent, type StepLogs, tail } from "./logs.js";
import { type Sleep, withThrottleRetry } from "./retry.js";
import { CLUSTER_DONE, elapsedSeconds, terminateCluster, watchCluster } from "./watch.js";

export interface StepClusterOptions {
  aws: EmrAws;
  /** RunJobFlow for a transient cluster with exactly one step (buildRunJobFlowRequest). */
  request: RunJobFlowCommandInput;
  logUri: string;
  reporter: Reporter;
  rate: HourlyRate;
  sleep: Sleep;
  clock: () => Date;
  signal?: AbortSignal;
  pollMs?: number;
  logWait?: { attempts: number; intervalMs: number };
  /** After a failure or interrupt, wait until the cluster has terminated. */
  awaitTermination?: boolean;
  /** Called once the cluster and its step are known (e.g. to record them). */
  onStarted?: (clusterId: string, stepId: string | undefined) => Promise<void>;
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
  | { outcome: "no-step"; clusterId: string }
  | { outcome: "watch-failed"; clusterId: string; stepId: string; error: unknown };

/**
 * Starts a transient cluster with one step and watches it to the end. A cluster whose step failed, whose
 * watch broke, or that was interrupted is terminated; after a failure the step's logs are fetched, their
 * tail shown and the likely cause named. The caller decides what each outcome means for its own records.
 */
export async function runStepCluster(options: StepClusterOptions): Promise<StepClusterOutcome> {
  const { aws, reporter, sleep } = options;
  const retry = { sleep };
  const started = await withThrottleRetry("RunJobFlow", () => aws.emr.runJobFlow(options.request), retry);
  const clusterId = started.JobFlowId;
  if (!clusterId) throw new KindlingError("RunJobFlow returned no cluster id.");
  // RunJobFlow does not return step ids; the cluster has exactly one step.
  const steps = await withThrottleRetry(
    "ListSteps",
    () => aws.emr.listSteps({ ClusterId: clusterId }),
    retry,
  );
  const stepId = steps.Steps?.[0]?.Id;
  await options.onStarted?.(clusterId, stepId);
  reporter.info(`Started cluster ${clusterId} (step ${stepId ?? "?"}); Ctrl-C terminates it.`);
  if (!stepId) {
    await terminateCluster(aws.emr, clusterId, reporter, sleep, "its step was not found");
    return { outcome: "no-step", clusterId };
  }

  let watched: Awaited<ReturnType<typeof watchCluster>>;
  try {
    watched = await watchCluster({
      emr: aws.emr,
      clusterId,
      stepId,
      reporter,
      sleep,
      rate: options.rate,
      now: options.clock,
      ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    // Whatever broke the watch, a cluster nobody watches must not run on.
    await terminateCluster(
      aws.emr,
      clusterId,
      reporter,
      sleep,
      `the watch failed: ${messageOf(error)}`,
    ).catch((e) =>
      reporter.warn(`Could not terminate ${clusterId}: ${messageOf(e)}. Terminate it in the EMR console.`),
    );
    return { outcome: "watch-failed", clusterId, stepId, error };
  }
  const { cluster, step } = watched;
  if (watched.interrupted) {
    if (options.awaitTermination) await awaitTermination(aws, clusterId, reporter, sleep);
    return { outcome: "interrupted", clusterId, stepId, cluster, step };
  }
  if (step.Status?.State === "COMPLETED") return { outcome: "completed", clusterId, stepId, cluster, step };

  const logs = await fetchFailureLogs({
    s3: aws.s3,
    logUri: options.logUri,
    clusterId,
    stepId,
    reporter,
    sleep,
    ...(options.logWait ?? {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const jobError = jobErrorEvent(logs);
  const cause = classifyFailure({
    clusterReason: cluster.Status?.StateChangeReason,
    stepState: step.Status?.State,
    failureDetails: step.Status?.FailureDetails,
    jobError,
    logs: [logs.stepStderr, logs.containerStderr, step.Status?.FailureDetails?.Message],
  });
  showTail(reporter, logs, step);
  reporter.warn(`Likely cause (${cause.cause}): ${cause.summary}`);
  if (!CLUSTER_DONE.has(cluster.Status?.State ?? "")) {
    await terminateCluster(aws.emr, clusterId, reporter, sleep, "the step failed");
  }
  if (options.awaitTermination) await awaitTermination(aws, clusterId, reporter, sleep);
  return { outcome: "failed", clusterId, stepId, cluster, step, logs, jobError, cause };
}

function showTail(reporter: Reporter, logs: StepLogs, step: Step): void {
  const details = step.Status?.FailureDetails;
  if (details?.Reason || details?.Message) {
    reporter.info(
      `Step ${step.Status?.State}: ${[details.Reason, details.Message].filter(Boolean).join(": ")}`,
    );
  }
  const text = logs.containerStderr ?? logs.stepStderr;
  if (text) {
    const source = logs.containerStderr !== undefined ? "driver stderr" : "step stderr";
    reporter.info(`── last lines of the ${source} ──\n${tail(text, 25)}\n──`);
  }
}

/** Waits (bounded) until the cluster has terminated, e.g. before its security groups can be deleted. */
async function awaitTermination(
  aws: EmrAws,
  clusterId: string,
  reporter: Reporter,
  sleep: Sleep,
): Promise<void> {
  const stage = reporter.stage(`Waiting for cluster ${clusterId} to terminate`);
  for (let i = 0; i < 120; i++) {
    const res = await withThrottleRetry(
      "DescribeCluster",
      () => aws.emr.describeCluster({ ClusterId: clusterId }),
      { sleep },
    );
    const state = res.Cluster?.Status?.State ?? "";
    if (CLUSTER_DONE.has(state)) {
      stage.succeed(`${state} after ${Math.round(elapsedSeconds(res.Cluster ?? {}, new Date()))}s`);
      return;
    }
    await sleep(15_000);
  }
  stage.fail("still running after 30 min");
}
