import { stat } from "node:fs/promises";
import path from "node:path";
import type { RunJobFlowCommandInput } from "@aws-sdk/client-emr";
import type { LoadedConfig } from "../../config/load.js";
import type { FoundationOutputs } from "../../infra/foundationStack.js";
import { compileSpec } from "../../spec/compile.js";
import type { JobSpec } from "../../spec/types.js";
import { KINDLING_VERSION, VERSIONS } from "../../versions.js";
import { JOB_ENTRY } from "../shared/package.js";
import { buildSparkSubmitArgs } from "../shared/sparkSubmit.js";
import { type CostEstimate, estimateRunCost, formatUsd } from "./cost.js";
import type { EmrInput } from "./input.js";
import { instanceMix } from "./instances.js";
import { dataKey, type RunLayout, runLayout, s3Uri } from "./layout.js";
import { buildRunJobFlowRequest } from "./request.js";
import { formatBytes, type PlannedUpload } from "./upload.js";

/** Everything a run will do, computed without any AWS call (what `--dry-run` prints). */
export interface EmrRunPlan {
  runId: string;
  region: string | undefined;
  releaseLabel: string;
  layout: RunLayout;
  spec: JobSpec;
  sparkSubmitArgs: string[];
  request: RunJobFlowCommandInput;
  uploads: PlannedUpload[];
  estimate: CostEstimate;
}

export interface PlanInput {
  loaded: LoadedConfig;
  runId: string;
  createdAt: Date;
  foundation: FoundationOutputs;
  region: string | undefined;
  input: EmrInput;
  /** The packaged job zip (packageJob), and where the spec will be written (writeJson). */
  zipFile: string;
  specFile: string;
}

/** Plans an EMR run: the spec with s3:// URIs, the uploads, the step and the RunJobFlow request. */
export async function planEmrRun(p: PlanInput): Promise<EmrRunPlan> {
  const { config } = p.loaded;
  const layout = runLayout(p.foundation.dataBucketName, p.runId);
  const input = p.input;
  // Local data goes up content-addressed: data/<sha256>/<file> (or <folder>/<part files>).
  const inputUri = input.kind === "s3" ? input.uri : s3Uri(layout.bucket, dataKey(input.sha256, input.path));
  const spec = compileSpec(config, {
    runId: p.runId,
    createdAt: p.createdAt,
    kindlingVersion: KINDLING_VERSION,
    target: "emr",
    inputUri,
    outputUri: layout.outputUri,
    // On S3 the job writes _SUCCESS itself, last: the CLI downloads only a complete run.
    successMarker: true,
  });
  const sparkSubmitArgs = emrSparkSubmitArgs(config, {
    appName: `kindling ${p.runId}`,
    ...layout,
  });
  const releaseLabel = config.emr.release_label ?? VERSIONS.emrRelease;
  const request = buildRunJobFlowRequest({
    runId: p.runId,
    project: config.project,
    releaseLabel,
    emr: config.emr,
    foundation: p.foundation,
    sparkSubmitArgs,
  });
  const size = async (file: string) => (await stat(file)).size;
  const dataUploads: PlannedUpload[] =
    input.kind === "s3"
      ? []
      : input.files.map((f) => ({
          kind: "data" as const,
          file: f.file,
          bucket: layout.bucket,
          key: `data/${input.sha256}/${f.name}`,
          bytes: f.bytes,
          skipIfExists: true,
        }));
  const uploads: PlannedUpload[] = [
    ...dataUploads,

    {
      kind: "code",
      file: JOB_ENTRY,
      bucket: layout.bucket,
      key: layout.entryKey,
      bytes: await size(JOB_ENTRY),
      skipIfExists: false,
    },
    {
      kind: "code",
      file: p.zipFile,
      bucket: layout.bucket,
      key: layout.zipKey,
      bytes: await size(p.zipFile),
      skipIfExists: false,
    },
    // The spec goes last: once it is there, the run's inputs are complete.
    {
      kind: "spec",
      file: p.specFile,
      bucket: layout.bucket,
      key: layout.specKey,
      bytes: Buffer.byteLength(`${JSON.stringify(spec, null, 2)}\n`),
      skipIfExists: false,
    },
  ];
  const estimate = estimateRunCost(
    instanceMix(config.emr),
    p.region ?? "",
    config.emr.estimated_runtime_minutes,
  );
  return {
    runId: p.runId,
    region: p.region,
    releaseLabel,
    layout,
    spec,
    sparkSubmitArgs,
    request,
    uploads,
    estimate,
  };
}

/** The step's spark-submit arguments for a job whose code and spec are at these keys of the bucket. */
export function emrSparkSubmitArgs(
  config: LoadedConfig["config"],
  at: { appName: string; bucket: string; entryKey: string; zipKey: string; specKey: string },
): string[] {
  return buildSparkSubmitArgs({
    deployMode: "cluster",
    appName: at.appName,
    entry: s3Uri(at.bucket, at.entryKey),
    pyFiles: [s3Uri(at.bucket, at.zipKey)],
    specUri: s3Uri(at.bucket, at.specKey),
    driverMemory: config.spark.driver_memory,
    ...(config.spark.executor_memory ? { executorMemory: config.spark.executor_memory } : {}),
    conf: {
      // A second YARN attempt would find the first one's outputs and fail with OutputExists, hiding
      // the real error.
      "spark.yarn.maxAppAttempts": 1,
      "spark.ui.showConsoleProgress": false,
      ...config.spark.conf,
    },
  });
}

/** The plan as `--dry-run --json` prints it: uploads without local temp paths' noise. */
export function planJson(plan: EmrRunPlan) {
  return {
    dry_run: true,
    run_id: plan.runId,
    region: plan.region ?? null,
    release_label: plan.releaseLabel,
    uploads: uploadsJson(plan.uploads),
    run_job_flow: plan.request,
    cost_estimate: plan.estimate,
    spec: plan.spec,
  };
}

/** Planned uploads as a dry run prints them: data by path, code and spec by name. */
export function uploadsJson(uploads: readonly PlannedUpload[]) {
  return uploads.map((u) => ({
    kind: u.kind,
    from: u.kind === "data" ? u.file : path.basename(u.file),
    to: s3Uri(u.bucket, u.key),
    bytes: u.bytes,
    skip_if_exists: u.skipIfExists,
  }));
}

/** Human rendering for `kindling plan --target emr`. */
export function renderEmrRunPlan(plan: EmrRunPlan): string {
  const mix =
    plan.request.Instances?.InstanceGroups?.map(
      (g) =>
        `${g.InstanceCount}× ${g.InstanceType} ${roleName(g.InstanceRole)}${g.Market === "SPOT" ? " (spot)" : ""}`,
    ) ??
    plan.request.Instances?.InstanceFleets?.map(
      (f) =>
        `${(f.TargetOnDemandCapacity ?? 0) + (f.TargetSpotCapacity ?? 0)}× ${f.InstanceTypeConfigs?.map((c) => c.InstanceType).join("|")} ${roleName(f.InstanceFleetType)}${f.TargetSpotCapacity ? " (spot)" : ""}`,
    ) ??
    [];
  const e = plan.estimate;
  const cost =
    e.usd !== undefined
      ? `${formatUsd(e.usd)} per run (${formatUsd(e.usdPerHour)}/h × ~${e.minutes} min: ${e.minutes - e.runtimeMinutes} provisioning + ${e.runtimeMinutes} running; prices as of ${e.priceTableAsOf})`
      : `unknown (${e.missing.join(", ") || "no region: set aws.region or AWS_REGION"})`;
  return [
    `EMR run (transient cluster, ${plan.releaseLabel}${plan.region ? ` in ${plan.region}` : ""}):`,
    `  instances: ${mix.join(", ")}`,
    `  step: spark-submit ${plan.sparkSubmitArgs.join(" ")}`,
    `  uploads: ${plan.uploads.map((u) => `${u.kind} ${formatBytes(u.bytes)}`).join(", ")}`,
    `  estimated cost: ${cost}`,
  ].join("\n");
}

/** EMR's MASTER/CORE/TASK as Kindling names them. */
function roleName(role: string | undefined): string {
  return role === "MASTER" ? "primary" : (role ?? "").toLowerCase();
}
