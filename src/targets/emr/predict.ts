import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, readdir, rename, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { RunJobFlowCommandInput } from "@aws-sdk/client-emr";
import type { AwsClients } from "../../aws/clients.js";
import { messageOf } from "../../aws/errors.js";
import type { Config } from "../../config/schema.js";
import { emrReleaseOf } from "../../config/sparkLine.js";
import { digestInput } from "../../data/digest.js";
import { InterruptedError, JobFailedError, UsageError } from "../../errors.js";
import type { FoundationOutputs } from "../../infra/outputs.js";
import { emrPythonPlatform, jobDepsArchive } from "../../packaging/jobDeps.js";
import type { DepsArchive } from "../../packaging/pythonDeps.js";
import type { PredictOutcome } from "../../predict/outcome.js";
import type { PredictPlan } from "../../predict/plan.js";
import { buildPredictSpec, type PredictResult, type PredictSpec } from "../../predict/spec.js";
import { writeJson } from "../../runs/files.js";
import { CODES } from "../../ui/codes.js";
import { formatUsd } from "../../ui/format.js";
import type { IoHost } from "../../ui/io.js";
import { KINDLING_VERSION } from "../../versions.js";
import { JOB_ENTRY, packageJob } from "../shared/package.js";
import { followStepCluster, startStepCluster } from "./cluster.js";
import { placeholderFoundation } from "./foundation.js";
import { describeMix, instanceMix } from "./instances.js";
import { codePrefix, dataKey, depsKey, s3Uri } from "./layout.js";
import { emrSparkSubmitArgs, uploadsJson } from "./plan.js";
import { buildRunJobFlowRequest, clusterIdentity } from "./request.js";
import { clusterCost } from "./timeline.js";
import { type EmrSession, followOptions } from "./train.js";
import { objectExists, type PlannedUpload, uploadAll } from "./upload.js";

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
  /**
   * data/models/<sha256>/: the model, content-addressed under a prefix no job may write, so a model found
   * there is the one with these bytes (not one a job rewrote under runs/).
   */
  modelKey: string;
  inputKey: string;
}

export function predictLayout(
  bucket: string,
  plan: Pick<PredictPlan, "runId" | "featureSet">,
  predictId: string,
  inputSha256: string,
  inputFile: string,
  modelSha256: string,
): PredictLayout {
  const prefix = `runs/${plan.runId}/predict/${predictId}/`;
  const code = codePrefix(`${plan.runId}/predict/${predictId}`);
  return {
    bucket,
    prefix,
    specKey: `${code}spec.json`,
    entryKey: `${code}entry.py`,
    zipKey: `${code}kindling_job.zip`,
    outputKey: `${prefix}output`,
    modelKey: `data/models/${modelSha256}/`,
    inputKey: dataKey(inputSha256, inputFile),
  };
}

/** A model's content address: SHA-256 over its files' names and SHA-256s, in name order. */
async function modelDigest(files: ReadonlyArray<{ file: string; name: string }>): Promise<string> {
  const whole = createHash("sha256");
  for (const f of files) {
    const one = createHash("sha256");
    await pipeline(createReadStream(f.file), one);
    whole.update(`${f.name}\0${one.digest("hex")}\n`);
  }
  return whole.digest("hex");
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
 * Scores on a transient EMR cluster: uploads the model (content-addressed: unless already there), the input
 * (content-addressed), the code and the predict spec; runs the job as the cluster's one step; downloads the
 * one predictions file to a temporary name next to --output and renames it into place. A failed or
 * interrupted prediction leaves nothing at the output path, and its cluster is terminated.
 */
export async function predictOnEmr(plan: PredictPlan, session: EmrSession): Promise<PredictOutcome> {
  const { aws, io, signal, config, foundation } = session;
  const mix = instanceMix(config.emr);
  const scratch = await mkdtemp(path.join(os.tmpdir(), "kindling-predict-emr-"));
  try {
    const { predictId, layout, request, uploads } = await planPredictEmr(
      plan,
      config,
      foundation,
      session.clock(),
      scratch,
      session.deps,
    );
    io.notify(
      CODES.PREDICT_START.msg(
        `Predict ${predictId} → ${s3Uri(layout.bucket, layout.prefix)}; cluster: ${describeMix(mix)} in ${aws.region}`,
        { runId: plan.runId, featureSet: plan.featureSet, input: plan.input.file },
      ),
    );
    try {
      await uploadAll(aws.s3, uploads, { io, signal });
    } catch (error) {
      if (signal.aborted) throw interrupted(plan, "while uploading; no cluster was started");
      throw error;
    }
    if (signal.aborted) throw interrupted(plan, "before the cluster was started");

    const { clusterId, stepId } = await startStepCluster(aws.emr, request, io);
    const ran = await followStepCluster(clusterId, stepId, followOptions(session));
    const nothing = `Nothing was written to ${plan.output.file}.`;
    const logsAt = `${foundation.logUri.replace(/\/?$/, "/")}${clusterId}/`;
    if (ran.outcome === "interrupted") throw interrupted(plan, `; cluster ${clusterId} was terminated`);
    if (ran.outcome === "watch-failed") {
      throw new JobFailedError(
        `Prediction with run ${plan.runId} failed on EMR: lost track of cluster ${clusterId}: ${messageOf(ran.error)}`,
        { hint: nothing },
      );
    }
    if (ran.outcome === "failed") {
      throw new JobFailedError(`Prediction with run ${plan.runId} failed on EMR: ${ran.cause.summary}`, {
        ...(ran.jobError?.stage ? { stage: ran.jobError.stage } : {}),
        hint: `${ran.cause.hint ? `${ran.cause.hint} ` : ""}${nothing} Logs: ${logsAt}`,
      });
    }

    const result = await fetchPredictions(session, layout, plan, `Logs: ${logsAt}`);
    const cost = clusterCost(ran.cluster, mix, aws.region);
    io.notify(
      CODES.EMR_COST.msg(
        `Cluster ${clusterId}: cost ${formatUsd(cost)}; outputs kept at ${s3Uri(layout.bucket, layout.prefix)}`,
        { clusterId, ...(cost !== undefined ? { usd: cost } : {}) },
      ),
    );
    return { output: plan.output.file, result };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * Brings a finished prediction back: predict.json (written after the data, so without it the output is
 * incomplete), then the one data file, onto --output without ever leaving a half file. Shared by every
 * target that scores from S3; `logs` says where to look when something is missing.
 */
export async function fetchPredictions(
  session: PredictSession,
  layout: PredictLayout,
  plan: PredictPlan,
  logs: string,
): Promise<PredictResult> {
  const { s3 } = session.aws;
  const nothing = `Nothing was written to ${plan.output.file}.`;
  const resultKey = `${layout.outputKey}/predict.json`;
  if (!(await objectExists(s3, layout.bucket, resultKey))) {
    throw new JobFailedError(
      `Prediction with run ${plan.runId}: the job completed but ${s3Uri(layout.bucket, resultKey)} is missing; the output is incomplete and was not downloaded`,
      { hint: `${nothing} ${logs}` },
    );
  }
  const res = await s3.getObject({ Bucket: layout.bucket, Key: resultKey });
  const bytes = (await res.Body?.transformToByteArray()) ?? new Uint8Array();
  const result = JSON.parse(Buffer.from(bytes).toString("utf8")) as PredictResult;
  const ext = plan.output.format === "csv" ? ".csv" : ".parquet";
  const listed = await s3.listObjectsV2({ Bucket: layout.bucket, Prefix: `${layout.outputKey}/data/` });
  const parts = (listed.Contents ?? [])
    .map((o) => o.Key ?? "")
    .filter((k) => path.posix.basename(k).startsWith("part-") && k.endsWith(ext));
  if (parts.length !== 1) {
    throw new JobFailedError(
      `the predict job left ${parts.length} data files in ${s3Uri(layout.bucket, `${layout.outputKey}/data/`)}; expected one`,
    );
  }
  await downloadOnto(session, layout.bucket, parts[0] as string, plan);
  return result;
}

/** What fetching predictions needs of a cloud target's session. */
export interface PredictSession {
  aws: Pick<AwsClients, "s3">;
  io: IoHost;
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

/** What every cloud target uploads to score: the model, the input, the packages, the code and the spec. */
export interface PredictUploads {
  predictId: string;
  layout: PredictLayout;
  spec: PredictSpec;
  uploads: PlannedUpload[];
  /** s3:// URI of the job's Python packages. */
  depsUri: string;
}

/** Plans a prediction's uploads and predict spec for `target`; writes the spec and job zip into `scratch`. */
export async function planPredictUploads(
  plan: PredictPlan,
  target: "emr" | "emr-serverless",
  foundation: Pick<FoundationOutputs, "dataBucketName">,
  now: Date,
  scratch: string,
  deps: DepsArchive,
): Promise<PredictUploads> {
  const predictId = `${now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z")}-${randomBytes(3).toString("hex")}`;
  const input = await digestInput({ path: plan.input.file, directory: false });
  const model = await modelFiles(plan.modelDir);
  const layout = predictLayout(
    foundation.dataBucketName,
    plan,
    predictId,
    input.sha256,
    plan.input.file,
    await modelDigest(model),
  );
  const spec: PredictSpec = buildPredictSpec({
    runId: plan.runId,
    kindlingVersion: KINDLING_VERSION,
    target,
    trainSpec: plan.trainSpec,
    modelUri: s3Uri(layout.bucket, layout.modelKey.replace(/\/$/, "")),
    featureSet: plan.featureSet,
    textColumn: plan.textColumn,
    inputUri: s3Uri(layout.bucket, layout.inputKey),
    inputFormat: plan.input.format,
    outputUri: s3Uri(layout.bucket, layout.outputKey),
    outputFormat: plan.output.format,
  });
  const depsAt = depsKey(deps.sha256);
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
    // Content-addressed under data/, which only the CLI writes: a key that exists holds these bytes.
    ...model.map((f) => put("data", f.file, `${layout.modelKey}${f.name}`, f.bytes, true)),
    put("data", plan.input.file, layout.inputKey, input.bytes, true),
    put("deps", deps.file, depsAt, deps.bytes, true),
    put("code", JOB_ENTRY, layout.entryKey, (await stat(JOB_ENTRY)).size, false),
    put("code", zip, layout.zipKey, (await stat(zip)).size, false),
    // The spec goes last: once it is there, the job's inputs are complete.
    put("spec", specFile, layout.specKey, (await stat(specFile)).size, false),
  ];
  return { predictId, layout, spec, uploads, depsUri: s3Uri(layout.bucket, depsAt) };
}

/** Plans the uploads, predict spec and RunJobFlow request; writes the spec and job zip into `scratch`. */
export async function planPredictEmr(
  plan: PredictPlan,
  config: Config,
  foundation: FoundationOutputs,
  now: Date,
  scratch: string,
  deps: DepsArchive,
): Promise<PredictEmrPlan> {
  const planned = await planPredictUploads(plan, "emr", foundation, now, scratch, deps);
  const sparkSubmitArgs = emrSparkSubmitArgs(config, {
    appName: `kindling predict ${plan.runId}`,
    ...planned.layout,
    depsUri: planned.depsUri,
  });
  const request = buildRunJobFlowRequest({
    runId: plan.runId,
    ...clusterIdentity(config, foundation),
    releaseLabel: emrReleaseOf(config),
    emr: config.emr,
    foundation,
    sparkSubmitArgs,
    name: `kindling predict ${plan.runId}`,
    stepName: "kindling predict",
  });
  return { ...planned, sparkSubmitArgs, request };
}

/** `predict --target emr --dry-run`: the plan with the foundation's outputs as `<OutputKey>` placeholders. */
export async function predictEmrDryRun(plan: PredictPlan, config: Config, io: IoHost) {
  const scratch = await mkdtemp(path.join(os.tmpdir(), "kindling-predict-emr-"));
  try {
    const deps = await jobDepsArchive(config, emrPythonPlatform(config), {
      io,
    });
    const p = await planPredictEmr(plan, config, placeholderFoundation(), new Date(), scratch, deps);
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
  session: PredictSession,
  bucket: string,
  key: string,
  plan: PredictPlan,
): Promise<void> {
  const output = plan.output.file;
  const temp = path.join(
    path.dirname(output),
    `.${path.basename(output)}.kindling-${randomBytes(3).toString("hex")}`,
  );
  const uri = s3Uri(bucket, key);
  const span = session.io.span(CODES.PREDICT_DOWNLOAD.msg(`Downloading ${uri}`, { uri }));
  try {
    const res = await session.aws.s3.getObject({ Bucket: bucket, Key: key });
    await pipeline((res.Body as Readable | undefined) ?? Readable.from([]), createWriteStream(temp));
    if (!plan.force && (await stat(output).catch(() => undefined))) {
      throw new UsageError(`--output ${output} appeared while predicting; not replaced`, {
        hint: "Pass --force to replace it.",
      });
    }
    await rename(temp, output);
    span.succeed();
  } catch (error) {
    span.fail();
    await rm(temp, { force: true });
    throw error;
  }
}

function interrupted(plan: PredictPlan, how: string): InterruptedError {
  return new InterruptedError(`Prediction with run ${plan.runId} interrupted ${how}`.replace(" ;", ";"), {
    hint: `Nothing was written to ${plan.output.file}.`,
  });
}
