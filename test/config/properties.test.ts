import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { parseConfig } from "../../src/config/load.js";
import { ConfigError } from "../../src/errors.js";

/** Every config document ends in a config or a ConfigError that names where: never a crash. */
function outcome(text: string): "ok" | ConfigError {
  try {
    parseConfig(text, "kindling.yaml");
    return "ok";
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const issue of error.issues) {
      expect(issue.message.length).toBeGreaterThan(0);
      if (issue.line !== undefined) expect(issue.line).toBeGreaterThanOrEqual(1);
    }
    expect(error.exitCode).toBe(2);
    return error;
  }
}

const KEYS = [
  "data",
  "path",
  "format",
  "text",
  "label",
  "csv",
  "header",
  "delimiter",
  "quote",
  "escape",
  "multiline",
  "encoding",
  "max_field_chars",
  "max_reject_fraction",
  "features",
  "hashing_tf",
  "tfidf",
  "word2vec",
  "enabled",
  "num_features",
  "min_doc_freq",
  "vector_size",
  "min_count",
  "train",
  "train_fraction",
  "folds",
  "grid",
  "max_iter",
  "reg_param",
  "elastic_net_param",
  "metric",
  "spark",
  "master",
  "conf",
  "output",
  "dir",
  "aws",
  "emr",
  "project",
  "version",
  "clean",
  "pattern",
  "stop_words",
  "tokenizer_pattern",
];

const scalar = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom("", "0", "-1", "1.5", "local[*]", "s3://b/k.csv", "a.csv", "english", "(["),
);
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    scalar,
    fc.array(tie("node"), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.constantFrom(...KEYS), fc.string()), tie("node"), { maxKeys: 5 }),
  ),
})).node;

describe("config documents (property)", () => {
  it("any text: a config or a located ConfigError", () => {
    fc.assert(fc.property(fc.string({ unit: "grapheme", maxLength: 200 }), (text) => void outcome(text)));
  });

  it("any mapping built from the schema's own keys: a config or a ConfigError", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...KEYS), value, { maxKeys: 6 }), (doc) => {
        void outcome(stringify(doc));
      }),
      { numRuns: 300 },
    );
  });

  it("a valid config with one key changed to anything: a config or a ConfigError naming that key", () => {
    const paths = [
      ["data", "text"],
      ["data", "csv", "delimiter"],
      ["data", "max_reject_fraction"],
      ["train", "folds"],
      ["train", "train_fraction"],
      ["train", "grid", "max_iter"],
      ["features", "tfidf", "num_features"],
      ["spark", "master"],
      ["spark", "conf"],
      ["text", "clean"],
      ["output", "dir"],
      ["project"],
      ["aws", "environment"],
      ["aws", "flow_logs_retention_days"],
      ["aws", "in_transit_certificate_s3_uri"],
    ];
    fc.assert(
      fc.property(fc.constantFrom(...paths), value, (keyPath, v) => {
        const doc: Record<string, unknown> = { data: { path: "a.csv" } };
        let node = doc;
        for (const key of keyPath.slice(0, -1)) {
          node[key] = (node[key] as Record<string, unknown>) ?? {};
          node = node[key] as Record<string, unknown>;
        }
        node[keyPath.at(-1) as string] = v;
        const result = outcome(stringify(doc));
        if (result !== "ok") {
          const prefix = keyPath.slice(0, 1).join(".");
          expect(result.issues.some((i) => i.path.startsWith(prefix))).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});
