import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { UsageError } from "../../src/errors.js";
import { modelKeyOf, type PlanRequest, planPredict, type ScoringLine } from "../../src/predict/plan.js";
import { buildPredictSpec } from "../../src/predict/spec.js";
import type { Metrics } from "../../src/runs/metrics.js";
import { RunStore } from "../../src/runs/store.js";
import type { JobSpec } from "../../src/spec/types.js";
import { type SparkLine, sparkLine } from "../../src/versions.js";
import { copyFixtureRun } from "../report/fixtures.js";

let runDir: string;
let work: string;

/** A complete copy of the fixture run with a (stub) model for its best feature set. */
beforeEach(async () => {
  runDir = await copyFixtureRun();
  work = path.dirname(runDir);
  await mkdir(path.join(runDir, "models", "hashing_tf", "metadata"), { recursive: true });
  await writeFile(path.join(runDir, "_SUCCESS"), "");
  await writeFile(path.join(work, "emails.csv"), 'id,text\n1,"free money, now"\n');
});

async function request(overrides: Partial<PlanRequest> = {}): Promise<PlanRequest> {
  const run = await new RunStore(work).read(path.basename(runDir));
  const spec = JSON.parse(await readFile(path.join(runDir, "spec.json"), "utf8")) as JobSpec;
  return {
    run,
    spec,
    input: path.join(work, "emails.csv"),
    output: path.join(work, "scored.csv"),
    force: false,
    scoring: scoring("3.5", "3.5.6"),
    ...overrides,
  };
}

function scoring(line: SparkLine, spark: string): ScoringLine {
  return { ...sparkLine(line), spark, basis: "kindling.yaml's spark.line" };
}

async function refusal(overrides: Partial<PlanRequest> = {}): Promise<UsageError> {
  const error = await planPredict(await request(overrides)).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(UsageError);
  return error as UsageError;
}

describe("planPredict", () => {
  it("defaults to the run's best feature set and takes formats from the extensions", async () => {
    const plan = await planPredict(await request({ output: path.join(work, "scored.parquet") }));
    expect(plan).toMatchObject({
      featureSet: "hashing_tf",
      labels: ["ham", "spam"],
      input: { format: "csv" },
      output: { format: "parquet" },
      warnings: [],
    });
    expect(plan.modelDir).toBe(path.join(runDir, "models", "hashing_tf"));
  });

  it("refuses a run that is not complete", async () => {
    const req = await request();
    const error = await refusal({ run: { ...req.run, complete: false } });
    expect(error.message).toMatch(/is not complete \(succeeded, no _SUCCESS marker\)/);
  });

  it("names the feature sets a run has", async () => {
    const error = await refusal({ featureSet: "bert" });
    expect(error.message).toBe(
      `feature set "bert" is not in run ${path.basename(runDir)}; it has: hashing_tf, tfidf, word2vec`,
    );
  });

  it("a feature set trained with several classifiers means its best model; a model key names one", () => {
    const m = (cv_best: number) => ({ cv_best }) as unknown as Metrics["feature_sets"][string];
    const metrics = {
      label_values: ["ham", "spam"],
      best_feature_set: "hashing_tf/logistic_regression",
      feature_sets: {
        "hashing_tf/logistic_regression": m(0.98),
        "hashing_tf/naive_bayes": m(0.96),
        "tfidf/logistic_regression": m(0.95),
        "tfidf/naive_bayes": m(0.97),
      },
    } as Metrics;
    expect(modelKeyOf("r", metrics, "tfidf")).toBe("tfidf/naive_bayes");
    expect(modelKeyOf("r", metrics, "tfidf/logistic_regression")).toBe("tfidf/logistic_regression");
    expect(() => modelKeyOf("r", metrics, "word2vec")).toThrow(
      /feature set "word2vec" is not in run r; it has: hashing_tf\/logistic_regression/,
    );
  });

  it("refuses a feature set whose model files are missing", async () => {
    expect((await refusal({ featureSet: "tfidf" })).message).toMatch(/no saved model for tfidf/);
  });

  it("refuses models from another Spark line or job spec version, and warns on a patch difference", async () => {
    const otherLine = await refusal({ scoring: scoring("4.0", "4.0.2") });
    expect(otherLine.message).toMatch(
      /models were saved by Spark 3\.5\.6; kindling.yaml's spark.line scores with Spark 4\.0\.2 \(line 4\.0\), and Spark ML models are only read back by the Spark line that saved them/,
    );
    expect(otherLine.hint).toMatch(
      /Set spark.line: "3\.5" in kindling.yaml to score this run with Spark 3\.5/,
    );
    const req = await request();
    const old = { ...req.spec, spec_version: 0 } as unknown as JobSpec;
    expect((await refusal({ spec: old })).message).toMatch(/was made with job spec v0 .* reads job spec v1/);
    const plan = await planPredict(await request({ scoring: scoring("3.5", "3.5.7") }));
    expect(plan.warnings).toEqual([
      expect.stringMatching(/trained with Spark 3\.5\.6; scoring with Spark 3\.5\.7/),
    ]);
  });

  it("--text-column reads another column as the model's, and refuses an input that has both", async () => {
    await writeFile(path.join(work, "tickets.csv"), 'id,body\n1,"free money, now"\n');
    const plan = await planPredict(
      await request({ input: path.join(work, "tickets.csv"), textColumn: "body" }),
    );
    expect(plan.textColumn).toBe("body");
    const spec = buildPredictSpec({
      runId: plan.runId,
      kindlingVersion: "0.1.0",
      target: "local",
      trainSpec: plan.trainSpec,
      modelUri: "file:///m",
      featureSet: plan.featureSet,
      textColumn: plan.textColumn,
      inputUri: "file:///tickets.csv",
      inputFormat: "csv",
      outputUri: "file:///out",
      outputFormat: "csv",
    });
    expect([spec.input.text_column, spec.model.text_column]).toEqual(["body", "text"]);
    await writeFile(path.join(work, "both.csv"), 'id,body,text\n1,"free money",x\n');
    const both = await refusal({ input: path.join(work, "both.csv"), textColumn: "body" });
    expect(both.message).toMatch(/has both "body" \(--text-column\) and "text", the model's text column/);
    const missing = await refusal({ input: path.join(work, "tickets.csv"), textColumn: "subject" });
    expect(missing.message).toMatch(/has no "subject" column \(--text-column\); its columns are: id, body/);
  });

  it("lists the input's columns when the text column is missing", async () => {
    await writeFile(path.join(work, "bad.csv"), "id,body,subject\n1,hi,x\n");
    const error = await refusal({ input: path.join(work, "bad.csv") });
    expect(error.message).toMatch(/has no "text" column .*; its columns are: id, body, subject$/);
  });

  it("runs the same streamed data checks as `kindling run` on the input", async () => {
    const latin1 = Buffer.concat([
      Buffer.from('id,text\n1,"caf'),
      Buffer.from([0xe9]),
      Buffer.from(' au lait"\n'),
    ]);
    await writeFile(path.join(work, "latin1.csv"), latin1);
    const error = await refusal({ input: path.join(work, "latin1.csv") });
    expect(error.message).toMatch(/latin1\.csv:2 .*not valid UTF-8/);
    await writeFile(path.join(work, "semi.csv"), "id;text\n1;hello\n");
    expect((await refusal({ input: path.join(work, "semi.csv") })).message).toMatch(/has no "text" column/);
  });

  it("refuses input columns that predict writes, but lets a label column through", async () => {
    await writeFile(path.join(work, "labelled.csv"), "text,label\nhi,ham\n");
    await expect(
      planPredict(await request({ input: path.join(work, "labelled.csv") })),
    ).resolves.toBeDefined();
    await writeFile(path.join(work, "clash.csv"), "text,probability_spam,prediction\nhi,1,0\n");
    const error = await refusal({ input: path.join(work, "clash.csv") });
    expect(error.message).toMatch(/already has column\(s\) "probability_spam", "prediction"/);
  });

  it("never overwrites an output without --force, and wants known extensions", async () => {
    await writeFile(path.join(work, "scored.csv"), "old");
    const error = await refusal();
    expect(error.message).toMatch(/already exists/);
    expect(error.hint).toMatch(/--force/);
    await expect(planPredict(await request({ force: true }))).resolves.toMatchObject({ force: true });
    expect((await refusal({ output: path.join(work, "scored.xlsx") })).message).toMatch(
      /must be \.csv or \.parquet/,
    );
    expect((await refusal({ input: path.join(work, "missing.csv") })).message).toMatch(/not found/);
    expect((await refusal({ output: path.join(work, "no", "such", "dir.csv") })).message).toMatch(
      /does not exist/,
    );
  });
});

describe("buildPredictSpec", () => {
  it("reads new CSV input with the training data's dialect and text column", async () => {
    const req = await request();
    const spec = buildPredictSpec({
      runId: "r",
      kindlingVersion: "0.1.0",
      target: "local",
      trainSpec: req.spec as JobSpec,
      modelUri: "file:///m",
      featureSet: "tfidf",
      inputUri: "file:///in.csv",
      inputFormat: "csv",
      outputUri: "s3://bucket/out",
      outputFormat: "parquet",
    });
    expect(spec).toEqual({
      spec_version: 1,
      kind: "predict",
      run: { id: "r", kindling_version: "0.1.0", target: "local" },
      model: { uri: "file:///m", feature_set: "tfidf", text_column: "text" },
      input: { uri: "file:///in.csv", format: "csv", text_column: "text", csv: req.spec?.input.csv },
      output: { uri: "s3://bucket/out", format: "parquet" },
    });
  });
});
