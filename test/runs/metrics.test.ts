import { describe, expect, it } from "vitest";
import { identicalNotes, type Metrics } from "../../src/runs/metrics.js";

const metrics = (identical?: Metrics["identical_predictions"]): Metrics => ({
  label_values: ["ham", "spam"],
  best_feature_set: "hashing_tf",
  feature_sets: {},
  ...(identical ? { identical_predictions: identical } : {}),
});

describe("identicalNotes", () => {
  it("says which models predicted alike and why, one sentence per group", () => {
    expect(
      identicalNotes(
        metrics([
          { models: ["hashing_tf", "tfidf"], reason: "IDF is undone" },
          { models: ["a/naive_bayes", "b/naive_bayes", "c/naive_bayes"], reason: "all perfect" },
        ]),
      ),
    ).toEqual([
      "hashing_tf and tfidf predicted the same label for every test row: IDF is undone.",
      "a/naive_bayes, b/naive_bayes and c/naive_bayes predicted the same label for every test row: all perfect.",
    ]);
  });

  it("has nothing to say for runs without such groups, or from before the job looked", () => {
    expect(identicalNotes(metrics([]))).toEqual([]);
    expect(identicalNotes(metrics())).toEqual([]);
  });
});
