import { stat } from "node:fs/promises";
import path from "node:path";
import type { AddJobFlowStepsCommandInput, RunJobFlowCommandInput } from "@aws-sdk/client-emr";
import type { Config } from "../../config/schema.js";
import { emrReleaseOf } from "../../config/sparkLine.js";
import type { FoundationOutputs } from "../../infra/outputs.js";
import { depsSparkSettings } from "../../packaging/jobDeps.js";
import type { DepsArchive } from "../../packaging/pythonDeps.js";
import type { RuntimeBasis } from "../../runs/runtime.js";
import type { JobSpec } from "../../spec/types.js";
import { formatBytes } from "../../ui/format.js";
import { JOB_ENTRY } from "../shared/package.js";
import { buildSparkSubmitArgs } from "../shared/sparkSubmit.js";
import type { RunInput } from "../target.js";
import { type CostEstimate, describeEstimate, estimateRunCost } from "./cost.js";
import { type InstanceRole, instanceMix } from "./instances.js";
import { dataKey, depsKey, type RunLayout, runLayout, s3Uri } from "./layout.js";
import { buildRunJobFlowRequest, clusterIdentity } from "./request.js";
import type { PlannedUpload } from "./upload.js";
import { warmStepRequest } from "./warm.js";

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
  /** A run on a warm cluster: the step it adds (instead of `request`'s cluster). */
  addSteps?: AddJobFlowStepsCommandInput;
}

export interface PlanInput {
  config: Config;
  runId: string;
  foundation: FoundationOutputs;
  region: string | undefined;
  input: RunInput;
  /** The compiled spec (with emrInputUri and the layout's output URI) and the file it is written to. */
  spec: JobSpec;
  specFile: string;
  /** The packaged job zip (packageJob). */
  zipFile: string;
  /** The job's Python packages for the cluster's platform. */
  deps: DepsArchive;
  /** Run as a step of this warm cluster, with its instances. Default: a transient cluster. */
  warm?: { id: string; mix: InstanceRole[] };
  /** The job's expected running time for the estimate (src/runs/runtime.ts). */
  runtime: RuntimeBasis;
}

/** Where the job reads its input: an s3:// input in place; a local one content-addressed, data/<sha256>/<name>. */
export function emrInputUri(layout: RunLayout, input: RunInput): string {
  if (input.location.kind === "s3") return input.location.uri;
  return s3Uri(layout.bucket, dataKey(input.digest?.sha256 ?? "", input.location.path));
}

/** Plans an EMR run: the uploads, the step and the RunJobFlow request for a compiled spec. */
export async function planEmrRun(p: PlanInput): Promise<EmrRunPlan> {
  const { config } = p;
  const layout = runLayout(p.foundation.dataBucketName, p.runId);
  const depsAt = depsKey(p.deps.sha256);
  const sparkSubmitArgs = emrSparkSubmitArgs(config, {
    appName: `kindling ${p.runId}`,
    ...layout,
    depsUri: s3Uri(layout.bucket, depsAt),
  });
  const releaseLabel = emrReleaseOf(config);
  const request = buildRunJobFlowRequest({
    runId: p.runId,
    ...clusterIdentity(config, p.foundation),
    releaseLabel,
    emr: config.emr,
    foundation: p.foundation,
    sparkSubmitArgs,
  });
  const uploads = await plannedUploads(p, layout, depsAt);
  const estimate = estimateRunCost(p.warm?.mix ?? instanceMix(config.emr), p.region ?? "", p.runtime, {
    warm: Boolean(p.warm),
  });
  return {
    runId: p.runId,
    region: p.region,
    releaseLabel,
    layout,
    spec: p.spec,
    sparkSubmitArgs,
    request,
    uploads,
    estimate,
    ...(p.warm ? { addSteps: warmStepRequest(p.warm.id, sparkSubmitArgs) } : {}),
  };
}

/**
 * What a cloud run puts in the data bucket, in order: the input (content-addressed, skipped when there),
 * the job's Python packages (likewise), the code, and the spec last: once it is there, the inputs are
 * complete. Shared by every target that runs from S3.
 */
export async function plannedUploads(
  p: Pick<PlanInput, "input" | "deps" | "zipFile" | "specFile">,
  layout: RunLayout,
  depsAt: string,
): Promise<PlannedUpload[]> {
  const size = async (file: string) => (await stat(file)).size;
  const upload = (
    kind: PlannedUpload["kind"],
    file: string,
    key: string,
    bytes: number,
    skipIfExists: boolean,
  ): PlannedUpload => ({ kind, file, bucket: layout.bucket, key, bytes, skipIfExists });
  const digest = p.input.location.kind === "local" ? p.input.digest : undefined;
  return [
    ...(digest?.files ?? []).map((f) =>
      upload("data", f.file, `data/${digest?.sha256}/${f.name}`, f.bytes, true),
    ),
    upload("deps", p.deps.file, depsAt, p.deps.bytes, true),
    upload("code", JOB_ENTRY, layout.entryKey, await size(JOB_ENTRY), false),
    upload("code", p.zipFile, layout.zipKey, await size(p.zipFile), false),
    upload("spec", p.specFile, layout.specKey, await size(p.specFile), false),
  ];
}

/** The step's spark-submit arguments for a job whose code and spec are at these keys of the bucket. */
export function emrSparkSubmitArgs(
  config: Config,
  at: { appName: string; bucket: string; entryKey: string; zipKey: string; specKey: string; depsUri: string },
): string[] {
  const deps = depsSparkSettings(at.depsUri);
  return buildSparkSubmitArgs({
    deployMode: "cluster",
    appName: at.appName,
    entry: s3Uri(at.bucket, at.entryKey),
    pyFiles: [s3Uri(at.bucket, at.zipKey)],
    archives: deps.archives,
    specUri: s3Uri(at.bucket, at.specKey),
    driverMemory: config.spark.driver_memory,
    ...(config.spark.executor_memory ? { executorMemory: config.spark.executor_memory } : {}),
    conf: {
      // A second YARN attempt would find the first one's outputs and fail with OutputExists, hiding
      // the real error.
      "spark.yarn.maxAppAttempts": 1,
      "spark.ui.showConsoleProgress": false,
      ...deps.conf,
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
    // A transient cluster is started with its step; a warm cluster only gets the step.
    run_job_flow: plan.addSteps ? undefined : plan.request,
    add_job_flow_steps: plan.addSteps,
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
  return [
    `EMR run (transient cluster, ${plan.releaseLabel}${plan.region ? ` in ${plan.region}` : ""}):`,
    `  instances: ${mix.join(", ")}`,
    `  step: spark-submit ${plan.sparkSubmitArgs.join(" ")}`,
    `  uploads: ${plan.uploads.map((u) => `${u.kind} ${formatBytes(u.bytes)}`).join(", ")}`,
    `  estimated cost: ${describeEstimate(plan.estimate)}`,
  ].join("\n");
}

/** EMR's MASTER/CORE/TASK as Kindling names them. */
function roleName(role: string | undefined): string {
  return role === "MASTER" ? "primary" : (role ?? "").toLowerCase();
}
