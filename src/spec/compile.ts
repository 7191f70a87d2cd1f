import type { Config } from "../config/schema.js";
import { configuredLine } from "../config/sparkLine.js";
import {
  type ClassifierSpec,
  type DataFormat,
  type FeatureSetSpec,
  type JobSpec,
  SPEC_VERSION,
  type TargetName,
} from "./schema.js";

/** Facts about the run that are not in the config. */
export interface RunFacts {
  runId: string;
  createdAt: Date;
  kindlingVersion: string;
  target: TargetName;
  /** Where the job reads its input (file:// or s3:// URI). */
  inputUri: string;
  /** Where the job writes its outputs (the run directory or prefix). */
  outputUri: string;
  /** Whether the job writes _SUCCESS itself (cloud) or leaves it to the CLI (local). */
  successMarker: boolean;
}

/** Compiles a validated config into the job spec. Pure: same inputs, same spec. */
export function compileSpec(config: Config, facts: RunFacts): JobSpec {
  const { text, features, train } = config;
  return {
    spec_version: SPEC_VERSION,
    run: {
      id: facts.runId,
      created_at: facts.createdAt.toISOString(),
      kindling_version: facts.kindlingVersion,
      target: facts.target,
    },
    input: {
      uri: facts.inputUri,
      format: config.data.format ?? inferFormat(config.data.path),
      text_column: config.data.text,
      label_column: config.data.label,
      // max_field_chars only bounds validation; Spark reads fields of any size.
      csv: {
        header: config.data.csv.header,
        delimiter: config.data.csv.delimiter,
        quote: config.data.csv.quote,
        escape: config.data.csv.escape,
        multiline: config.data.csv.multiline,
        encoding: config.data.csv.encoding,
      },
      max_reject_fraction: config.data.max_reject_fraction,
    },
    text: {
      clean: text.clean.map((rule) => ({ pattern: rule.pattern, replacement: rule.replace })),
      lowercase: text.lowercase,
      tokenizer_pattern: text.tokenizer_pattern,
      min_token_length: text.min_token_length,
      stop_words:
        text.stop_words === "none"
          ? null
          : typeof text.stop_words === "string"
            ? { language: text.stop_words }
            : { words: [...text.stop_words] },
    },
    feature_sets: featureSets(features),
    training: {
      split: { train_fraction: train.train_fraction, seed: train.seed, method: train.split },
      model: train.classifiers.map((kind) => classifier(kind, train)),
      class_weights: train.class_weights,
      cv: {
        folds: train.folds,
        metric: train.metric,
        seed: train.seed,
        parallelism: autoToNull(train.parallelism),
      },
    },
    output: {
      uri: facts.outputUri,
      write_features: config.output.write_features,
      success_marker: facts.successMarker,
    },
    spark: { partitions: config.spark.partitions ?? null, line: configuredLine(config).line },
    // The lifecycle names an entry once it knows the input's checksum and the target's cache.
    prepared_cache: null,
  };
}

function classifier(kind: Config["train"]["classifiers"][number], train: Config["train"]): ClassifierSpec {
  switch (kind) {
    case "logistic_regression":
      return {
        kind,
        grid: {
          max_iter: [...train.grid.max_iter],
          reg_param: [...train.grid.reg_param],
          elastic_net_param: [...train.grid.elastic_net_param],
        },
        standardization: train.standardization,
      };
    case "linear_svc":
      return {
        kind,
        grid: {
          max_iter: [...train.linear_svc.grid.max_iter],
          reg_param: [...train.linear_svc.grid.reg_param],
        },
        standardization: train.standardization,
      };
    case "naive_bayes":
      return {
        kind,
        grid: { smoothing: [...train.naive_bayes.grid.smoothing] },
        model_type: train.naive_bayes.model_type,
      };
  }
}

/** The spec says "decide at run time" with null; the job knows the cores and the data. */
function autoToNull(value: number | "auto"): number | null {
  return value === "auto" ? null : value;
}

function featureSets(features: Config["features"]): FeatureSetSpec[] {
  const sets: FeatureSetSpec[] = [];
  const { hashing_tf: htf, tfidf, word2vec: w2v } = features;
  if (htf.enabled) {
    sets.push({
      name: "hashing_tf",
      kind: "hashing_tf",
      num_features: htf.num_features,
      ngrams: htf.ngrams,
      binary: htf.binary,
    });
  }
  if (tfidf.enabled) {
    sets.push({
      name: "tfidf",
      kind: "tfidf",
      num_features: tfidf.num_features,
      min_doc_freq: tfidf.min_doc_freq,
      ngrams: tfidf.ngrams,
      binary: tfidf.binary,
    });
  }
  if (w2v.enabled) {
    sets.push({
      name: "word2vec",
      kind: "word2vec",
      vector_size: w2v.vector_size,
      min_count: w2v.min_count,
      max_iter: w2v.max_iter,
      num_partitions: autoToNull(w2v.num_partitions),
      step_size: w2v.step_size,
      window_size: w2v.window_size,
      seed: w2v.seed,
      scaler: w2v.scaler,
    });
  }
  return sets;
}

/** Parquet when the path says so, CSV otherwise (the seed's format). */
export function inferFormat(dataPath: string): DataFormat {
  return /\.parquet\/?$/i.test(dataPath) || /\.pq$/i.test(dataPath) ? "parquet" : "csv";
}
