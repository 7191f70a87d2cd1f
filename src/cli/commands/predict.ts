import path from "node:path";
import Table from "cli-table3";
import { type LoadedConfig, loadConfig, loadOptionsOf } from "../../config/load.js";
import { configSchema } from "../../config/schema.js";
import { configuredLine } from "../../config/sparkLine.js";
import { UsageError } from "../../errors.js";
import { predictOn } from "../../predict/execute.js";
import type { PredictOutcome } from "../../predict/outcome.js";
import { planPredict } from "../../predict/plan.js";
import { exists, readJson } from "../../runs/files.js";
import { findRun, runsRoot } from "../../runs/lookup.js";
import type { JobSpec } from "../../spec/types.js";
import { createTarget, type TargetChoice } from "../../targets/registry.js";
import { CODES } from "../../ui/codes.js";
import { formatInteger, formatPercent } from "../../ui/format.js";
import { lineOfSparkVersion, type SparkLine } from "../../versions.js";
import type { CommandIO } from "../io.js";
import type { PredictOptions } from "../options.js";
import { emrDepsFromEnv, targetContext } from "./run.js";

/** `kindling predict`: score raw text with a run's saved model, writing input columns + predictions. */
export async function predictCommand(
  options: PredictOptions,
  io: CommandIO,
): Promise<PredictOutcome | undefined> {
  if (options.dryRun && options.target !== "emr") {
    throw new UsageError("--dry-run goes with --target emr (a local prediction has nothing to preview)");
  }
  const run = await findRun(options.run, await runsRoot(options, io.cwd), io.cwd, {
    complete: true,
    io: io.host,
  });
  const spec = await readJson<JobSpec>(path.join(run.dir, "spec.json")).catch(() => undefined);
  const loaded = await projectConfig(options, io);
  // The project's config says which Spark line scores; without one, the line the run was trained on.
  const config = loaded ?? defaults(run.dir, lineOfSparkVersion(run.manifest?.versions.spark ?? ""));
  const line = configuredLine(config.config);
  const plan = await planPredict({
    run,
    spec,
    scoring: { ...line, basis: scoringBasis(loaded) },
    input: path.resolve(io.cwd, options.input),
    output: path.resolve(io.cwd, options.output),
    force: options.force,
    ...(options.featureSet ? { featureSet: options.featureSet } : {}),
    ...(options.textColumn ? { textColumn: options.textColumn } : {}),
  });
  for (const warning of plan.warnings) io.host.notify(CODES.PREDICT_NOTE.msg(warning, { runId: plan.runId }));
  if (options.dryRun) {
    const { predictEmrDryRun } = await import("../../targets/emr/predict.js");
    const json = await predictEmrDryRun(plan, (await requireConfig(loaded, options)).config, io.host);
    io.emitJson(json);
    io.print(
      `Dry run of predict ${json.predict_id} (no AWS call; <…> are the foundation stack's outputs):\n` +
        json.uploads.map((u) => `  upload ${u.from} → ${u.to} (${u.bytes} bytes)`).join("\n") +
        `\nRunJobFlow request:\n${JSON.stringify(json.run_job_flow, null, 2)}`,
    );
    return undefined;
  }
  io.host.notify(
    CODES.PREDICT_START.msg(
      `Scoring ${path.basename(plan.input.file)} with ${plan.featureSet} from run ${plan.runId}`,
      {
        runId: plan.runId,
        featureSet: plan.featureSet,
        input: plan.input.file,
      },
    ),
  );
  // The cloud targets read their sizes, release and the foundation from the project's kindling.yaml;
  // scoring here needs none.
  const cloud = options.target === "emr" || options.target === "emr-serverless";
  const target = await createTarget(
    targetChoice(options),
    targetContext(cloud ? await requireConfig(loaded, options) : config, io),
  );
  const outcome = await predictOn(target, plan);
  const { result } = outcome;
  if (result.empty_text > 0) {
    const n = result.empty_text;
    io.host.notify(
      CODES.PREDICT_NOTE.msg(
        `${formatInteger(n)} row${n === 1 ? " has" : "s have"} no text (null or blank): training dropped such rows, so ${n === 1 ? "its prediction is" : "they all get the one prediction of"} an empty text, not a judgement of the row`,
        { runId: plan.runId },
      ),
    );
  }
  io.emitJson({
    run_id: plan.runId,
    feature_set: plan.featureSet,
    input: plan.input.file,
    output: outcome.output,
    format: plan.output.format,
    rows: result.rows,
    empty_text: result.empty_text,
    predicted: result.predicted,
  });
  const table = new Table({ head: ["predicted label", "rows", "share"], style: { head: [], border: [] } });
  for (const label of result.labels) {
    const n = result.predicted[label] ?? 0;
    table.push([label, formatInteger(n), formatPercent(result.rows ? n / result.rows : null)]);
  }
  io.print(
    `${table.toString()}\nScored ${formatInteger(result.rows)} rows with ${plan.featureSet} (run ${plan.runId}).\nPredictions: ${outcome.output}`,
  );
  return outcome;
}

function targetChoice(options: PredictOptions): TargetChoice {
  if (options.target === "emr") {
    return {
      name: "emr",
      ...(options.profile ? { profile: options.profile } : {}),
      ...(options.region ? { region: options.region } : {}),
      deps: emrDepsFromEnv(),
    };
  }
  if (options.target === "emr-serverless") {
    const poll = emrDepsFromEnv().pollMs;
    return {
      name: "emr-serverless",
      ...(options.profile ? { profile: options.profile } : {}),
      ...(options.region ? { region: options.region } : {}),
      deps: poll !== undefined ? { pollMs: poll } : {},
    };
  }
  if (options.target === "standalone") return { name: "standalone" };
  return { name: "local", ...(options.master ? { master: options.master } : {}) };
}

/** What chose the scoring line, for the message that refuses a run of another. */
function scoringBasis(loaded: LoadedConfig | undefined): string {
  if (!loaded) return "the default line"; // a run of a line Kindling does not run
  const file = path.basename(loaded.file);
  return loaded.config.spark.line ? `${file}'s spark.line` : `${file} (no spark.line: the default line)`;
}

/** The project's kindling.yaml, when there is one where -c points. */
async function projectConfig(options: PredictOptions, io: CommandIO): Promise<LoadedConfig | undefined> {
  const file = path.resolve(io.cwd, options.config);
  return (await exists(file)) ? loadConfig(file, loadOptionsOf(options)) : undefined;
}

async function requireConfig(
  loaded: LoadedConfig | undefined,
  options: PredictOptions,
): Promise<LoadedConfig> {
  if (loaded) return loaded;
  throw new UsageError(
    `predict --target ${options.target} reads the cloud settings (sizes, release, the foundation stack) from ${options.config}, which is missing`,
    { hint: "Run it in the project folder, or pass -c <kindling.yaml>." },
  );
}

/**
 * Scoring locally needs no project config (the run's spec says how its data was read): the defaults do, on
 * the Spark line the run was trained on when Kindling runs that line.
 */
function defaults(runDir: string, line: SparkLine | undefined): LoadedConfig {
  const spark = line ? { line } : {};
  return { config: configSchema.parse({ data: { path: "unused" }, spark }), file: "", dir: runDir };
}
