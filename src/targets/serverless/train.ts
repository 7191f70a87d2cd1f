import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import type { S3 } from "@aws-sdk/client-s3";
import type { AwsClients } from "../../aws/clients.js";
import { messageOf } from "../../aws/errors.js";
import type { Clock, Sleep } from "../../clock.js";
import type { Config } from "../../config/schema.js";
import { serverlessReleaseOf } from "../../config/sparkLine.js";
import type { FoundationOutputs } from "../../infra/outputs.js";
import type { DepsArchive } from "../../packaging/pythonDeps.js";
import { awsRunFailure, interruptedFailure, type RunFailure, TargetFailure } from "../../runs/failure.js";
import type { CloudCost, ServerlessRunFacts } from "../../runs/manifest.js";
import type { RuntimeBasis } from "../../runs/runtime.js";
import { type RunDir, SUCCESS_MARKER } from "../../runs/store.js";
import type { JobSpec } from "../../spec/types.js";
import { CODES } from "../../ui/codes.js";
import { formatUsd } from "../../ui/format.js";
import type { IoHost } from "../../ui/io.js";
import { classifyFailure } from "../emr/classify.js";
import { type CostEstimate, costFacts } from "../emr/cost.js";
import { downloadOutputs } from "../emr/download.js";
import { depsKey, type RunLayout, runLayout, s3Uri } from "../emr/layout.js";
import { jobErrorEvent } from "../emr/logs.js";
import { type PlanInput, plannedUploads, uploadsJson } from "../emr/plan.js";
import { objectExists, type PlannedUpload, uploadAll } from "../emr/upload.js";
import { notifyRecordedCacheEvents } from "../local/events.js";
import { packageJob } from "../shared/package.js";
import type { RunInput, TrainJob, TrainOutcome } from "../target.js";
import { actualServerlessCost, describeServerlessEstimate, estimateServerlessCost } from "./cost.js";
import { buildStartJobRunRequest, driverLogKeys, serverlessLogUri } from "./request.js";
import { type FollowedJobRun, type FollowOptions, followJobRun, type JobRunView } from "./watch.js";

/** Everything a Serverless run works with once the target is prepared. */
export interface ServerlessSession {
  aws: AwsClients;
  foundation: FoundationOutputs & { serverlessApplicationId: string; serverlessJobRoleArn: string };
  config: Config;
  deps: DepsArchive;
  io: IoHost;
  signal: AbortSignal;
  clock: Clock;
  sleep: Sleep;
  pollMs?: number;
}

/** Everything a Serverless run will do, computed without any AWS call (what `--dry-run` prints). */
export interface ServerlessRunPlan {
  runId: string;
  region: string | undefined;
  releaseLabel: string;
  layout: RunLayout;
  uploads: PlannedUpload[];
  request: ReturnType<typeof buildStartJobRunRequest>;
  estimate: CostEstimate;
}

/** Plans a Serverless run from what an EMR run is planned from (src/targets/emr/plan.ts), on the application. */
export async function planServerlessRun(
  p: Omit<PlanInput, "foundation" | "warm"> & { foundation: ServerlessSession["foundation"] },
): Promise<ServerlessRunPlan> {
  const layout = runLayout(p.foundation.dataBucketName, p.runId);
  const depsAt = depsKey(p.deps.sha256);
  const request = buildStartJobRunRequest({
    runId: p.runId,
    config: p.config,
    applicationId: p.foundation.serverlessApplicationId,
    executionRoleArn: p.foundation.serverlessJobRoleArn,
    entryUri: s3Uri(layout.bucket, layout.entryKey),
    zipUri: s3Uri(layout.bucket, layout.zipKey),
    specUri: s3Uri(layout.bucket, layout.specKey),
    depsUri: s3Uri(layout.bucket, depsAt),
    logUri: serverlessLogUri(p.foundation.logsBucketName),
  });
  return {
    runId: p.runId,
    region: p.region,
    releaseLabel: serverlessReleaseOf(p.config),
    layout,
    uploads: await plannedUploads(p, layout, depsAt),
    request,
    estimate: estimateServerlessCost(p.config.serverless, p.region ?? "", p.runtime),
  };
}

/** The plan as `--dry-run --json` prints it. */
export function serverlessPlanJson(plan: ServerlessRunPlan, spec: JobSpec) {
  return {
    dry_run: true,
    run_id: plan.runId,
    region: plan.region ?? null,
    release_label: plan.releaseLabel,
    uploads: uploadsJson(plan.uploads),
    start_job_run: plan.request,
    cost_estimate: plan.estimate,
    spec,
  };
}

/** The manifest's `serverless` block as a run starts. */
export function initialServerlessFacts(
  session: Pick<ServerlessSession, "aws" | "foundation" | "config">,
  layout: RunLayout,
  estimate: CostEstimate,
): ServerlessRunFacts {
  const s = session.config.serverless;
  return {
    region: session.aws.region,
    release_label: serverlessReleaseOf(session.config),
    architecture: s.architecture,
    application_id: session.foundation.serverlessApplicationId,
    s3_prefix: `s3://${layout.bucket}/${layout.prefix}`,
    log_uri: serverlessLogUri(session.foundation.logsBucketName),
    driver: { cpu: s.driver.cpu, memory: s.driver.memory },
    executor: { cpu: s.executor.cpu, memory: s.executor.memory, count: s.executors },
    cost: costFacts(estimate),
  };
}

/**
 * Trains on the foundation's EMR Serverless application: uploads as the EMR target does (content-
 * addressed input and packages, then code, then the spec), starts one job run, follows it to its end and
 * brings the outputs back only when the job's own `_SUCCESS` is there.
 */
export async function trainOnServerless(
  job: TrainJob,
  input: RunInput,
  session: ServerlessSession,
  runtime: RuntimeBasis,
): Promise<TrainOutcome> {
  const { aws, io, signal, config } = session;
  const { run } = job;
  const scratch = await mkdtemp(path.join(os.tmpdir(), "kindling-serverless-"));
  try {
    const plan = await planServerlessRun({
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
    });
    await writeFile(
      path.join(run.dir, "logs", "command.txt"),
      `# The StartJobRun request Kindling sent to EMR Serverless.\n${JSON.stringify(plan.request, null, 2)}\n`,
    );
    const s = config.serverless;
    const applicationId = session.foundation.serverlessApplicationId;
    io.notify(
      CODES.SERVERLESS_PLAN.msg(
        `EMR Serverless application ${applicationId} (${plan.releaseLabel}, ${s.architecture}) in ${aws.region}: driver ${s.driver.cpu} vCPU/${s.driver.memory} + ${s.executors}× ${s.executor.cpu} vCPU/${s.executor.memory}; estimated ${describeServerlessEstimate(plan.estimate)}`,
        {
          applicationId,
          releaseLabel: plan.releaseLabel,
          region: aws.region,
          ...(plan.estimate.usd !== undefined ? { usd: plan.estimate.usd } : {}),
        },
      ),
    );
    const facts = initialServerlessFacts(session, plan.layout, plan.estimate);
    try {
      await uploadAll(aws.s3, plan.uploads, { io, signal });
    } catch (error) {
      if (signal.aborted) throw interrupted("interrupted while uploading; no job run was started");
      throw awsFailure(error, "uploading the job", facts);
    }
    if (signal.aborted) throw interrupted("interrupted before the job run was started");
    const started = await aws.emrServerless.startJobRun(plan.request).catch((error: unknown) => {
      throw awsFailure(error, "starting the job run", facts);
    });
    const jobRunId = started.jobRunId ?? "";
    io.notify(
      CODES.SERVERLESS_STARTED.msg(`Started job run ${jobRunId} on application ${applicationId}.`, {
        applicationId,
        jobRunId,
      }),
    );
    await job.record({ serverless: { job_run_id: jobRunId } });
    const followed = await followJobRun(followOptions(session, jobRunId, plan.estimate.usdPerHour));
    return await outcomeOfJobRun(followed, {
      run,
      layout: plan.layout,
      session,
      facts: { ...facts, job_run_id: jobRunId },
    });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** How a job run of this session's application is followed (training and scoring alike). */
export function followOptions(
  session: ServerlessSession,
  jobRunId: string,
  usdPerHour?: number,
): FollowOptions {
  return {
    api: session.aws.emrServerless,
    applicationId: session.foundation.serverlessApplicationId,
    jobRunId,
    io: session.io,
    clock: session.clock,
    sleep: session.sleep,
    signal: session.signal,
    usdPerHour,
    timeoutMinutes: session.config.serverless.execution_timeout_minutes,
    ...(session.pollMs !== undefined ? { pollMs: session.pollMs } : {}),
  };
}

/** Why a job run did not succeed: the job's own error event, and the likely cause from its state and logs. */
export function jobRunCause(jobRun: JobRunView, logs: { stdout?: string; stderr?: string }) {
  const jobError = jobErrorEvent({ sources: [], containerStdout: logs.stdout });
  const cause = classifyFailure({
    stepState: jobRun.state,
    failureDetails: { Message: jobRun.stateDetails ?? "" },
    jobError,
    logs: [logs.stderr, jobRun.stateDetails],
  });
  return { jobError, cause };
}

/** The manifest facts an ended (or last seen) job run gives: state, timings, billed use and cost. */
export function jobRunFacts(
  jobRun: JobRunView | undefined,
  config: Config,
  region: string,
  cost: CloudCost,
): Partial<ServerlessRunFacts> {
  if (!jobRun) return {};
  const billed = jobRun.billedResourceUtilization;
  const actual = billed ? actualServerlessCost(billed, config.serverless, region) : undefined;
  const created = jobRun.createdAt;
  const ended =
    jobRun.state && ["SUCCESS", "FAILED", "CANCELLED"].includes(jobRun.state) ? jobRun.updatedAt : undefined;
  const total = jobRun.totalExecutionDurationSeconds;
  const totalSeconds = created && ended ? (ended.getTime() - created.getTime()) / 1000 : undefined;
  return {
    ...(jobRun.state ? { job_run_state: jobRun.state } : {}),
    ...(jobRun.stateDetails ? { state_details: jobRun.stateDetails } : {}),
    timings: {
      ...(created ? { created_at: created.toISOString() } : {}),
      ...(ended ? { ended_at: ended.toISOString() } : {}),
      ...(totalSeconds !== undefined ? { total_seconds: totalSeconds } : {}),
      ...(total !== undefined ? { running_seconds: total } : {}),
      ...(totalSeconds !== undefined && total !== undefined
        ? { queued_seconds: Math.max(0, totalSeconds - total) }
        : {}),
    },
    ...(billed
      ? {
          billed: {
            vcpu_hours: billed.vCPUHour ?? 0,
            memory_gb_hours: billed.memoryGBHour ?? 0,
            storage_gb_hours: billed.storageGBHour ?? 0,
          },
        }
      : {}),
    cost: { ...cost, ...(actual !== undefined ? { actual } : {}) },
  };
}

/**
 * What a followed job run means for the run (also for `kindling collect`): on SUCCESS the outputs come
 * down; anything else is a TargetFailure with the job run's facts and, where the driver got that far, the
 * job's own error and the likely cause from its logs.
 */
export async function outcomeOfJobRun(
  followed: FollowedJobRun,
  context: { run: RunDir; layout: RunLayout; session: ServerlessSession; facts: ServerlessRunFacts },
): Promise<TrainOutcome> {
  const { run, layout, session } = context;
  const { aws, io, config } = session;
  const jobRunId = context.facts.job_run_id ?? "";
  const serverless: ServerlessRunFacts = {
    ...context.facts,
    ...jobRunFacts(followed.jobRun, config, aws.region, context.facts.cost),
  } as ServerlessRunFacts;
  if (serverless.cost.actual !== undefined) {
    io.notify(
      CODES.SERVERLESS_COST.msg(
        `Job run ${jobRunId} cost ${formatUsd(serverless.cost.actual)} (estimated ${formatUsd(serverless.cost.estimated)}), from its billed vCPU, memory and storage hours.`,
        {
          jobRunId,
          usd: serverless.cost.actual,
          ...(serverless.cost.estimated !== undefined ? { estimated: serverless.cost.estimated } : {}),
        },
      ),
    );
  }
  if (followed.outcome === "watch-failed") {
    throw awsFailure(followed.error, `watching job run ${jobRunId}`, serverless, {
      kind: "WatchFailed",
      message: `lost track of job run ${jobRunId}: ${messageOf(followed.error)}; it was asked to cancel`,
      hint: `\`kindling status ${run.id}\` shows its state.`,
    });
  }
  if (followed.outcome === "interrupted") {
    throw new TargetFailure(
      interruptedFailure(
        null,
        `interrupted; job run ${jobRunId} was cancelled (${followed.jobRun?.state ?? "state unknown"})`,
      ),
      { manifest: { serverless } },
    );
  }
  const state = followed.jobRun.state;
  const logs = await readDriverLogs(aws.s3, serverless.log_uri, serverless.application_id, jobRunId);
  await saveLogs(run.dir, logs);
  if (state !== "SUCCESS") {
    const details = followed.jobRun.stateDetails ?? "";
    const { jobError, cause } = jobRunCause(followed.jobRun, logs);
    const timedOut = /time(d)? ?out|timeout/i.test(details);
    throw new TargetFailure(
      {
        stage: jobError?.stage ?? null,
        kind: timedOut
          ? "ExecutionTimeout"
          : state === "CANCELLED"
            ? "JobRunCancelled"
            : (jobError?.kind ?? "JobRunFailed"),
        message: jobError?.message ?? `job run ${jobRunId} ${state}${details ? `: ${details}` : ""}`,
        summary: timedOut
          ? `the job run reached serverless.execution_timeout_minutes (${config.serverless.execution_timeout_minutes} min): ${details}`
          : cause.summary,
        hint: timedOut
          ? "Raise serverless.execution_timeout_minutes, or give the job more executors (serverless.executors)."
          : `${cause.hint} The driver's logs: \`kindling logs ${run.id}\`.`,
        cause: cause.cause,
      },
      { manifest: { serverless } },
    );
  }
  if (!(await objectExists(aws.s3, layout.bucket, `${layout.prefix}${SUCCESS_MARKER}`))) {
    throw new TargetFailure(
      {
        stage: null,
        kind: "NoSuccessMarker",
        message: `the job run succeeded but ${serverless.s3_prefix}${SUCCESS_MARKER} is missing: the outputs are incomplete and were not downloaded`,
        hint: `Inspect ${serverless.s3_prefix} and the logs (\`kindling logs ${run.id}\`).`,
        cause: "no-success-marker",
      },
      { manifest: { serverless } },
    );
  }
  await downloadOutputs(aws.s3, layout.bucket, layout.prefix, run.dir, io);
  await notifyRecordedCacheEvents(run.dir, io);
  return { manifest: { serverless } };
}

/** The driver's stdout and stderr, as EMR Serverless writes them under the log URI (gzipped). */
export async function readDriverLogs(
  s3: Pick<S3, "getObject">,
  logUri: string,
  applicationId: string,
  jobRunId: string,
): Promise<{ stdout?: string; stderr?: string }> {
  const keys = driverLogKeys(logUri, applicationId, jobRunId);
  const read = async (key: string) => {
    try {
      const res = await s3.getObject({ Bucket: keys.bucket, Key: key });
      const bytes = await (
        res.Body as { transformToByteArray(): Promise<Uint8Array> }
      ).transformToByteArray();
      return gunzipSync(bytes).toString("utf8");
    } catch {
      return undefined;
    }
  };
  const [stdout, stderr] = await Promise.all([read(keys.stdout), read(keys.stderr)]);
  return { ...(stdout !== undefined ? { stdout } : {}), ...(stderr !== undefined ? { stderr } : {}) };
}

async function saveLogs(runDir: string, logs: { stdout?: string; stderr?: string }): Promise<void> {
  if (logs.stdout !== undefined) await writeFile(path.join(runDir, "logs", "job.log"), logs.stdout);
  if (logs.stderr !== undefined) await writeFile(path.join(runDir, "logs", "spark.log"), logs.stderr);
}

function interrupted(message: string): TargetFailure {
  return new TargetFailure(interruptedFailure(null, message));
}

/** An AWS error during a Serverless run (src/runs/failure.ts), naming the job run that may still run. */
function awsFailure(
  error: unknown,
  doing: string,
  facts: ServerlessRunFacts,
  otherwise?: Omit<RunFailure, "stage">,
): unknown {
  return awsRunFailure(error, doing, {
    manifest: { serverless: facts },
    ...(facts.job_run_id
      ? {
          stillRunning: `Job run ${facts.job_run_id} may still be running: \`kindling terminate\` cancels it once the credentials work.`,
        }
      : {}),
    ...(otherwise ? { otherwise } : {}),
  });
}
