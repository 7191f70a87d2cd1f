import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import { configuredLine, emrReleaseOf, serverlessReleaseOf } from "../../src/config/sparkLine.js";
import type { ConfigError } from "../../src/errors.js";
import { expectIssue, type IssueCase, issuesOf } from "./issuesOf.js";

describe("config defaults", () => {
  it("takes the seed's own file by config alone, with the seed's parameters as defaults (its cleaning mended)", () => {
    const config = parseConfig("data:\n  path: dataset.csv\n  text: review\n  label: sentiment\n", "k.yaml");
    expect(config.data).toMatchObject({ path: "dataset.csv", text: "review", label: "sentiment" });
    expect(config.data.csv).toMatchObject({ header: true, escape: '"' });
    // Tags and non-letters become spaces: the seed deleted them, gluing the words around them together.
    expect(config.text.clean).toEqual([
      { pattern: "<[^<>]*>", replace: " " },
      { pattern: "[^\\p{Alpha} ]", replace: " " },
      { pattern: " +", replace: " " },
    ]);
    expect(config.text).toMatchObject({ lowercase: true, tokenizer_pattern: "\\W", stop_words: "english" });
    expect(config.features.hashing_tf).toEqual({
      enabled: true,
      num_features: 250,
      ngrams: 1,
      binary: false,
    });
    expect(config.features.word2vec).toMatchObject({ vector_size: 250, min_count: 5, scaler: "minmax" });
    expect(config.train).toMatchObject({ train_fraction: 0.7, seed: 11, folds: 2, metric: "f1" });
    expect(config.train.grid.max_iter).toEqual([10, 15, 20]);
    expect(config.train).toMatchObject({
      classifiers: ["logistic_regression"],
      standardization: true,
      class_weights: "none",
    });
    expect(config.preset).toBe("seed");
    expect(config.spark.master).toBe("local[*]");
  });

  it("preset: recommended fills what the file leaves out, and the file still wins key by key", () => {
    const config = parseConfig(
      "preset: recommended\ndata: { path: a.csv }\nfeatures: { tfidf: { binary: false } }\ntrain: { grid: { reg_param: [0.5] } }\n",
      "k.yaml",
    );
    expect(config.features.hashing_tf).toMatchObject({ enabled: true, num_features: 262_144, binary: true });
    expect(config.features.tfidf).toMatchObject({ num_features: 262_144, binary: false });
    expect(config.features.word2vec.enabled).toBe(false);
    expect(config.train).toMatchObject({
      standardization: false,
      classifiers: ["logistic_regression", "naive_bayes"],
      grid: { max_iter: [100], reg_param: [0.5], elastic_net_param: [0] },
    });
  });

  it("a Spark line picks its EMR release unless one is set, for both cloud targets", () => {
    const spark4 = parseConfig("data: { path: a.csv }\nspark: { line: '4.0' }\n", "k.yaml");
    expect(configuredLine(spark4)).toMatchObject({ line: "4.0", spark: "4.0.2" });
    expect(emrReleaseOf(spark4)).toBe("emr-spark-8.0.0");
    expect(serverlessReleaseOf(spark4)).toBe("emr-spark-8.0.0");
    const pinned = parseConfig("data: { path: a.csv }\nemr: { release_label: emr-7.12.0 }\n", "k.yaml");
    expect(configuredLine(pinned).line).toBe("3.5");
    expect([emrReleaseOf(pinned), serverlessReleaseOf(pinned)]).toEqual(["emr-7.12.0", "emr-7.12.0"]);
  });

  it("accepts a full config with every section", () => {
    const config = parseConfig(
      [
        "version: 1",
        "project: reviews",
        "data: { path: x.parquet, text: t, label: l }",
        "text: { stop_words: [the, a], clean: [{ pattern: 'x+' }] }",
        "features: { word2vec: { enabled: false } }",
        "train: { folds: 3, grid: { max_iter: [5], reg_param: [0.01, 0.1] } }",
        "spark: { master: 'spark://127.0.0.1:7077', conf: { spark.sql.shuffle.partitions: 8 } }",
      ].join("\n"),
      "k.yaml",
    );
    expect(config.text.clean).toEqual([{ pattern: "x+", replace: "" }]);
    expect(config.features.word2vec.enabled).toBe(false);
    expect(config.train.grid.reg_param).toEqual([0.01, 0.1]);
    expect(config.spark.conf).toEqual({ "spark.sql.shuffle.partitions": 8 });
  });
});

describe("config errors name the key path, the line, the bad value and what is allowed", () => {
  const cases: IssueCase[] = [
    {
      name: "unknown key with a did-you-mean",
      yaml: "data:\n  path: a.csv\n  tetx: review\n",
      path: "data.tetx",
      line: 3,
      message: /unknown key \(did you mean "text"\?\); allowed here: path, format, text, label, csv/,
    },
    {
      name: "unknown top-level section",
      yaml: "data: { path: a.csv }\ntrian:\n  folds: 3\n",
      path: "trian",
      line: 2,
      message: /did you mean "train"/,
    },
    {
      name: "wrong type",
      yaml: "data: { path: a.csv }\ntrain:\n  folds: two\n",
      path: "train.folds",
      line: 3,
      message: /expected a number, got "two"/,
    },
    {
      name: "fraction outside (0,1)",
      yaml: "data: { path: a.csv }\ntrain:\n  train_fraction: 1.5\n",
      path: "train.train_fraction",
      line: 3,
      message: /must be < 1, got 1.5/,
    },
    {
      name: "too few folds",
      yaml: "data: { path: a.csv }\ntrain:\n  folds: 1\n",
      path: "train.folds",
      line: 3,
      message: /must be ≥ 2, got 1/,
    },
    {
      name: "num_features not positive",
      yaml: "data: { path: a.csv }\nfeatures:\n  hashing_tf:\n    num_features: 0\n",
      path: "features.hashing_tf.num_features",
      line: 4,
      message: /must be > 0, got 0/,
    },
    {
      name: "empty grid",
      yaml: "data: { path: a.csv }\ntrain:\n  grid:\n    max_iter: []\n",
      path: "train.grid.max_iter",
      line: 4,
      message: /at least 1 item/,
    },
    {
      name: "unknown preset",
      yaml: "preset: best\ndata: { path: a.csv }\n",
      path: "preset",
      line: 1,
      message: /must be one of "seed", "recommended"/,
    },
    {
      name: "naive_bayes on signed Word2Vec vectors",
      yaml: "data: { path: a.csv }\nfeatures: { word2vec: { scaler: none } }\ntrain: { classifiers: [naive_bayes] }\n",
      path: "features.word2vec.scaler",
      line: 2,
      message: /naive_bayes, which needs non-negative features: use "minmax"/,
    },
    {
      name: "a classifier twice",
      yaml: "data: { path: a.csv }\ntrain: { classifiers: [linear_svc, linear_svc] }\n",
      path: "train.classifiers",
      line: 2,
      message: /names a classifier twice/,
    },
    {
      name: "n-grams too long",
      yaml: "data: { path: a.csv }\nfeatures: { tfidf: { ngrams: 4 } }\n",
      path: "features.tfidf.ngrams",
      line: 2,
      message: /must be ≤ 3, got 4/,
    },
    {
      name: "enum typo",
      yaml: "data: { path: a.csv }\ntrain:\n  metric: acuracy\n",
      path: "train.metric",
      line: 3,
      message: /must be one of .*"accuracy".*got "acuracy" \(did you mean "accuracy"\?\)/,
    },
    {
      name: "missing data section",
      yaml: "project: x\n",
      path: "data",
      line: 1,
      message: /is required/,
    },
    {
      name: "invalid regex",
      yaml: "data: { path: a.csv }\ntext:\n  clean:\n    - pattern: '(['\n",
      path: "text.clean.0.pattern",
      line: 4,
      message: /not a valid regular expression/,
    },
    {
      name: "spark conf key without spark. prefix",
      yaml: "data: { path: a.csv }\nspark:\n  conf:\n    executor.cores: 2\n",
      path: "spark.conf.executor.cores",
      line: 4,
      message: /start with 'spark\.'/,
    },
    {
      name: "every feature set disabled",
      yaml: "data: { path: a.csv }\nfeatures:\n  hashing_tf: { enabled: false }\n  tfidf: { enabled: false }\n  word2vec: { enabled: false }\n",
      path: "features",
      line: 3,
      message: /at least one feature set/,
    },
    {
      name: "a stop-word language Spark has no list for",
      yaml: "data: { path: a.csv }\ntext:\n  stop_words: klingon\n",
      path: "text.stop_words",
      line: 3,
      message:
        /must be a language Spark has a list for \(danish, .*portuguese.*turkish\), "none" or a list of words/,
    },
    {
      name: "a Spark line given unquoted (YAML reads 4.0 as the number 4)",
      yaml: "data: { path: a.csv }\nspark:\n  line: 4.0\n",
      path: "spark.line",
      line: 3,
      message: /must be one of "3\.5", "4\.0", got 4 \(a number: quote it, YAML reads 4\.0 as 4\)/,
    },
    {
      name: "an EMR release of another Spark line than spark.line",
      yaml: "data: { path: a.csv }\nemr:\n  release_label: emr-spark-8.0.0\n",
      path: "emr.release_label",
      line: 3,
      message:
        /emr-spark-8\.0\.0 runs Spark 4\.0, but spark.line is 3\.5 \(the default\): set spark.line: "4\.0"/,
    },
    {
      name: "a Serverless release of another Spark line than spark.line",
      yaml: "data: { path: a.csv }\nspark: { line: '4.0' }\nserverless:\n  release_label: emr-7.13.0\n",
      path: "serverless.release_label",
      line: 4,
      message:
        /emr-7\.13\.0 runs Spark 3\.5, but spark.line is 4\.0: .*emr-7\.13\.0 for 3\.5, emr-spark-8\.0\.0 for 4\.0/,
    },
    {
      name: "an EMR release of no Spark line Kindling runs",
      yaml: "data: { path: a.csv }\nemr: { release_label: emr-6.15.0 }\n",
      path: "emr.release_label",
      line: 2,
      message: /emr-6\.15\.0 runs no Spark line Kindling supports/,
    },
  ];

  it.each(cases)("$name", expectIssue);

  it("reports every problem at once, in file order, in the error message", () => {
    try {
      parseConfig("data:\n  path: a.csv\n  labl: y\ntrain:\n  folds: 0\n", "conf/kindling.yaml");
      expect.unreachable();
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain("2 problems");
      expect(message.indexOf("conf/kindling.yaml:3:3  data.labl")).toBeLessThan(
        message.indexOf("conf/kindling.yaml:5:10  train.folds"),
      );
      expect((error as ConfigError).exitCode).toBe(2);
    }
  });

  it("locates YAML syntax errors", () => {
    const issues = issuesOf("data:\n  path: a.csv\n  text: [unclosed\n");
    expect(issues[0]?.message).toMatch(/YAML syntax/);
    expect(issues[0]?.line).toBeGreaterThanOrEqual(3);
  });

  it("rejects a document that is not a mapping", () => {
    expect(issuesOf("- a\n- b\n")[0]?.message).toMatch(/must be a mapping/);
  });
});

describe("the cluster's CPU", () => {
  it("one architecture for every role: the job's Python packages are built for one", () => {
    const issues = issuesOf(
      "data: { path: a.csv }\nemr:\n  primary: { instance_types: [m6g.xlarge] }\n  core: { instance_types: [m5.xlarge] }\n",
    );
    expect(issues).toEqual([
      expect.objectContaining({
        path: "emr.core.instance_types",
        message: expect.stringMatching(/mixes x86_64 and Graviton/),
      }),
    ]);
  });
});
