import type { JobSpec } from "../spec/types.js";

/**
 * What a run was set to, as `key.path → value` lines named by the config keys users write in
 * kindling.yaml (`train.grid.reg_param`, `features.tfidf.num_features`), in the config's order: what a
 * report shows and what `kindling compare` diffs. Read back from the spec the run ran with, so runs made
 * from different config files (or none) compare the same way. The run's identity and where it read and
 * wrote are left out (they always differ).
 */
export function runSettings(spec: JobSpec): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  walk(configView(spec), "", out);
  return out;
}

/** The spec's settings shaped as the `data`, `text`, `features`, `train`, `output` and `spark` sections. */
function configView(spec: JobSpec): Record<string, unknown> {
  const { input, text, training } = spec;
  const sets = new Map(spec.feature_sets.map((f) => [f.kind, f]));
  const feature = (kind: JobSpec["feature_sets"][number]["kind"]) => {
    const set = sets.get(kind);
    if (!set) return { enabled: false };
    const { name: _name, kind: _kind, ...fields } = set;
    const w2v = "num_partitions" in fields ? { num_partitions: fields.num_partitions ?? "auto" } : {};
    return { enabled: true, ...fields, ...w2v };
  };
  return {
    data: {
      format: input.format,
      text: input.text_column,
      label: input.label_column,
      csv: input.csv,
      max_reject_fraction: input.max_reject_fraction,
    },
    text: {
      clean: text.clean.map((r) => ({ pattern: r.pattern, replace: r.replacement })),
      lowercase: text.lowercase,
      tokenizer_pattern: text.tokenizer_pattern,
      min_token_length: text.min_token_length,
      stop_words:
        text.stop_words === null
          ? "none"
          : "language" in text.stop_words
            ? text.stop_words.language
            : text.stop_words.words,
    },
    features: { hashing_tf: feature("hashing_tf"), tfidf: feature("tfidf"), word2vec: feature("word2vec") },
    train: {
      train_fraction: training.split.train_fraction,
      seed: training.split.seed,
      folds: training.cv.folds,
      metric: training.cv.metric,
      parallelism: training.cv.parallelism ?? "auto",
      ...classifierSettings(training.model),
      class_weights: training.class_weights,
    },
    output: { write_features: spec.output.write_features },
    ...(spec.spark.partitions !== null ? { spark: { partitions: spec.spark.partitions } } : {}),
  };
}

/** The spec's classifiers as train.classifiers, train.grid (logistic regression's), train.linear_svc, …. */
function classifierSettings(model: JobSpec["training"]["model"]): Record<string, unknown> {
  const classifiers = Array.isArray(model) ? model : [model]; // one object in specs before lists
  const out: Record<string, unknown> = { classifiers: classifiers.map((c) => c.kind) };
  for (const c of classifiers) {
    if (c.kind === "logistic_regression") {
      out.grid = c.grid;
      out.standardization = c.standardization;
    } else if (c.kind === "linear_svc") {
      out.standardization = c.standardization;
      out.linear_svc = { grid: c.grid };
    } else {
      out.naive_bayes = { grid: c.grid, model_type: c.model_type };
    }
  }
  return out;
}

/** Lists of plain values stay one value (`[10, 15, 20]`); lists of objects are indexed (`text.clean[0].pattern`). */
function walk(value: unknown, key: string, out: Array<[string, string]>): void {
  if (Array.isArray(value)) {
    if (value.every((v) => v === null || typeof v !== "object")) {
      out.push([key, `[${value.map((v) => JSON.stringify(v)).join(", ")}]`]);
      return;
    }
    for (const [i, v] of value.entries()) walk(v, `${key}[${i}]`, out);
    return;
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    if (entries.length === 0) out.push([key, "{}"]);
    for (const [k, v] of entries) walk(v, key ? `${key}.${k}` : k, out);
    return;
  }
  out.push([key, JSON.stringify(value)]);
}
