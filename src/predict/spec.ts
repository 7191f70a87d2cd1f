import { type JobSpec, SPEC_VERSION, type Target } from "../spec/types.js";

export type DataFormat = "csv" | "parquet";

/**
 * The predict spec (docs/job-spec.md): the second entry mode of the same Spark job. URIs may be local
 * (`file://`) or remote (`s3://`), so every target builds the same document.
 */
export interface PredictSpec {
  spec_version: typeof SPEC_VERSION;
  kind: "predict";
  /** The training run whose model is used (names the Spark application). */
  run: { id: string; kindling_version: string; target: Target };
  model: { uri: string; feature_set: string };
  input:
    | { uri: string; format: "csv"; text_column: string; csv: JobSpec["input"]["csv"] }
    | { uri: string; format: "parquet"; text_column: string };
  /** A directory that must not exist; the job writes `data/` (one file) and `predict.json` in it. */
  output: { uri: string; format: DataFormat };
}

export interface PredictSpecFacts {
  runId: string;
  kindlingVersion: string;
  target: Target;
  /** The training run's spec: the text column and CSV dialect the model was trained with. */
  trainSpec: JobSpec;
  modelUri: string;
  featureSet: string;
  inputUri: string;
  inputFormat: DataFormat;
  outputUri: string;
  outputFormat: DataFormat;
}

/** Pure: same facts, same spec. New input is read with the training data's CSV dialect. */
export function buildPredictSpec(f: PredictSpecFacts): PredictSpec {
  const text_column = f.trainSpec.input.text_column;
  return {
    spec_version: SPEC_VERSION,
    kind: "predict",
    run: { id: f.runId, kindling_version: f.kindlingVersion, target: f.target },
    model: { uri: f.modelUri, feature_set: f.featureSet },
    input:
      f.inputFormat === "csv"
        ? { uri: f.inputUri, format: "csv", text_column, csv: { ...f.trainSpec.input.csv } }
        : { uri: f.inputUri, format: "parquet", text_column },
    output: { uri: f.outputUri, format: f.outputFormat },
  };
}

/** What the job writes in output/predict.json. */
export interface PredictResult {
  feature_set: string;
  labels: string[];
  rows: number;
  predicted: Record<string, number>;
}
