import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdtemp, readdir, rename, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Cluster, RunJobFlowCommandInput } from "@aws-sdk/client-emr";
import type { LoadedConfig } from "../config/load.js";
import { InterruptedError, JobFailedError, UsageError } from "../errors.js";
import type { FoundationOutputs } from "../infra/foundationStack.js";
import { foundationSettingsFrom } from "../infra/fromConfig.js";
import { stackNameFor } from "../infra/settings.js";
import { fileDigest, writeJson } from "../runs/files.js";
import type { EmrAws } from "../targets/emr/aws.js";
import { messageOf } from "../targets/emr/awsErrors.js";
import { runStepCluster } from "../targets/emr/cluster.js";
import { actualCost, formatUsd, hourlyRate } from "../targets/emr/cost.js";
import { placeholderFoundation, requireFoundation } from "../targets/emr/foundation.js";
import { describeMix, instanceMix } from "../targets/emr/instances.js";
import { dataKey, s3Uri } from "../targets/emr/layout.js";
import { emrSparkSubmitArgs, uploadsJson } from "../targets/emr/plan.js";
import { buildRunJobFlowRequest } from "../targets/emr/request.js";
import type { Sleep } from "../targets/emr/retry.js";
import { realSleep } from "../targets/emr/retry.js";
import { objectExists, type PlannedUpload, uploadAll } from "../targets/emr/upload.js";
import { JOB_ENTRY, packageJob } from "../targets/shared/package.js";
import { KINDLING_VERSION, VERSIONS } from "../versions.js";
import type { PredictContext, PredictOutcome } from "./executor.js";
import type { PredictPlan } from "./plan.js";
import { buildPredictSpec, type PredictResult, type PredictSpec } from "./spec.js";

/** What the EMR predict target needs besides the plan; the CLI wires real clients, tests mocks. */
export interface EmrPredictOptions {
  /** The project's kindling.yaml: EMR instances, release, Spark settings, the foundation stack. */
  loaded: LoadedConfig;
  aws: () => Promise<EmrAws>;
  foundation?: FoundationOutputs;
  clock?: () => Date;
  sleep?: Sleep;
  pollMs?: number;
  logWait?: { attempts: number; intervalMs: number };
}

/** Where one prediction's objects go in the data bucket. */
export interface PredictLayout {
  bucket: string;
  /** runs/<run-id>/predict/<predict-id>/ */
  prefix: string;
  specKey: string;
  entryKey: string;
  zipKey: string;
  /** The job's output directory: data/ (one file) and predict.json, written last. */
  outputKey: string;
  /** runs/<run-id>/models/<feature set>/ — where an EMR run's models already are. */
  modelKey: string;
  inputKey: string;
}

export function predictLayout(
  bucket: string,
  plan: Pick<PredictPlan, "runId" | "featureSet">,
  predictId: string,
  inputSha256: string,
  inputFile: string,
): PredictLayout {
  const prefix = `runs/${plan.runId}/predict/${predictId}/`;
  return {
    bucket,
    prefix,
    specKey: `${prefix}spec.json`,
    entryKey: `${prefix}code/entry.py`,
    zipKey: `${prefix}code/kindling_job.zip`,
    outputKey: `${prefix}output`,
    modelKey: `runs/${plan.runId}/models/${plan.featureSet}/`,
    inputKey: dataKey(inputSha256, inputFile),
  };
}

/** The model directory's files (Hadoop's hidden .crc checksums stay behind), relative to it. */
async function modelFiles(dir: string): Promise<Array<{ file: string; name: string; bytes: number }>> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files: Array<{ file: string; name: string; bytes: number }> = [];
  for (const e of entries) {
    if (!e.isFile() || e.name.startsWith(".")) continue;
    const file = path.join(e.parentPath, e.name);
    files.push({
      file,
      name: path.relative(dir, file).split(path.sep).join("/"),
      bytes: (await stat(file)).size,
    });
  }
  return files.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Scores on a transient EMR cluster: uploads the model (unless the run's prefix has it already), the input
 * (content-addressed), the code and the predict spec; runs the job as the cluster's one step; downloads the
 * one predictions file to a temporary name next to --output and renames it into place. A failed or
 * interrupted prediction leaves nothing at the output path, and its cluster is terminated.
 */
export async function predictEmr(
  plan: PredictPlan,
  context: PredictContext,
  options: EmrPredictOptions,
): Promise<PredictOutcome> {
  const { reporter, signal } = context;
  const { config } = options.loaded;
  const clock = options.clock ?? (() => new Date());
  const sleep = options.sleep ?? realSleep;
  const aws = await options.aws();
  const foundation =
    options.foundation ??
    (await requireFoundation(aws.cloudFormation, stackNameFor(foundationSettingsFrom(config)), aws.region));
  const mix = instanceMix(config.emr);
  const scratch = await mkdtemp(path.join(os.tmpdir(), "kindling-predict-emr-"));
  try {
    const { predictId, layout, request, uploads } = await planPredictEmr(
      plan,
      config,
      foundation,
      clock(),
      scratch,
    );
    reporter.info(
      `Predict ${predictId} → ${s3Uri(layout.bucket, layout.prefix)}; cluster: ${describeMix(mix)} in ${aws.region}`,
    );
    try {
      await uploadAll(aws.s3, uploads, { reporter, ...(signal ? { signal } : {}) });
    } catch (error) {
      if (signal?.aborted) throw interrupted(plan, "while uploading; no cluster was started");
      throw error;
    }
    if (signal?.aborted) throw interrupted(plan, "before the cluster was started");

    const ran = await runStepCluster({
      aws,
      request,
      logUri: foundation.logUri,
      reporter,
      rate: hourlyRate(mix, aws.region),
      sleep,
      clock,
      ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
      ...(options.logWait ? { logWait: options.logWait } : {}),
      ...(signal ? { signal } : {}),
    });
    const nothing = `Nothing was written to ${plan.output.file}.`;
    const logsAt = `${foundation.logUri.replace(/\/?$/, "/")}${ran.clusterId}/`;
    if (ran.outcome === "interrupted") throw interrupted(plan, `; cluster ${ran.clusterId} was terminated`);
    if (ran.outcome === "no-step" || ran.outcome === "watch-failed") {
      const why =
        ran.outcome === "no-step"
          ? `cluster ${ran.clusterId} has no step`
          : `lost track of cluster ${ran.clusterId}: ${messageOf(ran.error)}`;
      throw new JobFailedError(`Prediction with run ${plan.runId} failed on EMR: ${why}`, { hint: nothing });
    }
    if (ran.outcome === "failed") {
      throw new JobFailedError(`Prediction with run ${plan.runId} failed on EMR: ${ran.cause.summary}`, {
        ...(ran.jobError?.stage ? { stage: ran.jobError.stage } : {}),
        hint: `${ran.cause.hint ? `${ran.cause.hint} ` : ""}${nothing} Logs: ${logsAt}`,
      });
    }

    // predict.json is written after the data: without it the output is incomplete.
    const resultKey = `${layout.outputKey}/predict.json`;
    if (!(await objectExists(aws.s3, layout.bucket, resultKey))) {
      throw new JobFailedError(
        `Prediction with run ${plan.runId}: the step completed but ${s3Uri(layout.bucket, resultKey)} is missing; the output is incomplete and was not downloaded`,
        { hint: `${nothing} Logs: ${logsAt}` },
      );
    }
    const res = await aws.s3.getObject({ Bucket: layout.bucket, Key: resultKey });
    const bytes = (await res.Body?.transformToByteArray()) ?? new Uint8Array();
    const result = JSON.parse(Buffer.from(bytes).toString("utf8")) as PredictResult;
    const ext = plan.output.format === "csv" ? ".csv" : ".parquet";
    const listed = await aws.s3.listObjectsV2({ Bucket: layout.bucket, Prefix: `${layout.outputKey}/data/` });
    const parts = (listed.Contents ?? [])
      .map((o) => o.Key ?? "")
      .filter((k) => path.posix.basename(k).startsWith("part-") && k.endsWith(ext));
    if (parts.length !== 1) {
      throw new JobFailedError(
        `the predict job left ${parts.length} data files in ${s3Uri(layout.bucket, `${layout.outputKey}/data/`)}; expected one`,
      );
    }
    await downloadOnto(aws, layout.bucket, parts[0] as string, plan, reporter);
    reporter.info(
      `Cluster ${ran.clusterId}: cost ${formatUsd(costOf(ran.cluster, mix, aws.region))}; outputs kept at ${s3Uri(layout.bucket, layout.prefix)}`,
    );
    return { output: plan.output.file, result };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Everything a prediction on EMR sends, computed without any AWS call (what `--dry-run` prints). */
export interface PredictEmrPlan {
  predictId: string;
  layout: PredictLayout;
  spec: PredictSpec;
  sparkSubmitArgs: string[];
  request: RunJobFlowCommandInput;
  uploads: PlannedUpload[];
}

/** Plans the uploads, predict spec and RunJobFlow request; writes the spec and job zip into `scratch`. */
export async function planPredictEmr(
  plan: PredictPlan,
  config: LoadedConfig["config"],
  foundation: FoundationOutputs,
  now: Date,
  scratch: string,
): Promise<PredictEmrPlan> {
  const predictId = `${now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z")}-${randomBytes(3).toString("hex")}`;
  const input = await fileDigest(plan.input.file);
  const layout = predictLayout(foundation.dataBucketName, plan, predictId, input.sha256, plan.input.file);
  const spec: PredictSpec = buildPredictSpec({
    runId: plan.runId,
    kindlingVersion: KINDLING_VERSION,
    target: "emr",
    trainSpec: plan.trainSpec,
    modelUri: s3Uri(layout.bucket, layout.modelKey.replace(/\/$/, "")),
    featureSet: plan.featureSet,
    inputUri: s3Uri(layout.bucket, layout.inputKey),
    inputFormat: plan.input.format,
    outputUri: s3Uri(layout.bucket, layout.outputKey),
    outputFormat: plan.output.format,
  });
  const sparkSubmitArgs = emrSparkSubmitArgs(config, {
    appName: `kindling predict ${plan.runId}`,
    ...layout,
  });
  const request = buildRunJobFlowRequest({
    runId: plan.runId,
    project: config.project,
    releaseLabel: config.emr.release_label ?? VERSIONS.emrRelease,
    emr: config.emr,
    foundation,
    sparkSubmitArgs,
    name: `kindling predict ${plan.runId}`,
    stepName: "kindling predict",
  });
  const specFile = path.join(scratch, "predict-spec.json");
  await writeJson(specFile, spec);
  const zip = await packageJob(path.join(scratch, "kindling_job.zip"));
  const put = (kind: PlannedUpload["kind"], file: string, key: string, bytes: number, skip: boolean) => ({
    kind,
    file,
    bucket: layout.bucket,
    key,
    bytes,
    skipIfExists: skip,
  });
  const uploads: PlannedUpload[] = [
    // The run id is unique and a saved model never changes: a key that exists holds the same bytes.
    ...(await modelFiles(plan.modelDir)).map((f) =>
      put("data", f.file, `${layout.modelKey}${f.name}`, f.bytes, true),
    ),
    put("data", plan.input.file, layout.inputKey, input.bytes, true),
    put("code", JOB_ENTRY, layout.entryKey, (await stat(JOB_ENTRY)).size, false),
    put("code", zip, layout.zipKey, (await stat(zip)).size, false),
    // The spec goes last: once it is there, the step's inputs are complete.
    put("spec", specFile, layout.specKey, (await stat(specFile)).size, false),
  ];
  return { predictId, layout, spec, sparkSubmitArgs, request, uploads };
}

/** `predict --target emr --dry-run`: the plan with the foundation's outputs as `<OutputKey>` placeholders. */
export async function predictEmrDryRun(plan: PredictPlan, loaded: LoadedConfig) {
  const scratch = await mkdtemp(path.join(os.tmpdir(), "kindling-predict-emr-"));
  try {
    const p = await planPredictEmr(plan, loaded.config, placeholderFoundation(), new Date(), scratch);
    return {
      dry_run: true,
      predict_id: p.predictId,
      uploads: uploadsJson(p.uploads),
      run_job_flow: p.request,
      spec: p.spec,
    };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Downloads to a hidden temporary name in the output's folder, then renames: never a half file. */
async function downloadOnto(
  aws: EmrAws,
  bucket: string,
  key: string,
  plan: PredictPlan,
  reporter: PredictContext["reporter"],
): Promise<void> {
  const output = plan.output.file;
  const temp = path.join(
    path.dirname(output),
    `.${path.basename(output)}.kindling-${randomBytes(3).toString("hex")}`,
  );
  const stage = reporter.stage(`Downloading ${s3Uri(bucket, key)}`);
  try {
    const res = await aws.s3.getObject({ Bucket: bucket, Key: key });
    await pipeline((res.Body as Readable | undefined) ?? Readable.from([]), createWriteStream(temp));
    if (!plan.force && (await stat(output).catch(() => undefined))) {
      throw new UsageError(`--output ${output} appeared while predicting; not replaced`, {
        hint: "Pass --force to replace it.",
      });
    }
    await rename(temp, output);
    stage.succeed();
  } catch (error) {
    stage.fail();
    await rm(temp, { force: true });
    throw error;
  }
}

function costOf(cluster: Cluster, mix: ReturnType<typeof instanceMix>, region: string): number | undefined {
  const t = cluster.Status?.Timeline;
  if (!t?.CreationDateTime || !t.EndDateTime) return undefined;
  return actualCost(mix, region, { created: t.CreationDateTime, ended: t.EndDateTime });
}

function interrupted(plan: PredictPlan, how: string): InterruptedError {
  return new InterruptedError(`Prediction with run ${plan.runId} interrupted ${how}`.replace(" ;", ";"), {
    hint: `Nothing was written to ${plan.output.file}.`,
  });
}
