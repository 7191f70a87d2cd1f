import path from "node:path";
import { loadConfig } from "../../config/load.js";
import { foundationSettingsFrom } from "../../infra/fromConfig.js";
import {
  deployFoundation,
  destroyFoundation,
  planFoundation,
  renderPlan,
  synthFoundation,
} from "../../infra/toolkit.js";
import { planJson, renderEmrRunPlan } from "../../targets/emr/plan.js";
import { planEmrDryRun } from "../../targets/emr/runEmr.js";
import { terminalConfirm } from "../confirm.js";
import type { CommandIO } from "../io.js";
import type { DeployOptions, DestroyOptions, PlanOptions, SynthOptions } from "../options.js";

/** `kindling synth`: the foundation's CloudFormation templates; no credentials, no network. */
export async function synthCommand(options: SynthOptions, io: CommandIO): Promise<void> {
  const { config } = await loadConfig(options.config);
  const outDir = path.resolve(io.cwd, options.out);
  const result = await synthFoundation(foundationSettingsFrom(config), { outDir, reporter: io.reporter });
  io.emitJson(result);
  io.reporter.print(
    `${result.stackName}: ${result.templatePaths.map((p) => path.relative(io.cwd, p)).join(", ")} ` +
      `(${(result.templateBytes / 1024).toFixed(1)} KiB, synthesized in ${(result.synthMs / 1000).toFixed(1)}s, cdk-nag: ${result.findings.length} finding(s))`,
  );
}

/** `kindling plan`: what deploy would create or change. */
export async function planCommand(options: PlanOptions, io: CommandIO): Promise<void> {
  const loaded = await loadConfig(options.config);
  const { config } = loaded;
  const plan = await planFoundation(foundationSettingsFrom(config, awsOverrides(options)), {
    reporter: io.reporter,
    offline: options.offline,
    ...awsOverrides(options),
  });
  if (options.target === "emr") {
    // What one run adds on top of the foundation: the cluster, its step and what it costs.
    const region = options.region ?? config.aws.region ?? process.env.AWS_REGION;
    const { plan: run } = await planEmrDryRun({
      loaded,
      reporter: io.reporter,
      aws: () => Promise.reject(new Error("planning makes no EMR call")),
      ...(region ? { region } : {}),
    });
    io.emitJson({ ...plan, emr_run: planJson(run) });
    io.reporter.print(`${renderPlan(plan)}\n${renderEmrRunPlan(run)}`);
    return;
  }
  io.emitJson(plan);
  io.reporter.print(renderPlan(plan));
}

/** `kindling deploy`: create or update the foundation stack and print its outputs. */
export async function deployCommand(options: DeployOptions, io: CommandIO): Promise<void> {
  const { config } = await loadConfig(options.config);
  const confirm = terminalConfirm();
  const outputs = await deployFoundation(foundationSettingsFrom(config, awsOverrides(options)), {
    reporter: io.reporter,
    yes: options.yes,
    ...(confirm ? { confirm } : {}),
    ...awsOverrides(options),
  });
  io.emitJson(outputs);
  io.reporter.print(
    Object.entries(outputs)
      .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(", ") : String(v)}`)
      .join("\n"),
  );
}

/** `kindling destroy`: delete the foundation stack; idempotent; data kept unless --delete-data. */
export async function destroyCommand(options: DestroyOptions, io: CommandIO): Promise<void> {
  const { config } = await loadConfig(options.config);
  const confirm = terminalConfirm();
  const outcome = await destroyFoundation(foundationSettingsFrom(config, awsOverrides(options)), {
    reporter: io.reporter,
    yes: options.yes,
    deleteData: options.deleteData,
    ...(confirm ? { confirm } : {}),
    ...awsOverrides(options),
  });
  io.emitJson(outcome);
  if (outcome.cancelled) io.reporter.print("Nothing was changed.");
}

function awsOverrides(options: { profile?: string; region?: string }): { profile?: string; region?: string } {
  return {
    ...(options.profile ? { profile: options.profile } : {}),
    ...(options.region ? { region: options.region } : {}),
  };
}
