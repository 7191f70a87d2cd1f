import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AwsHarness, emrWorkspace } from "../emr/harness.js";
import { kindling } from "../helpers/cli.js";
import { tfidfOnlyConfig } from "../helpers/corpus.js";

// `kindling predict --target emr` over real HTTP: moto for S3 and CloudFormation, the EMR emulator for EMR
// (its step really runs spark-submit). A model trained locally in the test scores a few rows on "EMR"; the
// predictions must equal local scoring's.
const PROJECT = "predemr";
const CONFIG = tfidfOnlyConfig(PROJECT, 2);

let aws: AwsHarness;
let dir: string;

beforeAll(async () => {
  ({ aws, dir } = await emrWorkspace(PROJECT, CONFIG, 20));
  await writeFile(
    path.join(dir, "new.csv"),
    'id,text\n1,"WIN a FREE prize now, click here"\n2,"Can we move the meeting to 3pm tomorrow?"\n3,"cheap meds online"\n',
  );
}, 120_000);

afterAll(async () => {
  await aws?.stop();
});

const cli = (args: string[]) => kindling(args, { cwd: dir, env: aws.env });

describe("kindling predict --target emr (moto + EMR emulator, real Spark step)", () => {
  it("scores the same as local predict, and leaves the output in place only on success", async () => {
    const run = await cli(["run", "--json"]);
    expect(run.code, run.stderr).toBe(0);
    const local = await cli(["predict", "--run", "latest", "--input", "new.csv", "--output", "local.csv"]);
    expect(local.code, local.stderr).toBe(0);
    const emr = await cli([
      "predict",
      "--target",
      "emr",
      "--run",
      "latest",
      "--input",
      "new.csv",
      "--output",
      "emr.csv",
      "--json",
    ]);
    expect(emr.code, emr.stderr).toBe(0);
    expect(JSON.parse(emr.stdout)).toMatchObject({ rows: 3, feature_set: "tfidf" });
    expect(readFileSync(path.join(dir, "emr.csv"), "utf8")).toBe(
      readFileSync(path.join(dir, "local.csv"), "utf8"),
    );
    // The step EMR received names the predict spec; the cluster is a transient one-step cluster.
    const request = aws.emr.calls.find((c) => c.operation === "RunJobFlow")?.body as {
      Steps: Array<{ Name: string; HadoopJarStep: { Args: string[] } }>;
    };
    expect(request.Steps[0]?.Name).toBe("kindling predict");
    expect(request.Steps[0]?.HadoopJarStep.Args.at(-1)).toMatch(/\/predict\/[^/]+\/spec\.json$/);

    const again = await cli([
      "predict",
      "--target",
      "emr",
      "--run",
      "latest",
      "--input",
      "new.csv",
      "--output",
      "emr.csv",
    ]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists/);
  }, 600_000);
});
