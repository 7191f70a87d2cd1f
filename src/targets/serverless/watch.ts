import type { EMRServerless, JobRun } from "@aws-sdk/client-emr-serverless";
import type { Clock, Sleep } from "../../clock.js";
import { CODES } from "../../ui/codes.js";
import { formatDuration, formatUsd } from "../../ui/format.js";
import type { IoHost } from "../../ui/io.js";

/** The EMR Serverless calls Kindling makes. */
export type ServerlessApi = Pick<EMRServerless, "startJobRun" | "getJobRun" | "cancelJobRun">;

/** Job run states after which nothing more happens. */
export const JOB_RUN_DONE = new Set(["SUCCESS", "FAILED", "CANCELLED"]);
/** States in which the job waits for workers: the application starting, or capacity. */
const QUEUED = new Set(["SUBMITTED", "PENDING", "SCHEDULED", "QUEUED"]);

/** A job run as GetJobRun returned it (every field may be missing from a partial answer). */
export type JobRunView = Partial<JobRun>;

export type FollowedJobRun =
  | { outcome: "ended"; jobRun: JobRunView }
  /** Ctrl-C / SIGTERM: the job run was cancelled (and, within the bound, seen to end). */
  | { outcome: "interrupted"; jobRun: JobRunView | undefined }
  /** GetJobRun kept failing beyond the SDK's retries; the job run was asked to cancel. */
  | { outcome: "watch-failed"; error: unknown; jobRun: JobRunView | undefined };

export interface FollowOptions {
  api: ServerlessApi;
  applicationId: string;
  jobRunId: string;
  io: IoHost;
  clock: Clock;
  sleep: Sleep;
  signal: AbortSignal;
  /** Poll interval. Default 10 s. */
  pollMs?: number;
  /** A queued job is said to wait for capacity after this long. Default 2 min. */
  queuedWarnMs?: number;
  /** The job's rate while running, for the cost so far. */
  usdPerHour?: number | undefined;
  /** The job run's execution timeout: a queued job ends by it too, so the wait is bounded. */
  timeoutMinutes: number;
}

/**
 * Polls GetJobRun until the job run has ended, showing its state, the time in it and the cost so far.
 * On abort it cancels the job run and waits (a bounded number of polls) for CANCELLED: an interrupted
 * run leaves nothing billing. Throttling is retried by the SDK (src/aws/clients.ts).
 */
export async function followJobRun(options: FollowOptions): Promise<FollowedJobRun> {
  const { api, applicationId, jobRunId, io, clock, signal } = options;
  const pollMs = options.pollMs ?? 10_000;
  const started = clock().getTime();
  const seconds = () => (clock().getTime() - started) / 1000;
  const span = io.span(CODES.SERVERLESS_WATCH.msg(`Job run ${jobRunId}`, { applicationId, jobRunId }));
  let last: JobRunView | undefined;
  let lastState = "";
  let runningSince: number | undefined;
  let queuedWarned = false;
  try {
    for (;;) {
      if (signal.aborted) {
        const jobRun = await cancelJobRun(options, "interrupted (Ctrl-C or SIGTERM)", last);
        span.fail(`cancelled after ${formatDuration(seconds())}`);
        return { outcome: "interrupted", jobRun };
      }
      let jobRun: Partial<JobRun>;
      try {
        jobRun = (await api.getJobRun({ applicationId, jobRunId })).jobRun ?? {};
      } catch (error) {
        if (signal.aborted) continue;
        await api.cancelJobRun({ applicationId, jobRunId }).catch(() => {});
        span.fail();
        return { outcome: "watch-failed", error, jobRun: last };
      }
      last = jobRun;
      const state = jobRun.state ?? "UNKNOWN";
      if (state === "RUNNING" && runningSince === undefined) runningSince = clock().getTime();
      if (state !== lastState) {
        lastState = state;
        io.notify(
          CODES.SERVERLESS_STATE.msg(
            `Job run ${jobRunId}: ${state}${jobRun.stateDetails ? ` (${jobRun.stateDetails})` : ""}`,
            {
              jobRunId,
              state,
              seconds: seconds(),
              ...(jobRun.stateDetails ? { details: jobRun.stateDetails } : {}),
            },
          ),
        );
      }
      if (JOB_RUN_DONE.has(state)) {
        if (state === "SUCCESS") span.succeed(`${state} after ${formatDuration(seconds())}`);
        else span.fail(`${state} after ${formatDuration(seconds())}`);
        return { outcome: "ended", jobRun };
      }
      if (QUEUED.has(state) && !queuedWarned && seconds() * 1000 >= (options.queuedWarnMs ?? 120_000)) {
        queuedWarned = true;
        io.notify(
          CODES.SERVERLESS_QUEUED.msg(
            `Job run ${jobRunId} has waited ${formatDuration(seconds())} in ${state}: the application is starting or lacks capacity (serverless.max_vcpu / max_memory_gb, or the account's EMR Serverless vCPU quota). It is cancelled by EMR Serverless after serverless.execution_timeout_minutes (${options.timeoutMinutes} min).`,
            { jobRunId, state, seconds: seconds(), timeoutMinutes: options.timeoutMinutes },
          ),
        );
      }
      const soFar =
        runningSince !== undefined && options.usdPerHour !== undefined
          ? ` · ~${formatUsd((options.usdPerHour * (clock().getTime() - runningSince)) / 3_600_000)} so far`
          : "";
      span.update(`${state}${soFar}`);
      await options.sleep(pollMs, signal);
    }
  } catch (error) {
    span.fail();
    throw error;
  }
}

/**
 * Cancels a job run and follows it to its end within a bound (EMR Serverless stops the workers first).
 * Returns the last state seen.
 */
export async function cancelJobRun(
  options: Pick<FollowOptions, "api" | "applicationId" | "jobRunId" | "io" | "sleep"> & { pollMs?: number },
  why: string,
  last?: JobRunView,
): Promise<JobRunView | undefined> {
  const { api, applicationId, jobRunId, io } = options;
  if (last?.state && JOB_RUN_DONE.has(last.state)) return last;
  io.notify(CODES.SERVERLESS_CANCELLING.msg(`Cancelling job run ${jobRunId}: ${why}.`, { jobRunId, why }));
  await api.cancelJobRun({ applicationId, jobRunId });
  let jobRun = last;
  // Bounded: a cancel normally completes within a minute; the run is recorded either way.
  for (let i = 0; i < 30; i++) {
    jobRun = (await api.getJobRun({ applicationId, jobRunId })).jobRun ?? jobRun;
    if (jobRun?.state && JOB_RUN_DONE.has(jobRun.state)) break;
    await options.sleep(options.pollMs ?? 2_000);
  }
  return jobRun;
}
