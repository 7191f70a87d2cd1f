import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Cluster, Step } from "@aws-sdk/client-emr";
import type { LoadedConfig } from "../../config/load.js";
import { InterruptedError, JobFailedError } from "../../errors.js";
import type { FoundationOutputs } from "../../infra/foundationStack.js";
import { foundationSettingsFrom } from "../../infra/fromConfig.js";
import { stackNameFor } from "../../infra/settings.js";
import { writeReport } from "../../report/write.js";
import { exists, hashJson, readJson, writeJson } from "../../runs/files.js";
import type { EmrRunFacts, JobFacts, Manifest } from "../../runs/manifest.js";
import type { Metrics } from "../../runs/metrics.js";
import { newRunId } from "../../runs/runId.js";
import { RunStore, SUCCESS_MARKER } from "../../runs/store.js";
import type { Reporter } from "../../ui/reporter.js";
import { KINDLING_VERSION } from "../../versions.js";
import type { RunResult } from "../local/runLocal.js";
import { packageJob } from "../shared/package.js";
import type { EmrAws } from "./aws.js";
import { messageOf } from "./awsErrors.js";
import { type Classification, classifyFailure } from "./classify.js";
import { runStepCluster } from "./cluster.js";
import { actualCost, formatUsd, hourlyRate } from "./cost.js";
import { downloadOutputs } from "./download.js";
import { placeholderFoundation, requireFoundation } from "./foundation.js";
import { requireS3Input, resolveInput } from "./input.js";
import { describeMix, instanceMix } from "./instances.js";
import { readStepLogs, type StepLogs } from "./logs.js";
import { type EmrRunPlan, planEmrRun } from "./plan.js";
import { realSleep, type Sleep } from "./retry.js";
import { objectExists, uploadAll } from "./upload.js";

export interface EmrRunOptions {
  loaded: LoadedConfig;
  reporter: Reporter;
  /** Creates the AWS clients; never called on a dry run. */
  aws: () => Promise<EmrAws>;
  /** Region for the dry run's cost estimate (a real run uses the clients' region). */
  region?: string;
  /** Foundation outputs when the caller has them (e.g. just deployed). Default: DescribeStacks. */
  foundation?: FoundationOutputs;
  signal?: AbortSignal;
  clock?: () => Date;
  sleep?: Sleep;
  /** Status poll interval. Default 15 s. */
  pollMs?: number;
  /** Log fetch bound after a failure. Default 10 reads, 30 s apart. */
  logWait?: { attempts: number; intervalMs: number };
  /** After a failure, wait until the cluster has terminated (before destroying the foundation). */
  awaitTermination?: boolean;
}

export interface EmrDryRun {
  dryRun: true;
  plan: EmrRunPlan;
}

export type EmrRunResult = RunResult & { clusterId: string };

/** Plans a run without any AWS call: stack outputs appear as `<OutputKey>` placeholders. */
export async function planEmrDryRun(options: EmrRunOptions): Promise<EmrDryRun> {
  const { loaded } = options;
  const clock = options.clock ?? (() => new Date());
  const input = await resolveInput(loaded, options.reporter, options.signal);
  const createdAt = clock();
  const runId = newRunId(loaded.config.project, createdAt);
  const scratch = await mkdtemp(path.join(os.tmpdir(), "kindling-emr-"));
  try {
    const plan = await planEmrRun({
      loaded,
      runId,
      createdAt,
      foundation: placeholderFoundation(),
      region: options.region ?? loaded.config.aws.region ?? process.env.AWS_REGION,
      input,
      zipFile: await packageJob(path.join(scratch, "kindling_job.zip")),
      specFile: path.join(scratch, "spec.json"),
    });
    return { dryRun: true, plan };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * Runs the job on a transient EMR cluster: validates, uploads, starts the cluster with one step, watches
 * it, and brings the run back into runs/<id>/ exactly as a local run (plus cluster facts and cost) —
 * only when the job's _SUCCESS exists. On failure it shows the log tail and the likely cause; on
 * interrupt it terminates the cluster.
 */
export async function runEmr(options: EmrRunOptions): Promise<EmrRunResult> {
  const { loaded, reporter } = options;
  const { config } = loaded;
  const clock = options.clock ?? (() => new Date());
  const sleep = options.sleep ?? realSleep;
  const input = await resolveInput(loaded, reporter, options.signal);

  const aws = await options.aws();
  const stackName = stackNameFor(foundationSettingsFrom(config));
  const foundation =
    options.foundation ?? (await requireFoundation(aws.cloudFormation, stackName, aws.region));
  if (input.kind === "s3") await requireS3Input(aws.s3, input);

  const store = new RunStore(path.resolve(loaded.dir, config.output.dir));
  const createdAt = clock();
  const run = await store.create(config.project, createdAt);
  const scratch = await mkdtemp(path.join(os.tmpdir(), "kindling-emr-"));
  const specFile = path.join(run.dir, "spec.json");
  const plan = await planEmrRun({
    loaded,
    runId: run.id,
    createdAt,
    foundation,
    region: aws.region,
    input,
    zipFile: await packageJob(path.join(scratch, "kindling_job.zip")),
    specFile,
  });
  await writeJson(specFile, plan.spec);
  await writeFile(
    path.join(run.dir, "logs", "command.txt"),
    `EMR step (command-runner.jar): spark-submit ${plan.sparkSubmitArgs.join(" ")}\n`,
  );

  const mix = instanceMix(config.emr);
  const rate = hourlyRate(mix, aws.region);
  const emrFacts: EmrRunFacts = {
    region: aws.region,
    release_label: plan.releaseLabel,
    s3_prefix: `s3://${plan.layout.bucket}/${plan.layout.prefix}`,
    log_uri: foundation.logUri,
    instances: mix.map((r) => ({
      role: r.role,
      instance_types: r.instanceTypes,
      count: r.count,
      market: r.market,
    })),
    cost: {
      currency: plan.estimate.currency,
      ...(plan.estimate.usdPerHour !== undefined ? { usd_per_hour: plan.estimate.usdPerHour } : {}),
      ...(plan.estimate.usd !== undefined ? { estimated: plan.estimate.usd } : {}),
      price_table_as_of: plan.estimate.priceTableAsOf,
    },
  };
  let manifest: Manifest = {
    manifest_version: 1,
    run_id: run.id,
    project: config.project,
    status: "running",
    target: "emr",
    master: "yarn",
    created_at: createdAt.toISOString(),
    config_file: loaded.file,
    config_hash: hashJson(config),
    spec_hash: hashJson({
      ...plan.spec,
      run: undefined,
      input: { ...plan.spec.input, uri: undefined },
      output: undefined,
    }),
    input: {
      uri: plan.spec.input.uri,
      // An s3:// input is not read by the CLI: no checksum (as the local target records it).
      sha256: input.kind === "local" ? input.sha256 : "",
      bytes: input.kind === "local" ? input.bytes : 0,
    },
    versions: { kindling: KINDLING_VERSION, node: process.versions.node },
    emr: emrFacts,
  };
  const save = (patch: Partial<Manifest>) => {
    manifest = { ...manifest, ...patch };
    return store.writeManifest(run.dir, manifest);
  };
  await save({});
  reporter.info(`Run ${run.id} → ${path.relative(process.cwd(), run.dir) || run.dir}`);
  reporter.info(
    `Cluster: ${describeMix(mix)}, ${plan.releaseLabel} in ${aws.region}; estimated ${formatUsd(plan.estimate.usd)}` +
      (plan.estimate.usdPerHour !== undefined
        ? ` (${formatUsd(plan.estimate.usdPerHour)}/h × ~${plan.estimate.minutes} min)`
        : ` (no price for ${plan.estimate.missing.join(", ")})`),
  );

  const fail = async (
    kind: string,
    message: string,
    extra: { stage?: string | null; cause?: Classification; hint?: string; manifestMessage?: string } = {},
  ): Promise<never> => {
    const finishedAt = clock();
    await save({
      status: "failed",
      finished_at: finishedAt.toISOString(),
      duration_seconds: (finishedAt.getTime() - createdAt.getTime()) / 1000,
      failure: {
        stage: extra.stage ?? null,
        kind,
        // The job's own words when it reported an error, as a local run records them.
        message: extra.manifestMessage ?? message,
        ...(extra.cause ? { cause: extra.cause.cause } : {}),
      },
    });
    if (kind === "Interrupted")
      throw new InterruptedError(`Run ${run.id} ${message}`, {
        hint: `Manifest: ${path.join(run.dir, "manifest.json")}`,
      });
    throw new JobFailedError(`Run ${run.id} failed: ${message}`, {
      ...(extra.stage ? { stage: extra.stage } : {}),
      hint: extra.hint ?? extra.cause?.hint ?? `Manifest: ${path.join(run.dir, "manifest.json")}`,
    });
  };

  try {
    try {
      await uploadAll(aws.s3, plan.uploads, {
        reporter,
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (error) {
      if (options.signal?.aborted)
        return await fail("Interrupted", "interrupted while uploading; no cluster was started");
      throw error;
    }
    if (options.signal?.aborted)
      return await fail("Interrupted", "interrupted before the cluster was started");

    const ran = await runStepCluster({
      aws,
      request: plan.request,
      logUri: foundation.logUri,
      reporter,
      rate,
      sleep,
      clock,
      awaitTermination: Boolean(options.awaitTermination),
      ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
      ...(options.logWait ? { logWait: options.logWait } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      onStarted: async (clusterId, stepId) => {
        emrFacts.cluster_id = clusterId;
        if (stepId) emrFacts.step_id = stepId;
        await save({ emr: emrFacts });
      },
    });
    const { clusterId } = ran;
    if (ran.outcome === "no-step") return await fail("ClusterFailure", `cluster ${clusterId} has no step`);
    if (ran.outcome === "watch-failed") {
      await fail("WatchFailed", `lost track of cluster ${clusterId}: ${messageOf(ran.error)}`);
      throw ran.error;
    }
    const { stepId } = ran;
    recordTimeline(emrFacts, ran.cluster, ran.step, mix, aws.region);
    await save({ emr: emrFacts });

    if (ran.outcome === "interrupted")
      return await fail("Interrupted", `interrupted; cluster ${clusterId} was terminated`);
    if (ran.outcome === "failed") {
      await saveLogs(run.dir, ran.logs);
      const { jobError, cause } = ran;
      return await fail(jobError?.kind ?? "StepFailed", cause.summary, {
        stage: jobError?.stage ?? null,
        cause,
        ...(jobError ? { manifestMessage: jobError.message } : {}),
      });
    }

    if (!(await objectExists(aws.s3, plan.layout.bucket, `${plan.layout.prefix}${SUCCESS_MARKER}`))) {
      const cause = classifyFailure({ stepState: "COMPLETED", logs: [] });
      return await fail(
        "NoSuccessMarker",
        `the step completed but ${emrFacts.s3_prefix}${SUCCESS_MARKER} is missing: the outputs are incomplete and were not downloaded`,
        {
          cause: { ...cause, cause: "no-success-marker" },
          hint: `Inspect ${emrFacts.s3_prefix} and the logs (\`kindling logs ${run.id}\`).`,
        },
      );
    }
    await downloadOutputs(aws.s3, plan.layout.bucket, plan.layout.prefix, run.dir, reporter);
    await saveLogs(
      run.dir,
      await readStepLogs(aws.s3, foundation.logUri, clusterId, stepId).catch(() => ({ sources: [] })),
    );
    const jobFile = path.join(run.dir, "job.json");
    if (!(await exists(jobFile)))
      return await fail("MissingOutputs", `job.json is missing under ${emrFacts.s3_prefix}`);
    const [facts, metrics] = await Promise.all([
      readJson<JobFacts>(jobFile),
      readJson<Metrics>(path.join(run.dir, "metrics.json")),
    ]);
    const finishedAt = clock();
    const best = metrics.feature_sets[metrics.best_feature_set];
    await save({
      status: "succeeded",
      finished_at: finishedAt.toISOString(),
      duration_seconds: (finishedAt.getTime() - createdAt.getTime()) / 1000,
      versions: { ...manifest.versions, ...facts.versions },
      rows: facts.rows,
      null_counts: facts.null_counts,
      class_balance: facts.class_balance,
      stages: facts.stages,
      partitions: facts.partitions,
      ...(facts.rejects
        ? {
            rejects: {
              rows: facts.rows.rejected ?? 0,
              max_fraction: config.data.max_reject_fraction,
              dir: (facts.rows.rejected ?? 0) > 0 ? "rejects" : null,
            },
          }
        : {}),
      ...(best
        ? { best: { feature_set: metrics.best_feature_set, accuracy: best.accuracy, f1: best.f1 } }
        : {}),
      emr: emrFacts,
    });
    // The same self-contained report as a local run; a report problem does not fail the run.
    try {
      const { file } = await writeReport(run.dir, { complete: true });
      reporter.info(`Report: ${path.relative(process.cwd(), file) || file}`);
    } catch (error) {
      reporter.warn(
        `the report could not be written (${messageOf(error)}); retry with \`kindling report ${run.id}\``,
      );
    }
    // Last: a run is complete only when this marker exists.
    await writeFile(path.join(run.dir, SUCCESS_MARKER), "");
    return { runId: run.id, runDir: run.dir, manifest, metrics, clusterId };
  } catch (error) {
    if (manifest.status === "running") {
      await save({
        status: "failed",
        failure: { stage: null, kind: "Internal", message: messageOf(error) },
      }).catch(() => {});
    }
    throw error;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Timings and actual cost from the cluster's and step's timelines. */
function recordTimeline(
  facts: EmrRunFacts,
  cluster: Cluster,
  step: Step,
  mix: ReturnType<typeof instanceMix>,
  region: string,
) {
  const t = cluster.Status?.Timeline;
  const s = step.Status?.Timeline;
  const secs = (a?: Date, b?: Date) => (a && b ? Math.max(0, (b.getTime() - a.getTime()) / 1000) : undefined);
  const timings: NonNullable<EmrRunFacts["timings"]> = {};
  if (t?.CreationDateTime) timings.created_at = t.CreationDateTime.toISOString();
  if (t?.ReadyDateTime) timings.ready_at = t.ReadyDateTime.toISOString();
  if (t?.EndDateTime) timings.ended_at = t.EndDateTime.toISOString();
  const provisioning = secs(t?.CreationDateTime, t?.ReadyDateTime ?? s?.StartDateTime);
  const running = secs(s?.StartDateTime, s?.EndDateTime);
  const billed = secs(t?.CreationDateTime, t?.EndDateTime);
  if (provisioning !== undefined) timings.provisioning_seconds = provisioning;
  if (running !== undefined) timings.running_seconds = running;
  if (billed !== undefined) timings.billed_seconds = billed;
  facts.timings = timings;
  facts.cluster_state = cluster.Status?.State;
  const reason = cluster.Status?.StateChangeReason;
  if (reason?.Message || reason?.Code)
    facts.state_change_reason = [reason.Code, reason.Message].filter(Boolean).join(": ");
  if (t?.CreationDateTime && t.EndDateTime) {
    const actual = actualCost(mix, region, { created: t.CreationDateTime, ended: t.EndDateTime });
    if (actual !== undefined) facts.cost.actual = actual;
  }
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
