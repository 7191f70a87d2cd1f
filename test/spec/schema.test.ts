import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { parseConfig } from "../../src/config/load.js";
import { ConfigError } from "../../src/errors.js";
import { buildPredictSpec } from "../../src/predict/spec.js";
import { compileSpec, type RunFacts } from "../../src/spec/compile.js";
import { predictSpecSchema } from "../../src/spec/predictSchema.js";
import { CV_METRICS, jobSpecSchema, TARGET_NAMES, type TargetName } from "../../src/spec/schema.js";

const facts = (target: TargetName = "local"): RunFacts => ({
  runId: "20261127-231500-spam-7f3a",
  createdAt: new Date("2026-11-27T23:15:00Z"),
  kindlingVersion: "0.1.0",
  target,
  inputUri: "file:///data/spam.csv",
  outputUri: "file:///runs/20261127-231500-spam-7f3a",
  successMarker: target === "emr",
});

/** The spec compiled from a config, checked by the schema, which must return it unchanged. */
function compiledAndChecked(yaml: string, target?: TargetName) {
  const spec = compileSpec(parseConfig(yaml, "kindling.yaml"), facts(target));
  expect(jobSpecSchema.parse(spec)).toEqual(spec);
  return spec;
}

describe("every spec the CLI compiles is one the schema accepts", () => {
  it.each([
    ["the defaults", "data: { path: spam.csv }"],
    [
      "only hashing_tf",
      "data: { path: a.csv }\nfeatures: { tfidf: { enabled: false }, word2vec: { enabled: false } }",
    ],
    [
      "only tfidf",
      "data: { path: a.csv }\nfeatures: { hashing_tf: { enabled: false }, word2vec: { enabled: false } }",
    ],
    [
      "only word2vec, auto partitions",
      "data: { path: a.csv }\nfeatures: { hashing_tf: { enabled: false }, tfidf: { enabled: false }, word2vec: { num_partitions: auto, scaler: none } }",
    ],
    ["own stop words", "data: { path: a.csv }\ntext: { stop_words: [foo, bar] }"],
    [
      "no stop words, no cleaning",
      "data: { path: a.csv }\ntext: { stop_words: none, clean: [], lowercase: false }",
    ],
    ["an empty stop-word list", "data: { path: a.csv }\ntext: { stop_words: [] }"],
    ["parquet input", "data: { path: s3://bucket/reviews.parquet, text: body, label: stars }"],
    ["an explicit format", "data: { path: dir/part-0, format: parquet }"],
    [
      "another CSV dialect",
      'data: { path: a.tsv, csv: { header: false, delimiter: "\\t", quote: "\'", escape: "\\\\", multiline: false, encoding: ISO-8859-1 } }',
    ],
    ["reject fraction 0", "data: { path: a.csv, max_reject_fraction: 0 }"],
    ["reject fraction 1", "data: { path: a.csv, max_reject_fraction: 1 }"],
    [
      "a custom grid and CV",
      "data: { path: a.csv }\ntrain: { train_fraction: 0.5, folds: 5, metric: weightedRecall, parallelism: 4, grid: { max_iter: [1], reg_param: [0.01, 1], elastic_net_param: [0, 0.5, 1] } }",
    ],
    [
      "fixed partitions, long tokens",
      "data: { path: a.csv }\nspark: { partitions: 8 }\ntext: { min_token_length: 3 }",
    ],
  ])("%s", (_, yaml) => {
    compiledAndChecked(yaml);
  });

  it.each(TARGET_NAMES)("target %s, and the predict specs built from it", (target) => {
    const trainSpec = compiledAndChecked("data: { path: a.csv }", target);
    for (const inputFormat of ["csv", "parquet"] as const) {
      const predict = buildPredictSpec({
        runId: trainSpec.run.id,
        kindlingVersion: "0.1.0",
        target,
        trainSpec,
        modelUri: `${trainSpec.output.uri}/models/tfidf`,
        featureSet: "tfidf",
        inputUri: "file:///new.csv",
        inputFormat,
        outputUri: "file:///out/job",
        outputFormat: "parquet",
      });
      expect(predictSpecSchema.parse(predict)).toEqual(predict);
    }
  });

  it("for any valid config (property)", () => {
    const word = fc.string({ minLength: 1, maxLength: 10 });
    const char = fc.string({ minLength: 1, maxLength: 1 });
    const list = <T>(item: fc.Arbitrary<T>) => fc.array(item, { minLength: 1, maxLength: 3 });
    const set = (extra: Record<string, fc.Arbitrary<unknown>>) =>
      fc.record({ enabled: fc.boolean(), ...extra });
    const config = fc.record({
      data: fc.record({
        path: fc.constantFrom("a.csv", "b.tsv", "c.parquet", "s3://bucket/d.pq", "e"),
        text: word,
        label: word,
        csv: fc.record({
          header: fc.boolean(),
          delimiter: char,
          quote: char,
          escape: char,
          multiline: fc.boolean(),
          // Not "": the config still accepts an empty encoding, which the job refuses (left to the config owners).
          encoding: fc.constantFrom("UTF-8", "ISO-8859-1", "windows-1252"),
        }),
        max_reject_fraction: fc.double({ min: 0, max: 1, noNaN: true }),
      }),
      text: fc.record({
        clean: fc.array(
          fc.constantFrom(
            { pattern: "a+", replace: "" },
            { pattern: "[0-9]", replace: " " },
            { pattern: "(x)y", replace: "$1" },
          ),
        ),
        lowercase: fc.boolean(),
        tokenizer_pattern: fc.constantFrom("\\W", "\\s+", ","),
        min_token_length: fc.integer({ min: 1, max: 1000 }),
        stop_words: fc.oneof(fc.constantFrom("english", "none"), fc.array(word, { maxLength: 3 })),
      }),
      features: fc.record({
        hashing_tf: set({ num_features: fc.integer({ min: 1, max: 1 << 20 }) }),
        tfidf: set({ num_features: fc.integer({ min: 1 }), min_doc_freq: fc.nat() }),
        word2vec: set({
          vector_size: fc.integer({ min: 1, max: 1000 }),
          min_count: fc.nat(),
          max_iter: fc.integer({ min: 1, max: 100 }),
          num_partitions: fc.oneof(fc.constant("auto"), fc.integer({ min: 1, max: 64 })),
          step_size: fc.double({ min: 1e-6, max: 1, noNaN: true }),
          window_size: fc.integer({ min: 1, max: 20 }),
          seed: fc.integer(),
          scaler: fc.constantFrom("minmax", "none"),
        }),
      }),
      train: fc.record({
        train_fraction: fc.double({ min: 0.01, max: 0.99, noNaN: true }),
        seed: fc.maxSafeInteger(),
        folds: fc.integer({ min: 2, max: 10 }),
        metric: fc.constantFrom(...CV_METRICS),
        parallelism: fc.oneof(fc.constant("auto"), fc.integer({ min: 1, max: 64 })),
        grid: fc.record({
          max_iter: list(fc.integer({ min: 1, max: 100 })),
          reg_param: list(fc.double({ min: 0, max: 10, noNaN: true })),
          elastic_net_param: list(fc.double({ min: 0, max: 1, noNaN: true })),
        }),
      }),
      spark: fc.record({ partitions: fc.integer({ min: 1, max: 10_000 }) }, { requiredKeys: [] }),
    });
    let compiled = 0;
    fc.assert(
      fc.property(config, fc.constantFrom(...TARGET_NAMES), (doc, target) => {
        let spec: unknown;
        try {
          spec = compileSpec(parseConfig(stringify(doc), "kindling.yaml"), facts(target));
        } catch (error) {
          if (error instanceof ConfigError) return; // e.g. no feature set enabled, delimiter = quote
          throw error;
        }
        compiled++;
        const result = jobSpecSchema.safeParse(spec);
        expect(result.error?.issues ?? []).toEqual([]);
      }),
      { numRuns: 300 },
    );
    expect(compiled).toBeGreaterThan(100); // the property is not vacuous
  });
});

describe("the schema refuses what the job refuses", () => {
  const valid = () => compileSpec(parseConfig("data: { path: a.csv }", "k"), facts());
  const issues = (doc: unknown) => jobSpecSchema.safeParse(doc).error?.issues.map((i) => i.path.join("."));

  /** The spec with the value at a dotted path replaced (undefined: the key removed). */
  function changed(path: string, value: unknown): unknown {
    const spec: Record<string, unknown> = structuredClone(valid());
    const keys = path.split(".");
    const last = keys.pop() as string;
    const parent = keys.reduce((node, key) => node[key] as Record<string, unknown>, spec);
    if (value === undefined) delete parent[last];
    else parent[last] = value;
    return spec;
  }

  it.each([
    ["input.text_column", "features", "input.text_column"],
    ["input.text_column", "kindling_x", "input.text_column"],
    ["input.label_column", "text", "input.label_column"], // the text column's name
    ["feature_sets.1.name", "hashing_tf", "feature_sets"], // a duplicate
    ["text.min_token_length", 0, "text.min_token_length"],
    ["training.model.0.grid.max_iter", [0], "training.model.0.grid.max_iter.0"],
    [
      "training.model.1",
      { kind: "logistic_regression", grid: { max_iter: [1], reg_param: [0], elastic_net_param: [0] } },
      "training.model",
    ], // a duplicate kind
    ["spark.master", "local", "spark"], // an unknown key
    ["run.created_at", undefined, "run.created_at"], // informational, but required
  ])("%s = %j is refused at %s", (path, value, where) => {
    expect(issues(changed(path, value))).toContain(where);
  });

  it("accepts an older v1 spec, written before max_reject_fraction existed", () => {
    const old = JSON.parse(
      readFileSync(new URL("../fixtures/run-binary/spec.json", import.meta.url), "utf8"),
    );
    expect(old.input.max_reject_fraction).toBeUndefined();
    expect(jobSpecSchema.parse(old).input.max_reject_fraction).toBe(0.01);
  });

  it("fills the one optional key with the job's default", () => {
    const { max_reject_fraction: _, ...input } = valid().input;
    expect(jobSpecSchema.parse({ ...valid(), input }).input.max_reject_fraction).toBe(0.01);
  });
});
