import path from "node:path";
import { loadConfig, loadOptionsOf } from "../../config/load.js";
import { UsageError } from "../../errors.js";
import { changeSetNameAt } from "../../infra/changeSets.js";
import { foundationSettingsFrom } from "../../infra/fromConfig.js";
import { renderPlan } from "../../infra/planView.js";
import { renderStandingCost, standingCost } from "../../infra/standingCost.js";
import {
  createFoundationChangeSet,
  deployFoundation,
  destroyFoundation,
  planFoundation,
  synthFoundation,
} from "../../infra/toolkit.js";
import { planEmrDryRun } from "../../targets/emr/dryRun.js";
import { planJson, renderEmrRunPlan } from "../../targets/emr/plan.js";
import { preInitializedUsdPerHour } from "../../targets/serverless/cost.js";
import { formatDuration } from "../../ui/format.js";
import { terminalConfirm } from "../confirm.js";
import { confirmInEnvironment } from "../environmentGate.js";
import type { CommandIO } from "../io.js";
import type { DeployOptions, DestroyOptions, PlanOptions, SynthOptions } from "../options.js";

/** `kindling synth`: the foundation's CloudFormation templates; no credentials, no network. */
export async function synthCommand(options: SynthOptions, io: CommandIO): Promise<void> {
  const { config } = await loadConfig(options.config, loadOptionsOf(options));
  const outDir = path.resolve(io.cwd, options.out);
  const result = await synthFoundation(foundationSettingsFrom(config), { outDir, io: io.host });
  io.emitJson(result);
  io.print(
    `${result.stackName}: ${result.templatePaths.map((p) => path.relative(io.cwd, p)).join(", ")} ` +
      `(${(result.templateBytes / 1024).toFixed(1)} KiB, synthesized in ${formatDuration(result.synthMs / 1000)}, cdk-nag: ${result.findings.length} finding(s))`,
  );
}

/**
 * `kindling plan`: what deploy would create or change, printed once. With --exit-code, the exit code
 * says whether there is anything to deploy (0 nothing, 2 changes), as `terraform plan -detailed-exitcode`.
 */
export async function planCommand(options: PlanOptions, io: CommandIO): Promise<void> {
  if (options.exitCode && options.offline) {
    throw new UsageError("--exit-code compares with the deployed stack, which --offline does not read", {
      hint: "Drop --offline (plan needs read access to CloudFormation), or drop --exit-code.",
    });
  }
  const loaded = await loadConfig(options.config, loadOptionsOf(options));
  const { config } = loaded;
  const settings = foundationSettingsFrom(config, awsOverrides(options));
  const plan = await planFoundation(settings, {
    io: io.host,
    offline: options.offline,
    ...awsOverrides(options),
  });
  const region = options.region ?? config.aws.region ?? process.env.AWS_REGION;
  const standing = standingCost(settings, {
    executors: config.serverless.pre_initialized_executors,
    usdPerHour: preInitializedUsdPerHour(config.serverless, region ?? ""),
  });
  const foundationText = `${renderPlan(plan, { verbose: io.verbose })}\n${renderStandingCost(standing)}`;
  if (options.exitCode) {
    // Without credentials the deployed state is unknown: that is an error here, not "changes".
    if (plan.mode === "offline") {
      throw new UsageError("plan --exit-code could not read the deployed stack (no AWS credentials)", {
        hint: "Give the command credentials that can call cloudformation:DescribeStacks and GetTemplate.",
      });
    }
    io.setExitCode(plan.resources.length > 0 ? 2 : 0);
  }
  if (options.target === "emr") {
    // What one run adds on top of the foundation: the cluster, its step and what it costs.
    const run = await planEmrDryRun({
      loaded,
      io: io.host,
      signal: io.signal,
      ...(region ? { region } : {}),
    });
    io.emitJson({ ...plan, standing_cost: standing, emr_run: planJson(run) });
    io.print(`${foundationText}\n${renderEmrRunPlan(run)}`);
    return;
  }
  io.emitJson({ ...plan, standing_cost: standing });
  io.print(foundationText);
}

/**
 * `kindling deploy`: create or update the foundation stack and print its outputs. `--no-execute` makes a
 * change set to review instead; `--change-set NAME` applies exactly that one.
 */
export async function deployCommand(options: DeployOptions, io: CommandIO): Promise<void> {
  const loaded = await loadConfig(options.config, loadOptionsOf(options));
  const settings = foundationSettingsFrom(loaded.config, awsOverrides(options));
  if (options.noExecute) {
    // Nothing is applied: no approval is asked, the environment's included.
    const review = await createFoundationChangeSet(settings, {
      io: io.host,
      changeSetName: changeSetNameAt(new Date()),
      ...awsOverrides(options),
    });
    io.emitJson(review);
    const { plan, changeSetName } = review;
    const apply = `kindling deploy --change-set ${changeSetName}${options.env ? ` --env ${options.env}` : ""}`;
    io.print(
      plan.resources.length === 0
        ? `${plan.stackName} is up to date: no change set was kept.`
        : `${renderPlan(plan, { verbose: io.verbose })}\nChange set ${changeSetName} is ready for review; \`${apply}\` applies exactly it.`,
    );
    return;
  }
  const what = options.changeSet
    ? `execute change set ${options.changeSet}`
    : "create or update the foundation stack";
  await confirmInEnvironment(loaded, "deploy", what, options);
  const confirm = terminalConfirm();
  const outputs = await deployFoundation(settings, {
    io: io.host,
    yes: options.yes,
    ...(confirm ? { confirm } : {}),
    ...(options.changeSet !== undefined ? { changeSetName: options.changeSet } : {}),
    ...awsOverrides(options),
  });
  io.emitJson(outputs);
  io.print(
    Object.entries(outputs)
      .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(", ") : String(v)}`)
      .join("\n"),
  );
}

/** `kindling destroy`: delete the foundation stack; idempotent; data kept unless --delete-data. */
export async function destroyCommand(options: DestroyOptions, io: CommandIO): Promise<void> {
  const loaded = await loadConfig(options.config, loadOptionsOf(options));
  const { config } = loaded;
  const what = `delete the foundation stack${options.deleteData ? " and its data" : ""}`;
  // Asked here (the name typed), the stack's own question would only ask again.
  const asked = await confirmInEnvironment(loaded, "destroy", what, options);
  const confirm = terminalConfirm();
  const outcome = await destroyFoundation(foundationSettingsFrom(config, awsOverrides(options)), {
    io: io.host,
    yes: options.yes || asked,
    deleteData: options.deleteData,
    ...(confirm ? { confirm } : {}),
    ...awsOverrides(options),
  });
  io.emitJson(outcome);
  if (outcome.cancelled) io.print("Nothing was changed.");
}

function awsOverrides(options: { profile?: string; region?: string }): { profile?: string; region?: string } {
  return {
    ...(options.profile ? { profile: options.profile } : {}),
    ...(options.region ? { region: options.region } : {}),
  };
}
