import type { LoadedConfig } from "../../config/load.js";
import { describeEstimate } from "../../targets/emr/cost.js";
import { planEmrDryRun } from "../../targets/emr/dryRun.js";
import { planJson } from "../../targets/emr/plan.js";
import { describeServerlessEstimate } from "../../targets/serverless/cost.js";
import { planServerlessDryRun } from "../../targets/serverless/dryRun.js";
import { serverlessPlanJson } from "../../targets/serverless/train.js";
import { formatBytes } from "../../ui/format.js";
import type { CommandIO } from "../io.js";
import type { RunOptions } from "../options.js";

/** `kindling run --target emr --dry-run`: the uploads and the RunJobFlow request, without any AWS call. */
export async function emrDryRunCommand(
  options: RunOptions,
  loaded: LoadedConfig,
  io: CommandIO,
): Promise<void> {
  const region = options.region ?? loaded.config.aws.region;
  const plan = await planEmrDryRun({
    loaded,
    io: io.host,
    signal: io.signal,
    ...(region ? { region } : {}),
    ...(options.cluster ? { cluster: options.cluster } : {}),
  });
  const json = planJson(plan);
  io.emitJson(json);
  io.print(
    `Dry run ${plan.runId} (no AWS call; <…> are the foundation stack's outputs):\n${uploadLines(json.uploads)}` +
      (plan.addSteps
        ? `\nAddJobFlowSteps request (warm cluster):\n${JSON.stringify(plan.addSteps, null, 2)}\n`
        : `\nRunJobFlow request:\n${JSON.stringify(plan.request, null, 2)}\n`) +
      `Estimated cost: ${describeEstimate(plan.estimate)}`,
  );
}

/** `kindling run --target emr-serverless --dry-run`: the uploads and the StartJobRun request, no AWS call. */
export async function serverlessDryRunCommand(
  options: RunOptions,
  loaded: LoadedConfig,
  io: CommandIO,
): Promise<void> {
  const region = options.region ?? loaded.config.aws.region;
  const plan = await planServerlessDryRun({
    loaded,
    io: io.host,
    signal: io.signal,
    ...(region ? { region } : {}),
  });
  const json = serverlessPlanJson(plan, plan.spec);
  io.emitJson(json);
  io.print(
    `Dry run ${plan.runId} (no AWS call; <…> are the foundation stack's outputs):\n${uploadLines(json.uploads)}` +
      `\nStartJobRun request:\n${JSON.stringify(plan.request, null, 2)}\n` +
      `Estimated cost: ${describeServerlessEstimate(plan.estimate)}`,
  );
}

function uploadLines(uploads: ReturnType<typeof planJson>["uploads"]): string {
  return uploads
    .map(
      (u) =>
        `  upload ${u.from} → ${u.to} (${formatBytes(u.bytes)}${u.skip_if_exists ? ", skipped if present" : ""})`,
    )
    .join("\n");
}
