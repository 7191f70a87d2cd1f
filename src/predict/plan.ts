import { stat } from "node:fs/promises";
import path from "node:path";
import { configSchema } from "../config/schema.js";
import { type DataSettings, validateData } from "../data/validate.js";
import { UsageError } from "../errors.js";
import { exists } from "../runs/files.js";
import type { Manifest } from "../runs/manifest.js";
import type { Metrics } from "../runs/metrics.js";
import type { RunSummary } from "../runs/store.js";
import { type JobSpec, SPEC_VERSION } from "../spec/types.js";
import { type LinePairing, lineOfSparkVersion, VERSIONS } from "../versions.js";
import { conflictingColumns, csvColumns } from "./columns.js";
import type { DataFormat } from "./spec.js";

/** A predict request that passed every check that needs no Spark. Target-independent. */
export interface PredictPlan {
  runId: string;
  runDir: string;
  trainSpec: JobSpec;
  featureSet: string;
  /** The model directory: runs/<id>/models/<feature set>. */
  modelDir: string;
  labels: string[];
  input: { file: string; format: DataFormat };
  /** The input's column with the text: the model's text column, unless --text-column names another. */
  textColumn: string;
  output: { file: string; format: DataFormat };
  /** Replace an existing output. */
  force: boolean;
  /** Things worth saying that do not stop the prediction (e.g. a Spark patch-version difference). */
  warnings: string[];
}

export interface PlanRequest {
  run: RunSummary;
  /** The run's spec.json (undefined when unreadable). */
  spec: JobSpec | undefined;
  featureSet?: string;
  /** The input's column that holds the text, when it is not named as the model's (--text-column). */
  textColumn?: string;
  input: string;
  output: string;
  force: boolean;
  /** The Spark line that scores, and why that one (shown when it cannot read the run's models). */
  scoring?: ScoringLine;
}

export function formatOf(file: string, role: "--input" | "--output"): DataFormat {
  const ext = path.extname(file).toLowerCase();
  if (ext === ".csv") return "csv";
  if (ext === ".parquet") return "parquet";
  throw new UsageError(`${role} ${file}: the extension must be .csv or .parquet (it sets the format)`);
}

/**
 * Checks a predict request before any Spark job: the run is complete and compatible, the feature set and
 * its model exist, the input has the text column and no clashing ones, the output is free (or --force).
 */
export async function planPredict(req: PlanRequest): Promise<PredictPlan> {
  const { run } = req;
  const manifest = run.manifest;
  if (!run.complete || !manifest || !run.metrics || !req.spec) {
    throw new UsageError(
      `run ${run.id} is not complete (${manifest?.status ?? "no manifest"}, no _SUCCESS marker): it has no models to score with`,
      { hint: "Pick a succeeded run from `kindling runs`." },
    );
  }
  const warnings = compatibility(
    run.id,
    manifest,
    req.spec,
    req.scoring ?? { ...VERSIONS, basis: "the default line" },
  );
  const featureSet = modelKeyOf(run.id, run.metrics, req.featureSet ?? run.metrics.best_feature_set);
  const modelDir = path.join(run.dir, "models", featureSet);
  if (!(await exists(path.join(modelDir, "metadata")))) {
    throw new UsageError(
      `run ${run.id} has no saved model for ${featureSet} (${modelDir} is missing or empty)`,
    );
  }

  const input = path.resolve(req.input);
  const output = path.resolve(req.output);
  const inputFormat = formatOf(input, "--input");
  const outputFormat = formatOf(output, "--output");
  const info = await stat(input).catch(() => undefined);
  if (!info) throw new UsageError(`--input ${input} not found`);
  if (input === output) throw new UsageError("--output must differ from --input");
  const modelText = req.spec.input.text_column;
  const textColumn = req.textColumn ?? modelText;
  if (inputFormat === "csv") {
    const columns = await csvColumns(input, req.spec.input.csv);
    checkColumns(input, columns, { text: textColumn, model: modelText }, run.metrics.label_values);
  }
  // The same streamed checks as `kindling run` (encoding, delimiter, quotes, binary files, Parquet types),
  // with the options the model was trained with: a file the job would misread is refused here.
  await validateData(predictInputSettings(input, inputFormat, textColumn, req.spec), {
    baseDir: path.dirname(input),
    mode: "predict",
  });
  await checkOutput(output, req.force);
  return {
    runId: run.id,
    runDir: run.dir,
    trainSpec: req.spec,
    featureSet,
    modelDir,
    labels: run.metrics.label_values,
    input: { file: input, format: inputFormat },
    textColumn,
    output: { file: output, format: outputFormat },
    force: req.force,
    warnings,
  };
}

/** The Spark line a prediction runs on, and what chose it ("kindling.yaml's spark.line"). */
export interface ScoringLine extends LinePairing {
  basis: string;
}

/**
 * A saved Spark ML model loads in the Spark minor version (line) that wrote it; the job spec version says
 * whether this Kindling's job understands the run. A different patch version only warns.
 */
export function compatibility(
  runId: string,
  manifest: Manifest,
  spec: JobSpec,
  scoring: ScoringLine,
): string[] {
  const sparkVersion = scoring.spark;
  const retrain = { hint: "Retrain with `kindling run` to get a model this Kindling can use." };
  if (spec.spec_version !== SPEC_VERSION || manifest.manifest_version !== 1) {
    throw new UsageError(
      `run ${runId} was made with job spec v${spec.spec_version} (manifest v${manifest.manifest_version}); this Kindling reads job spec v${SPEC_VERSION} (manifest v1)`,
      retrain,
    );
  }
  const trained = manifest.versions.spark;
  if (!trained)
    throw new UsageError(`run ${runId} does not record the Spark version that saved its models`, retrain);
  const trainedLine = lineOfSparkVersion(trained);
  if (trainedLine !== scoring.line) {
    throw new UsageError(
      `run ${runId}'s models were saved by Spark ${trained}; ${scoring.basis} scores with Spark ${sparkVersion} (line ${scoring.line}), and Spark ML models are only read back by the Spark line that saved them`,
      trainedLine
        ? {
            hint: `Set spark.line: "${trainedLine}" in kindling.yaml to score this run with Spark ${trainedLine}, or retrain it with \`kindling run\` on line ${scoring.line}.`,
          }
        : retrain,
    );
  }
  return trained === sparkVersion
    ? []
    : [
        `run ${runId} was trained with Spark ${trained}; scoring with Spark ${sparkVersion} (same minor version)`,
      ];
}

/**
 * The model `--feature-set NAME` picks: a model key (`tfidf`, `tfidf/naive_bayes`), or a feature set the run
 * trained several classifiers on, meaning its model with the best cross-validation score.
 */
export function modelKeyOf(runId: string, metrics: Metrics, name: string): string {
  const available = Object.keys(metrics.feature_sets);
  if (available.includes(name)) return name;
  const ofSet = available.filter((key) => key.startsWith(`${name}/`));
  const best = ofSet.sort(
    (a, b) => (metrics.feature_sets[b]?.cv_best ?? 0) - (metrics.feature_sets[a]?.cv_best ?? 0),
  )[0];
  if (best) return best;
  throw new UsageError(`feature set "${name}" is not in run ${runId}; it has: ${available.join(", ")}`, {
    hint: `Drop --feature-set to use the best one (${metrics.best_feature_set}).`,
  });
}

function checkColumns(
  file: string,
  columns: string[],
  text: { text: string; model: string },
  labels: string[],
): void {
  if (!columns.includes(text.text)) {
    const mapped = text.text !== text.model;
    throw new UsageError(
      `--input ${file} has no "${text.text}" column (${mapped ? "--text-column" : "the text column the model was trained on"}); its columns are: ${columns.join(", ") || "(none)"}`,
      { hint: `Pass --text-column with the column that holds the text, or rename it to "${text.model}".` },
    );
  }
  if (text.text !== text.model && columns.includes(text.model)) {
    throw new UsageError(
      `--input ${file} has both "${text.text}" (--text-column) and "${text.model}", the model's text column, which scoring reads "${text.text}" as`,
      { hint: `Rename or drop the input's "${text.model}" column.` },
    );
  }
  const clash = conflictingColumns(columns, labels);
  if (clash.length) {
    throw new UsageError(
      `--input ${file} already has column(s) ${clash.map((c) => `"${c}"`).join(", ")}, which predict writes; rename or drop them`,
    );
  }
}

async function checkOutput(output: string, force: boolean): Promise<void> {
  const info = await stat(output).catch(() => undefined);
  if (info?.isDirectory()) throw new UsageError(`--output ${output} is a directory; name a file`);
  if (info && !force) {
    throw new UsageError(`--output ${output} already exists`, { hint: "Pass --force to replace it." });
  }
  const parent = await stat(path.dirname(output)).catch(() => undefined);
  if (!parent?.isDirectory()) throw new UsageError(`--output: folder ${path.dirname(output)} does not exist`);
}

/** The data settings the input is validated with: the training run's CSV options, the defaults otherwise. */
function predictInputSettings(
  input: string,
  format: DataFormat,
  textColumn: string,
  spec: JobSpec,
): DataSettings {
  const { label: _label, ...settings } = configSchema.shape.data.parse({
    path: input,
    format,
    text: textColumn,
    csv: spec.input.csv,
  });
  return settings;
}
