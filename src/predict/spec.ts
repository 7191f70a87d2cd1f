import type { PredictSpec } from "../spec/predictSchema.js";
import { type DataFormat, type JobSpec, SPEC_VERSION, type TargetName } from "../spec/schema.js";

// The predict spec's schema lives with the training spec's (src/spec/predictSchema.ts): one contract.
export type { DataFormat, PredictSpec };

export interface PredictSpecFacts {
  runId: string;
  kindlingVersion: string;
  target: TargetName;
  /** The training run's spec: the text column and CSV dialect the model was trained with. */
  trainSpec: JobSpec;
  modelUri: string;
  featureSet: string;
  /** The input's text column (default: the model's). */
  textColumn?: string;
  inputUri: string;
  inputFormat: DataFormat;
  outputUri: string;
  outputFormat: DataFormat;
}

/** Pure: same facts, same spec. New input is read with the training data's CSV dialect. */
export function buildPredictSpec(f: PredictSpecFacts): PredictSpec {
  const modelText = f.trainSpec.input.text_column;
  const text_column = f.textColumn ?? modelText;
  return {
    spec_version: SPEC_VERSION,
    kind: "predict",
    run: { id: f.runId, kindling_version: f.kindlingVersion, target: f.target },
    model: { uri: f.modelUri, feature_set: f.featureSet, text_column: modelText },
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
  /** Rows whose text is null or blank: training dropped such rows; they all get an empty text's prediction. */
  empty_text: number;
  predicted: Record<string, number>;
}
