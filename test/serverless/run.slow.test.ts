import { existsSync, readdirSync, readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import type { StartJobRunCommandInput } from "@aws-sdk/client-emr-serverless";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AwsHarness, emrWorkspace, smallJobConfig } from "../emr/harness.js";
import { kindling } from "../helpers/cli.js";

// `kindling run --target emr-serverless` as a user runs it, over real HTTP: moto for S3 and CloudFormation,
// the project's emulator for EMR Serverless (its job run really runs spark-submit on the local PySpark,
// with a Python that has no NumPy: the job's packages come from the archive it ships).
const PROJECT = "sle2e";
const CONFIG = smallJobConfig(
  PROJECT,
  `spark:
  master: local[2]
  partitions: 2
  conf:
    spark.ui.enabled: false
    spark.sql.shuffle.partitions: 2
serverless:
  executors: 1
  execution_timeout_minutes: 30
`,
);

let aws: AwsHarness;
let dir: string;
/** The run the first test trained on EMR Serverless (the predict test scores with its model). */
let serverlessRun: string | undefined;

beforeAll(async () => {
  ({ aws, dir } = await emrWorkspace(PROJECT, CONFIG, 40));
}, 120_000);

afterAll(async () => {
  await aws?.stop();
});

const cli = (args: string[]) => kindling(args, { cwd: dir, env: aws.env });

describe("kindling run --target emr-serverless (moto + EMR Serverless emulator, real Spark)", () => {
  it("brings back the local run's metrics, with the job run's facts, billed cost and report", async () => {
    const [local, remote] = [
      await cli(["run", "--json"]),
      await cli(["run", "--target", "emr-serverless", "--json"]),
    ];
    expect(local.code, local.stderr).toBe(0);
    expect(remote.code, remote.stderr).toBe(0);
    const l = JSON.parse(local.stdout);
    const r = JSON.parse(remote.stdout);
    expect(r.metrics).toEqual(l.metrics);

    serverlessRun = r.run_id;
    const runDir: string = r.run_dir;
    expect(existsSync(path.join(runDir, "_SUCCESS"))).toBe(true);
    expect(readdirSync(path.join(runDir, "models")).sort()).toEqual(["hashing_tf", "tfidf", "word2vec"]);
    // The job run stored its prepared text in the data bucket, where the next job run would reuse it.
    const job = JSON.parse(readFileSync(path.join(runDir, "job.json"), "utf8"));
    expect(job.prepared_cache).toEqual([
      expect.objectContaining({
        status: "stored",
        uri: expect.stringMatching(/^s3:\/\/[^/]+\/runs\/_prepared-text\/[0-9a-f]{32}$/),
      }),
    ]);
    const manifest = JSON.parse(readFileSync(path.join(runDir, "manifest.json"), "utf8"));
    expect(manifest).toMatchObject({
      status: "succeeded",
      target: "emr-serverless",
      rows: l.rows,
      serverless: {
        application_id: aws.foundation.serverlessApplicationId,
        job_run_state: "SUCCESS",
        driver: { cpu: 2, memory: "7g" },
        executor: { cpu: 4, memory: "14g", count: 1 },
      },
    });
    expect(manifest.serverless.timings.running_seconds).toBeGreaterThan(0);
    expect(manifest.serverless.billed.vcpu_hours).toBeGreaterThan(0);
    expect(manifest.serverless.cost.estimated).toBeGreaterThan(0);
    expect(manifest.serverless.cost.actual).toBeGreaterThan(0);
    expect(readFileSync(path.join(runDir, "logs", "job.log"), "utf8")).toMatch(/@@kindling .*stage_end/);
    expect(readFileSync(path.join(runDir, "report.html"), "utf8")).toMatch(/billed/);

    // What EMR Serverless received: one job run, the run id as its client token, sizes from the config.
    const starts = aws.serverless.calls.filter((c) => c.operation === "StartJobRun");
    expect(starts).toHaveLength(1);
    const request = starts[0]?.body as unknown as StartJobRunCommandInput;
    expect(request.clientToken).toBe(r.run_id);
    expect(request.jobDriver?.sparkSubmit?.sparkSubmitParameters).toContain(
      "--conf spark.executor.instances=1",
    );
    expect(request.jobDriver?.sparkSubmit?.sparkSubmitParameters).toContain(
      "--conf spark.sql.shuffle.partitions=2",
    );

    // status, logs and runs know the Serverless run.
    const status = JSON.parse((await cli(["status", r.run_id, "--json"])).stdout);
    expect(status).toMatchObject({ status: "succeeded", target: "emr-serverless" });
    expect(status.serverless.job_run_id).toBe(manifest.serverless.job_run_id);
    const logs = await cli(["logs", r.run_id, "--json"]);
    expect(logs.code, logs.stderr).toBe(0);
    expect(JSON.parse(logs.stdout).driver_stdout).toMatch(/@@kindling/);
    const runs = JSON.parse((await cli(["runs", "--json"])).stdout) as Array<{ id: string; target: string }>;
    expect(runs.find((x) => x.id === r.run_id)?.target).toBe("emr-serverless");
    // Shared in the data bucket's run history, complete.
    expect(remote.stderr).not.toContain("not published");
    const shared = JSON.parse((await cli(["runs", "--remote", "--json"])).stdout) as Array<{
      id: string;
      status: string;
    }>;
    expect(shared.find((x) => x.id === r.run_id)?.status).toBe("succeeded");
  });

  it("predict --target emr-serverless scores with that run's model exactly as local predict does", async () => {
    if (!serverlessRun) throw new Error("the first test trained no run");
    await writeFile(
      path.join(dir, "new.csv"),
      'id,text\n1,"WIN a FREE prize now, click here"\n2,"Can we move the meeting to 3pm tomorrow?"\n',
    );
    const args = ["predict", "--run", serverlessRun, "--input", "new.csv"];
    const local = await cli([...args, "--output", "local.csv"]);
    expect(local.code, local.stderr).toBe(0);
    const remote = await cli([...args, "--output", "remote.csv", "--target", "emr-serverless", "--json"]);
    expect(remote.code, remote.stderr).toBe(0);
    expect(JSON.parse(remote.stdout)).toMatchObject({ rows: 2 });
    expect(readFileSync(path.join(dir, "remote.csv"), "utf8")).toBe(
      readFileSync(path.join(dir, "local.csv"), "utf8"),
    );
    const start = aws.serverless.calls.filter((c) => c.operation === "StartJobRun").at(-1)
      ?.body as unknown as StartJobRunCommandInput;
    expect(start.clientToken).toMatch(/^predict-/);
    expect(start.jobDriver?.sparkSubmit?.entryPointArguments?.at(-1)).toMatch(
      /\/predict\/[^/]+\/spec\.json$/,
    );

    // A failed scoring job leaves nothing at --output.
    aws.serverless.setExecutor(async () => ({ exitCode: 1, driverStdout: "", driverStderr: "boom\n" }));
    try {
      const failed = await cli([...args, "--output", "failed.csv", "--target", "emr-serverless"]);
      expect(failed.code).toBe(1);
      expect(failed.stderr).toMatch(/failed on EMR Serverless/);
      expect(failed.stderr).toMatch(/Nothing was written to .*failed\.csv/);
      expect(existsSync(path.join(dir, "failed.csv"))).toBe(false);
    } finally {
      aws.serverless.setExecutor(aws.sparkExecutor);
    }
  });

  it("a job that fails in Spark: the driver's error and its cause, the failed state recorded, nothing downloaded", async () => {
    aws.serverless.setExecutor(async () => ({
      exitCode: 1,
      driverStdout: "",
      driverStderr: "Exception in thread main\njava.lang.OutOfMemoryError: Java heap space\n",
    }));
    try {
      const result = await cli(["run", "--target", "emr-serverless"]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/Spark ran out of memory/);
      // The unchanged input is not uploaded again.
      expect(result.stderr).toMatch(/slice\.csv is already there \(same content\): not uploaded again/);
      const runs = path.join(dir, "runs");
      const runDir = path.join(runs, readdirSync(runs).sort().pop() as string);
      const manifest = JSON.parse(readFileSync(path.join(runDir, "manifest.json"), "utf8"));
      expect(manifest).toMatchObject({
        status: "failed",
        failure: { kind: "JobRunFailed", cause: "out-of-memory" },
        serverless: { job_run_state: "FAILED" },
      });
      expect(existsSync(path.join(runDir, "_SUCCESS"))).toBe(false);
      expect(existsSync(path.join(runDir, "models"))).toBe(false);
    } finally {
      aws.serverless.setExecutor(aws.sparkExecutor);
    }
  });

  it("--dry-run --json: the StartJobRun request and uploads, with no AWS call", async () => {
    const before = aws.serverless.calls.length;
    const dry = await cli(["run", "--target", "emr-serverless", "--dry-run", "--json"]);
    expect(dry.code, dry.stderr).toBe(0);
    const plan = JSON.parse(dry.stdout);
    expect(plan.start_job_run.applicationId).toBe("<ServerlessApplicationId>");
    expect(plan.start_job_run.clientToken).toBe(plan.run_id);
    expect(plan.uploads.map((u: { kind: string }) => u.kind)).toEqual([
      "data",
      "deps",
      "code",
      "code",
      "spec",
    ]);
    expect(aws.serverless.calls.length).toBe(before);
  });
});
