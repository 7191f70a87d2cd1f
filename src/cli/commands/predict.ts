import path from "node:path";
import Table from "cli-table3";
import type { LoadedConfig } from "../../config/load.js";
import { loadConfig } from "../../config/load.js";
import { UsageError } from "../../errors.js";
import { predictEmr, predictEmrDryRun } from "../../predict/emr.js";
import type { PredictExecutor, PredictOutcome } from "../../predict/executor.js";
import { predictLocal } from "../../predict/local.js";
import { planPredict } from "../../predict/plan.js";
import { formatInteger, formatPercent } from "../../report/format.js";
import { exists, readJson } from "../../runs/files.js";
import { findRun, runsRoot } from "../../runs/resolve.js";
import type { JobSpec } from "../../spec/types.js";
import { createEmrAws } from "../../targets/emr/aws.js";
import type { CommandIO } from "../io.js";
import type { PredictOptions } from "../options.js";
import { pollingFromEnv } from "./runEmr.js";

/** Where predict can run; a target registers its executor here. */
export const PREDICT_TARGETS: Record<PredictOptions["target"], PredictExecutor> = {
  local: predictLocal,
  emr: async (plan, context) => {
    const loaded = await emrConfig(context.configFile);
    const region = loaded.config.aws.region;
    return predictEmr(plan, context, {
      loaded,
      aws: () => createEmrAws(region ? { region } : {}),
      ...pollingFromEnv(),
    });
  },
};

/** The EMR target's settings (instances, release, foundation stack) come from the project's kindling.yaml. */
async function emrConfig(file: string | undefined): Promise<LoadedConfig> {
  if (!file || !(await exists(file))) {
    throw new UsageError(
      `predict --target emr reads the EMR settings from ${file ?? "kindling.yaml"}, which is missing`,
      { hint: "Run it in the project folder, or pass -c <kindling.yaml>." },
    );
  }
  return loadConfig(file);
}

/** `kindling predict`: score raw text with a run's saved model, writing input columns + predictions. */
export async function predictCommand(
  options: PredictOptions,
  io: CommandIO,
): Promise<PredictOutcome | undefined> {
  if (options.dryRun && options.target !== "emr") {
    throw new UsageError("--dry-run goes with --target emr (a local prediction has nothing to preview)");
  }
  const run = await findRun(options.run, await runsRoot(options.config, io.cwd), io.cwd);
  const spec = await readJson<JobSpec>(path.join(run.dir, "spec.json")).catch(() => undefined);
  const plan = await planPredict({
    run,
    spec,
    input: path.resolve(io.cwd, options.input),
    output: path.resolve(io.cwd, options.output),
    force: options.force,
    ...(options.featureSet ? { featureSet: options.featureSet } : {}),
  });
  for (const warning of plan.warnings) io.reporter.warn(warning);
  if (options.dryRun) {
    const json = await predictEmrDryRun(plan, await emrConfig(path.resolve(io.cwd, options.config)));
    io.emitJson(json);
    io.reporter.print(
      `Dry run of predict ${json.predict_id} (no AWS call; <…> are the foundation stack's outputs):\n` +
        json.uploads.map((u) => `  upload ${u.from} → ${u.to} (${u.bytes} bytes)`).join("\n") +
        `\nRunJobFlow request:\n${JSON.stringify(json.run_job_flow, null, 2)}`,
    );
    return undefined;
  }
  io.reporter.info(
    `Scoring ${path.basename(plan.input.file)} with ${plan.featureSet} from run ${plan.runId}`,
  );
  const outcome = await PREDICT_TARGETS[options.target](plan, {
    reporter: io.reporter,
    verbose: options.verbose,
    signal: io.signal,
    ...(options.master ? { master: options.master } : {}),
    configFile: path.resolve(io.cwd, options.config),
  });
  const { result } = outcome;
  io.emitJson({
    run_id: plan.runId,
    feature_set: plan.featureSet,
    input: plan.input.file,
    output: outcome.output,
    format: plan.output.format,
    rows: result.rows,
    predicted: result.predicted,
  });
  const table = new Table({ head: ["predicted label", "rows", "share"], style: { head: [], border: [] } });
  for (const label of result.labels) {
    const n = result.predicted[label] ?? 0;
    table.push([label, formatInteger(n), formatPercent(result.rows ? n / result.rows : null)]);
  }
  io.reporter.print(
    `${table.toString()}\nScored ${formatInteger(result.rows)} rows with ${plan.featureSet} (run ${plan.runId}).\nPredictions: ${outcome.output}`,
  );
  return outcome;
}
