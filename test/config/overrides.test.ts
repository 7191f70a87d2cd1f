import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import { applyOverrides, parseOverride } from "../../src/config/overrides.js";
import { ConfigError } from "../../src/errors.js";

const FILE = "project: spam\ndata:\n  path: data.csv\ntrain:\n  folds: 3\n";

function errorOf(text: string, args: string[]): ConfigError {
  try {
    parseConfig(text, "kindling.yaml", { overrides: args.map(parseOverride) });
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("--set key.path=value", () => {
  it("reads values as YAML and wins over the file", () => {
    const config = parseConfig(FILE, "kindling.yaml", {
      overrides: [
        parseOverride("train.folds=5"),
        parseOverride("features.tfidf.num_features=4096"),
        parseOverride("features.word2vec.enabled=false"),
        parseOverride("spark.conf.spark.sql.shuffle.partitions=8"),
      ],
    });
    expect(config.train.folds).toBe(5);
    expect(config.features.tfidf.num_features).toBe(4096);
    expect(config.features.word2vec.enabled).toBe(false);
    expect(config.spark.conf).toEqual({ "spark.sql.shuffle.partitions": 8 });
    // Spark's own formats pass: sizes, durations, booleans as text, fractions.
    const formats = parseConfig(FILE, "kindling.yaml", {
      overrides: [
        parseOverride("spark.conf.spark.driver.maxResultSize=2g"),
        parseOverride("spark.conf.spark.network.timeout=5min"),
        parseOverride("spark.conf.spark.ui.enabled=false"),
        parseOverride("spark.conf.spark.memory.fraction=0.6"),
        parseOverride("spark.conf.spark.executor.instances=0"),
      ],
    });
    expect(Object.keys(formats.spark.conf)).toHaveLength(5);
  });

  it("makes one value a one-item list where the key takes a list, and takes YAML lists as they are", () => {
    expect(parseOverride("train.grid.reg_param=0.01").value).toEqual([0.01]);
    expect(parseOverride("train.grid.reg_param=[0, 0.1]").value).toEqual([0, 0.1]);
    expect(parseOverride("train.folds=3").value).toBe(3);
  });

  it("applies a preset given on the command line like one in the file", () => {
    const config = parseConfig(FILE, "kindling.yaml", { overrides: [parseOverride("preset=recommended")] });
    expect(config.features.hashing_tf.num_features).toBe(262_144);
    expect(config.train.folds).toBe(3); // the file's own key still wins over the preset
  });

  it("refuses a secret-looking Spark setting without repeating its value", () => {
    const error = errorOf(FILE, ["spark.conf.spark.hadoop.fs.s3a.secret.key=wJalrXUtnFEMI"]);
    expect(error.issues).toEqual([
      expect.objectContaining({
        path: "spark.conf.spark.hadoop.fs.s3a.secret.key",
        source: "--set spark.conf.spark.hadoop.fs.s3a.secret.key=***",
        message: expect.stringMatching(/looks like a secret/),
      }),
    ]);
    expect(error.message).not.toContain("wJalrXUtnFEMI");
    // Only Spark settings are secrets: text.min_token_length says "token" and is kept as typed.
    expect(parseOverride("text.min_token_length=3").argument).toBe("--set text.min_token_length=3");
  });

  it("names the --set argument, not a line, for a bad value or an unknown key it put there", () => {
    const error = errorOf(FILE, ["train.folds=1", "train.gird.reg_param=0.1"]);
    expect(error.issues).toHaveLength(2);
    expect(error.issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: "train.folds", source: "--set train.folds=1" }),
        expect.objectContaining({
          path: "train.gird",
          source: "--set train.gird.reg_param=0.1",
          message: expect.stringMatching(/did you mean "grid"/),
        }),
      ]),
    );
    expect(error.message).toMatch(/^ {2}--set train\.folds=1 {2}train\.folds: /m);
    // A problem in the file itself keeps its line.
    const mixed = errorOf("project: spam\ndata:\n  path: data.csv\ntrain:\n  folds: 0\n", [
      "features.tfidf.num_features=-1",
    ]);
    expect(mixed.issues.map((i) => i.source ?? `line ${i.line}`)).toEqual([
      "line 5",
      "--set features.tfidf.num_features=-1",
    ]);
  });

  it("refuses what is not key.path=value, or a value that is not YAML", () => {
    expect(() => parseOverride("train.folds")).toThrow(/expected key\.path=value/);
    expect(() => parseOverride(".folds=1")).toThrow(/expected key\.path=value/);
    expect(() => parseOverride("train..folds=1")).toThrow(/expected key\.path=value/);
    expect(() => parseOverride("train.folds=[1, 2")).toThrow(/not valid YAML/);
  });

  it("creates the mappings on the way and never changes the input", () => {
    const input = { train: { folds: 3 } };
    expect(applyOverrides(input, [parseOverride("train.grid.max_iter=10")])).toEqual({
      train: { folds: 3, grid: { max_iter: [10] } },
    });
    expect(input).toEqual({ train: { folds: 3 } });
  });
});
