/**
 * The job spec (v1): the only input the Spark job receives. Documented in docs/job-spec.md; the Python
 * side reads it in spark/kindling_job/spec.py. Bump SPEC_VERSION on any incompatible change.
 */
export const SPEC_VERSION = 1;

export type Target = "local" | "spark" | "standalone" | "emr";

export interface JobSpec {
  spec_version: typeof SPEC_VERSION;
  run: { id: string; created_at: string; kindling_version: string; target: Target };
  input: {
    uri: string;
    format: "csv" | "parquet";
    text_column: string;
    label_column: string;
    csv: {
      header: boolean;
      delimiter: string;
      quote: string;
      escape: string;
      multiline: boolean;
      encoding: string;
    };
    /** Share of malformed rows (wrong field count) above which the job fails; optional in v1 (default 0.01). */
    max_reject_fraction: number;
  };
  text: {
    clean: Array<{ pattern: string; replacement: string }>;
    lowercase: boolean;
    tokenizer_pattern: string;
    min_token_length: number;
    stop_words: { language: "english" } | { words: string[] } | null;
  };
  feature_sets: FeatureSetSpec[];
  training: {
    split: { train_fraction: number; seed: number };
    model: {
      kind: "logistic_regression";
      grid: { max_iter: number[]; reg_param: number[]; elastic_net_param: number[] };
    };
    /** null: the job picks min(grid points, cores Spark sees). */
    cv: { folds: number; metric: string; seed: number; parallelism: number | null };
  };
  output: { uri: string; write_features: boolean; success_marker: boolean };
  spark: { partitions: number | null };
}

export type FeatureSetSpec =
  | { name: string; kind: "hashing_tf"; num_features: number }
  | { name: string; kind: "tfidf"; num_features: number; min_doc_freq: number }
  | {
      name: string;
      kind: "word2vec";
      vector_size: number;
      min_count: number;
      max_iter: number;
      /** null: the cores Spark sees. */
      num_partitions: number | null;
      step_size: number;
      window_size: number;
      seed: number;
      scaler: "minmax" | "none";
    };
