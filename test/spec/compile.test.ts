import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import { compileSpec, inferFormat } from "../../src/spec/compile.js";
import { jobSpecSchema } from "../../src/spec/schema.js";

const facts = {
  runId: "20261127-231500-spam-7f3a",
  createdAt: new Date("2026-11-27T23:15:00Z"),
  kindlingVersion: "0.1.0",
  target: "local" as const,
  inputUri: "file:///data/spam.csv",
  outputUri: "file:///runs/20261127-231500-spam-7f3a",
  successMarker: false,
};

describe("compileSpec", () => {
  it("compiles the seed defaults into the v1 job spec", () => {
    const spec = compileSpec(parseConfig("data: { path: spam.csv }", "k.yaml"), facts);
    expect(spec.spec_version).toBe(1);
    expect(spec.run).toEqual({
      id: facts.runId,
      created_at: "2026-11-27T23:15:00.000Z",
      kindling_version: "0.1.0",
      target: "local",
    });
    expect(spec.input).toMatchObject({
      uri: facts.inputUri,
      format: "csv",
      text_column: "text",
      label_column: "label",
    });
    expect(spec.text.clean.map((c) => c.pattern)).toEqual(["<[^<>]*>", "[^\\p{Alpha} ]", " +"]);
    expect(spec.text.clean[2]?.replacement).toBe(" ");
    expect(spec.text.stop_words).toEqual({ language: "english" });
    expect(spec.feature_sets.map((f) => f.name)).toEqual(["hashing_tf", "tfidf", "word2vec"]);
    expect(spec.feature_sets[2]).toMatchObject({
      kind: "word2vec",
      vector_size: 250,
      min_count: 5,
      num_partitions: 1, // reproducible: more partitions change the vectors run to run
      scaler: "minmax",
    });
    expect(spec.training).toEqual({
      split: { train_fraction: 0.7, seed: 11, method: "random" },
      model: [
        {
          kind: "logistic_regression",
          grid: { max_iter: [10, 15, 20], reg_param: [0], elastic_net_param: [0] },
          standardization: true,
        },
      ],
      class_weights: "none",
      // auto: the job fits min(grid points, cores) models at once
      cv: { folds: 2, metric: "f1", seed: 11, parallelism: null },
    });
    expect(spec.output).toEqual({ uri: facts.outputUri, write_features: false, success_marker: false });
    expect(spec.spark).toEqual({ partitions: null, line: "3.5" });
  });

  it("every classifier the config lists, each with its own grid, and the n-gram and binary settings", () => {
    const spec = compileSpec(
      parseConfig(
        [
          "data: { path: a.csv }",
          "features: { tfidf: { ngrams: 2, binary: true } }",
          "train:",
          "  classifiers: [naive_bayes, linear_svc, logistic_regression]",
          "  standardization: false",
          "  class_weights: balanced",
          "  linear_svc: { grid: { reg_param: [0.1] } }",
          "  naive_bayes: { model_type: complement }",
        ].join("\n"),
        "k.yaml",
      ),
      facts,
    );
    expect(spec.feature_sets[1]).toMatchObject({ name: "tfidf", ngrams: 2, binary: true });
    expect(spec.training.model).toEqual([
      { kind: "naive_bayes", grid: { smoothing: [0.01, 0.1] }, model_type: "complement" },
      { kind: "linear_svc", grid: { max_iter: [100], reg_param: [0.1] }, standardization: false },
      {
        kind: "logistic_regression",
        grid: { max_iter: [10, 15, 20], reg_param: [0], elastic_net_param: [0] },
        standardization: false,
      },
    ]);
    expect(spec.training.class_weights).toBe("balanced");
    expect(jobSpecSchema.parse(spec)).toEqual(spec);
  });

  it("a stratified split, when the config asks for one", () => {
    const spec = compileSpec(
      parseConfig("data: { path: a.csv }\ntrain: { split: stratified }", "k.yaml"),
      facts,
    );
    expect(spec.training.split).toEqual({ train_fraction: 0.7, seed: 11, method: "stratified" });
  });

  it("carries the config's Spark line, for the job to check", () => {
    const spec = compileSpec(parseConfig("data: { path: a.csv }\nspark: { line: '4.0' }", "k.yaml"), facts);
    expect(spec.spark.line).toBe("4.0");
  });

  it("leaves out disabled feature sets and maps stop-word choices", () => {
    const none = compileSpec(
      parseConfig(
        "data: { path: a.csv }\ntext: { stop_words: none }\nfeatures: { tfidf: { enabled: false } }",
        "k",
      ),
      facts,
    );
    expect(none.feature_sets.map((f) => f.name)).toEqual(["hashing_tf", "word2vec"]);
    expect(none.text.stop_words).toBeNull();
    const own = compileSpec(
      parseConfig("data: { path: a.csv }\ntext: { stop_words: [foo, bar] }", "k"),
      facts,
    );
    expect(own.text.stop_words).toEqual({ words: ["foo", "bar"] });
    const portuguese = compileSpec(
      parseConfig("data: { path: a.csv }\ntext: { stop_words: portuguese }", "k"),
      facts,
    );
    expect(portuguese.text.stop_words).toEqual({ language: "portuguese" });
  });

  it("is pure: the same config and facts give the same spec", () => {
    const config = parseConfig("data: { path: a.csv }", "k");
    expect(JSON.stringify(compileSpec(config, facts))).toBe(JSON.stringify(compileSpec(config, facts)));
  });

  it.each([
    ["data.csv", "csv"],
    ["s3://bucket/x.parquet", "parquet"],
    ["dir.parquet/", "parquet"],
    ["reviews.tsv", "csv"],
  ])("infers the format of %s as %s", (path, format) => {
    expect(inferFormat(path)).toBe(format);
  });
});
