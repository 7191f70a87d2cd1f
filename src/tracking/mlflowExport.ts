import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { stringify } from "yaml";
import { UsageError } from "../errors.js";
import { METRIC_NAMES } from "../report/data.js";
import { runSettings } from "../report/settings.js";
import { readReportSources } from "../report/write.js";
import { exists, filesUnder } from "../runs/files.js";
import type { Manifest } from "../runs/manifest.js";
import type { Metrics } from "../runs/metrics.js";
import { KINDLING_VERSION } from "../versions.js";
import type { MlflowClient, MlflowMetric, MlflowParam, MlflowTag } from "./mlflowClient.js";

/** The tag that ties an MLflow run to its Kindling run: exporting again finds it instead of adding one. */
export const RUN_ID_TAG = "kindling.run_id";
/** MLflow caps a param value at 6000 characters; longer settings (a long clean rule list) are cut. */
const MAX_PARAM = 6000;
/** Where the best model goes among the run's artifacts: `runs:/<id>/model`. */
export const MODEL_ARTIFACT = "model";
/** The run's own files worth keeping beside it. */
const RUN_FILES = ["report.html", "metrics.json", "manifest.json", "spec.json", "job.json"];

export interface ExportResult {
  runId: string;
  experimentId: string;
  mlflowRunId: string;
  /** The run's page in the MLflow UI. */
  url: string;
  /** It had been exported before: nothing was added. */
  existing: boolean;
}

/**
 * Exports one complete run to MLflow: the job spec's settings as params, every model's test metrics and
 * cross-validation scores (one step per grid point), identity tags, the run's files as artifacts and
 * the best model in MLflow's Spark flavor (`mlflow.spark.load_model("runs:/<id>/model")` loads it). A
 * run exported before is found by its tag and left as it is; one whose export stopped half-way is
 * finished.
 */
export async function exportRunToMlflow(
  runDir: string,
  client: MlflowClient,
  options: { experiment?: string; now?: () => Date } = {},
): Promise<ExportResult> {
  const sources = await readReportSources(runDir);
  const { manifest, metrics, spec } = sources;
  if (!sources.complete || !metrics) {
    throw new UsageError(
      `run ${manifest.run_id} is not complete (${manifest.status}); only finished runs are exported`,
      {
        hint: "`kindling runs` shows how it ended.",
      },
    );
  }
  const experimentId = await client.experimentId(options.experiment ?? manifest.project);
  const url = (runId: string) => `${client.uri}/#/experiments/${experimentId}/runs/${runId}`;
  const previous = await client.runsTagged(experimentId, RUN_ID_TAG, manifest.run_id);
  const done = previous.find((r) => r.status === "FINISHED");
  if (done) {
    return {
      runId: manifest.run_id,
      experimentId,
      mlflowRunId: done.run_id,
      url: url(done.run_id),
      existing: true,
    };
  }
  const run =
    previous[0] ??
    (await client.createRun(
      experimentId,
      manifest.run_id,
      Date.parse(manifest.created_at),
      tagsOf(manifest),
    ));
  const at = Date.parse(manifest.finished_at ?? manifest.created_at);
  await client.logBatch(run.run_id, {
    params: paramsOf(spec, manifest),
    metrics: metricsOf(metrics, manifest, at),
  });
  for (const name of RUN_FILES) {
    const file = path.join(runDir, name);
    if (await exists(file)) await client.uploadArtifact(run.artifact_uri, name, await readFile(file));
  }
  await uploadModel(
    client,
    run.artifact_uri,
    runDir,
    metrics,
    manifest,
    run.run_id,
    options.now ?? (() => new Date()),
  );
  await client.finishRun(run.run_id, at);
  return {
    runId: manifest.run_id,
    experimentId,
    mlflowRunId: run.run_id,
    url: url(run.run_id),
    existing: false,
  };
}

function tagsOf(m: Manifest): MlflowTag[] {
  const own: MlflowTag[] = [
    { key: RUN_ID_TAG, value: m.run_id },
    { key: "kindling.target", value: m.target },
    { key: "kindling.master", value: m.master },
    { key: "kindling.input_uri", value: m.input.uri },
    { key: "kindling.input_sha256", value: m.input.sha256 },
    { key: "kindling.config_hash", value: m.config_hash },
    ...Object.entries(m.versions).map(([k, v]) => ({ key: `kindling.version.${k}`, value: String(v) })),
    { key: "mlflow.source.name", value: "kindling" },
    { key: "mlflow.source.type", value: "JOB" },
    ...(m.note ? [{ key: "mlflow.note.content", value: m.note }] : []),
  ];
  // A person's tags travel as they are, unless they would pass for MLflow's or Kindling's own.
  const mine = Object.entries(m.tags ?? {})
    .filter(([k]) => !k.startsWith("mlflow.") && !k.startsWith("kindling."))
    .map(([key, value]) => ({ key: mlflowKey(key), value }));
  return [...own, ...mine];
}

/**
 * A key MLflow accepts (letters, digits and `_ - . : /` and spaces): list positions become path segments
 * (`text.clean[0].pattern` → `text.clean.0.pattern`), anything else an underscore.
 */
export function mlflowKey(key: string): string {
  return key.replace(/\[(\d+)\]/g, ".$1").replace(/[^A-Za-z0-9_\-. :/]/g, "_");
}

function paramsOf(spec: Parameters<typeof runSettings>[0], m: Manifest): MlflowParam[] {
  const params = runSettings(spec).map(([key, value]) => ({
    key: mlflowKey(key),
    value: value.slice(0, MAX_PARAM),
  }));
  if (m.overrides?.length)
    params.push({ key: "overrides", value: m.overrides.join(" ").slice(0, MAX_PARAM) });
  return params;
}

/**
 * `<model>.<metric>` for every model (and the best model's under their plain names, for sorting runs in
 * MLflow's UI), `<model>.cv_<metric>` with one step per grid point, rows and duration; cost for cloud runs.
 */
function metricsOf(metrics: Metrics, m: Manifest, timestamp: number): MlflowMetric[] {
  const out: MlflowMetric[] = [];
  const add = (key: string, value: number | null | undefined, step = 0) => {
    if (typeof value === "number" && Number.isFinite(value))
      out.push({ key: mlflowKey(key), value, timestamp, step });
  };
  for (const [model, set] of Object.entries(metrics.feature_sets)) {
    for (const name of METRIC_NAMES) add(`${model}.${name}`, set[name]);
    add(`${model}.cv_best`, set.cv_best ?? Math.max(...set.cv_scores.map((s) => s.metric)));
    for (const [step, score] of set.cv_scores.entries())
      add(`${model}.cv_${set.cv_metric}`, score.metric, step);
  }
  const best = metrics.feature_sets[metrics.best_feature_set];
  if (best) for (const name of METRIC_NAMES) add(name, best[name]);
  add("rows_used", m.rows?.used);
  add("duration_seconds", m.duration_seconds);
  const cost = m.emr?.cost ?? m.serverless?.cost;
  add("cost_usd", cost?.actual ?? cost?.estimated);
  return out;
}

/** The best model as MLflow's Spark flavor: MLmodel, its environment files, and the PipelineModel as sparkml/. */
async function uploadModel(
  client: MlflowClient,
  artifactUri: string,
  runDir: string,
  metrics: Metrics,
  m: Manifest,
  mlflowRunId: string,
  now: () => Date,
): Promise<void> {
  const models = path.join(runDir, "models");
  const modelDir = path.join(models, ...metrics.best_feature_set.split("/"));
  // metrics.json may come from someone else's push: its model key must not lead out of models/.
  if (!modelDir.startsWith(models + path.sep)) {
    throw new UsageError(
      `run ${m.run_id} names its best model ${JSON.stringify(metrics.best_feature_set)}, which is not a folder under models/`,
    );
  }
  if (!(await exists(modelDir))) {
    throw new UsageError(
      `run ${m.run_id} has no model folder ${modelDir}; its best model cannot be exported`,
      {
        hint: "A run copied without its models/ folder cannot be exported; pull or collect it whole.",
      },
    );
  }
  for (const [name, text] of Object.entries(mlflowModelFiles(m, mlflowRunId, now()))) {
    await client.uploadArtifact(artifactUri, `${MODEL_ARTIFACT}/${name}`, Buffer.from(text));
  }
  for (const file of await filesUnder(modelDir)) {
    await client.uploadArtifact(
      artifactUri,
      `${MODEL_ARTIFACT}/sparkml/${file}`,
      await readFile(path.join(modelDir, file)),
    );
  }
}

/**
 * The files `mlflow.spark.save_model` writes beside the model, for the versions the run used: MLmodel
 * (the spark and python_function flavors), requirements.txt, conda.yaml and python_env.yaml.
 */
export function mlflowModelFiles(m: Manifest, mlflowRunId: string, now: Date): Record<string, string> {
  const spark = m.versions.spark ?? "";
  const python = m.versions.python ?? "";
  const requirements = spark ? [`pyspark==${spark}`] : ["pyspark"];
  const mlmodel = {
    artifact_path: MODEL_ARTIFACT,
    flavors: {
      python_function: {
        data: "sparkml",
        env: { conda: "conda.yaml", virtualenv: "python_env.yaml" },
        loader_module: "mlflow.spark",
        python_version: python,
      },
      spark: {
        code: null,
        model_class: "pyspark.ml.pipeline.PipelineModel",
        model_data: "sparkml",
        pyspark_version: spark,
      },
    },
    model_uuid: randomUUID().replaceAll("-", ""),
    run_id: mlflowRunId,
    utc_time_created: now.toISOString().replace("T", " ").replace("Z", ""),
    metadata: { kindling_version: KINDLING_VERSION, kindling_run_id: m.run_id },
  };
  return {
    MLmodel: stringify(mlmodel),
    "requirements.txt": `${requirements.join("\n")}\n`,
    "conda.yaml": stringify({
      channels: ["conda-forge"],
      dependencies: [`python=${python}`, "pip", { pip: requirements }],
      name: "mlflow-env",
    }),
    "python_env.yaml": stringify({
      python,
      build_dependencies: ["pip", "setuptools", "wheel"],
      dependencies: ["-r requirements.txt"],
    }),
  };
}
