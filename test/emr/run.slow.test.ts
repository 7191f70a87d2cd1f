import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import type { RunJobFlowCommandInput } from "@aws-sdk/client-emr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixtureRunExecutor } from "../emr-emulator/sparkStep.js";
import { kindling, ROOT } from "../helpers/cli.js";
import { type AwsHarness, emrWorkspace, smallJobConfig } from "./harness.js";

// `kindling run --target emr` as a user runs it, over real HTTP: moto for S3 and CloudFormation, the EMR
// emulator for EMR (its step really runs spark-submit on the local PySpark).
const PROJECT = "emre2e";
const CONFIG = smallJobConfig(
  PROJECT,
  `spark:
  master: local[2]
  partitions: 2
  conf:
    spark.ui.enabled: false
    spark.sql.shuffle.partitions: 2
`,
);

let aws: AwsHarness;
let dir: string;

beforeAll(async () => {
  ({ aws, dir } = await emrWorkspace(PROJECT, CONFIG, 40));
}, 120_000);

afterAll(async () => {
  await aws?.stop();
});

const cli = (args: string[]) => kindling(args, { cwd: dir, env: aws.env });

describe("kindling run --target emr (moto + EMR emulator, real Spark step)", () => {
  it("brings back the same metrics as the local target, with cluster facts and cost; the next run reuses its prepared text", async () => {
    const [local, emr] = [await cli(["run", "--json"]), await cli(["run", "--target", "emr", "--json"])];
    expect(local.code, local.stderr).toBe(0);
    expect(emr.code, emr.stderr).toBe(0);
    const l = JSON.parse(local.stdout);
    const e = JSON.parse(emr.stdout);
    expect(e.metrics).toEqual(l.metrics);

    const runDir: string = e.run_dir;
    expect(existsSync(path.join(runDir, "_SUCCESS"))).toBe(true);
    expect(existsSync(path.join(runDir, "report.html"))).toBe(true);
    expect(readdirSync(path.join(runDir, "models")).sort()).toEqual(["hashing_tf", "tfidf", "word2vec"]);
    const manifest = JSON.parse(readFileSync(path.join(runDir, "manifest.json"), "utf8"));
    expect(manifest).toMatchObject({ status: "succeeded", target: "emr", rows: l.rows });
    expect(manifest.emr.cluster_id).toMatch(/^j-/);
    expect(manifest.emr.cluster_state).toBe("TERMINATED");
    const storage = { root_volume_gb: 15, volumes: [{ type: "gp3", size_gb: 64 }] };
    expect(manifest.emr.instances).toEqual([
      { role: "primary", instance_types: ["m5.xlarge"], count: 1, market: "ON_DEMAND", ...storage },
      { role: "core", instance_types: ["m5.xlarge"], count: 2, market: "ON_DEMAND", ...storage },
    ]);
    // 3 × (EC2 0.192 + EMR 0.048 + 79 GiB of gp3 at 0.08 per GB-month / 730 h), us-east-1.
    expect(manifest.emr.cost.usd_per_hour).toBeCloseTo(3 * (0.24 + (79 * 0.08) / 730), 4);
    expect(manifest.emr.timings.provisioning_seconds).toBeGreaterThan(0);
    expect(manifest.emr.timings.running_seconds).toBeGreaterThan(0);
    expect(manifest.emr.cost.estimated).toBeGreaterThan(0);
    expect(manifest.emr.cost.actual).toBeGreaterThan(0);
    expect(manifest.input.uri).toMatch(
      new RegExp(`^s3://${aws.foundation.dataBucket}/data/[0-9a-f]{64}/slice.csv$`),
    );
    expect(readFileSync(path.join(runDir, "logs", "job.log"), "utf8")).toMatch(/@@kindling .*stage_end/);

    // The request EMR received: transient, tagged, in the foundation's network, one cluster-mode step.
    const request = aws.emr.calls.find((c) => c.operation === "RunJobFlow")
      ?.body as unknown as RunJobFlowCommandInput;
    expect(request.Instances?.KeepJobFlowAliveWhenNoSteps).toBe(false);
    expect(request.Instances?.Ec2SubnetId).toBe("subnet-0aaa");
    expect(request.Tags).toContainEqual({ Key: "kindling:run-id", Value: e.run_id });
    expect(request.Steps?.[0]?.HadoopJarStep?.Args?.slice(0, 3)).toEqual([
      "spark-submit",
      "--deploy-mode",
      "cluster",
    ]);
    expect(request.Steps?.[0]?.ActionOnFailure).toBe("TERMINATE_CLUSTER");
    // Spark settings from the config reach the step.
    expect(request.Steps?.[0]?.HadoopJarStep?.Args).toContain("spark.sql.shuffle.partitions=2");

    // status, logs and runs know the EMR run.
    const status = JSON.parse((await cli(["status", e.run_id, "--json"])).stdout);
    expect(status).toMatchObject({ run_id: e.run_id, status: "succeeded", target: "emr" });
    const logs = await cli(["logs", e.run_id]);
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toMatch(/final status: SUCCEEDED/);
    const runs = JSON.parse((await cli(["runs", "--json"])).stdout) as Array<{ id: string; target: string }>;
    expect(runs.find((r) => r.id === e.run_id)?.target).toBe("emr");

    // The run joined the shared history in the data bucket: its outputs were there, manifest and report
    // went up (nothing uploaded twice, nothing refused as different).
    expect(emr.stderr).not.toContain("not published");
    const remote = await cli(["runs", "--remote", "--json"]);
    expect(remote.code, remote.stderr).toBe(0);
    const shared = (JSON.parse(remote.stdout) as Array<{ id: string; status: string; target: string }>).find(
      (r) => r.id === e.run_id,
    );
    expect(shared).toMatchObject({ status: "succeeded", target: "emr" });
    const report = await aws.s3.headObject({
      Bucket: aws.foundation.dataBucket,
      Key: `runs/${e.run_id}/report.html`,
    });
    expect(report.ContentLength).toBeGreaterThan(0);

    // The prepared text went to the data bucket; the next run with the same input and text settings
    // reuses it, says so, and trains to the same metrics.
    const job = JSON.parse(readFileSync(path.join(runDir, "job.json"), "utf8"));
    expect(job.prepared_cache).toEqual([
      expect.objectContaining({
        status: "stored",
        uri: expect.stringMatching(
          new RegExp(`^s3://${aws.foundation.dataBucket}/runs/_prepared-text/[0-9a-f]{32}$`),
        ),
      }),
    ]);
    const cached = await cli(["--json", "cache", "list", "--remote"]);
    expect(cached.code, cached.stderr).toBe(0);
    const entries = (JSON.parse(cached.stdout) as { entries: Array<{ built_by: string; complete: boolean }> })
      .entries;
    expect(entries).toEqual([expect.objectContaining({ built_by: e.run_id, complete: true })]);
    const again = await cli(["run", "--target", "emr", "--events", "jsonl"]);
    expect(again.code, again.stderr).toBe(0);
    const events = again.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { code: string; message: string; data?: Record<string, unknown> });
    const reused = events.find((ev) => ev.data?.status === "reused");
    expect(reused?.message).toContain(`Reused the prepared text of run ${e.run_id}`);
    const result = events.at(-1)?.data as { run_dir: string };
    expect(JSON.parse(readFileSync(path.join(result.run_dir, "metrics.json"), "utf8"))).toEqual(l.metrics);
  });

  it("the nodes' Python has no NumPy: the job runs only because the archive it ships provides it", async () => {
    const ran = [...aws.emr.clusters.values()].find((c) => c.steps[0]?.state === "COMPLETED");
    const step = ran?.steps[0];
    if (!step) throw new Error("the first test's cluster ran no step");
    // The same step without the archive and the PYTHONPATH that points at it.
    const args: string[] = [];
    for (let i = 0; i < step.args.length; i++) {
      const arg = step.args[i] as string;
      if (arg === "--archives") i += 1;
      else if (arg === "--conf" && /PYTHONPATH=/.test(step.args[i + 1] ?? "")) i += 1;
      else args.push(arg);
    }
    const outcome = await aws.sparkExecutor({ ...step, args }, ran, new AbortController().signal);
    expect(outcome.exitCode).not.toBe(0);
    expect(`${outcome.driverStdout}\n${outcome.driverStderr}`).toMatch(/No module named 'numpy'/);
  });

  it("does not upload unchanged data twice, and stops on a bootstrap failure without downloading", async () => {
    // A bootstrap failure needs a bootstrap action: without one the emulator, like EMR, cannot fail there.
    aws.emr.injectFault("bootstrap-failure");
    const setAction = ["--set", "emr.bootstrap_actions=[{name: deps, path: s3://team-scripts/deps.sh}]"];
    const result = await cli(["run", "--target", "emr", ...setAction]);
    expect(result.code).toBe(1);
    // The step never started: the failing action's own log is shown, not a wait for step logs.
    expect(result.stderr).toMatch(
      /bootstrap action's stderr[\s\S]*s3:\/\/team-scripts\/deps\.sh: line 3: exit status 1/,
    );
    expect(result.stderr).not.toMatch(/Waiting for the step's logs/);
    expect(result.stderr).toMatch(/slice\.csv is already there \(same content\): not uploaded again/);
    expect(result.stderr).toMatch(/bootstrap-failure/);
    expect(result.stderr).toMatch(/bootstrap action 1 returned a non-zero return code/);
    const runDir = latestRun();
    const manifest = JSON.parse(readFileSync(path.join(runDir, "manifest.json"), "utf8"));
    expect(manifest).toMatchObject({ status: "failed", failure: { cause: "bootstrap-failure" } });
    expect(manifest.emr.cluster_state).toBe("TERMINATED_WITH_ERRORS");
    expect(existsSync(path.join(runDir, "_SUCCESS"))).toBe(false);
    expect(existsSync(path.join(runDir, "metrics.json"))).toBe(false);
  });

  it("shows the error tail and the cause of a failed step once its logs arrive late", async () => {
    aws.emr.setExecutor(async () => ({
      exitCode: 1,
      driverStdout: '@@kindling {"event":"stage_start","stage":"load"}\n',
      driverStderr:
        'Traceback (most recent call last):\n  File "entry.py", line 9, in <module>\nZeroDivisionError: division by zero\n',
    }));
    aws.emr.logDelayMs = 700;
    try {
      const result = await cli(["run", "--target", "emr"]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/Waiting for the step's logs/);
      expect(result.stderr).toMatch(/ZeroDivisionError: division by zero/);
      expect(result.stderr).toMatch(/python-traceback/);
      const cluster = [...aws.emr.clusters.values()].pop();
      expect(cluster?.state).toBe("TERMINATED_WITH_ERRORS");
      expect(cluster?.reason.Code).toBe("STEP_FAILURE");
      const runDir = latestRun();
      expect(existsSync(path.join(runDir, "_SUCCESS"))).toBe(false);
      expect(readFileSync(path.join(runDir, "logs", "spark.log"), "utf8")).toMatch(/ZeroDivisionError/);
    } finally {
      aws.emr.logDelayMs = 0;
    }
  });

  it("terminates the cluster on Ctrl-C and says so", async () => {
    aws.emr.setExecutor(
      (_step, _cluster, signal) =>
        new Promise((resolve) =>
          signal.addEventListener("abort", () =>
            resolve({ exitCode: 143, driverStdout: "", driverStderr: "killed" }),
          ),
        ),
    );
    const { child, stderr } = await emrRunWithStepRunning();
    child.kill("SIGINT");
    const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
    expect(code).toBe(130);
    expect(stderr()).toMatch(/Terminating cluster j-\w+ \(interrupted\)/);
    expect(aws.emr.calls.filter((c) => c.operation === "TerminateJobFlows").length).toBeGreaterThan(0);
    const cluster = [...aws.emr.clusters.values()].pop();
    expect(cluster?.reason).toMatchObject({ Code: "USER_REQUEST" });
    expect(cluster?.steps[0]?.state).toBe("CANCELLED");
    const manifest = JSON.parse(readFileSync(path.join(latestRun(), "manifest.json"), "utf8"));
    expect(manifest).toMatchObject({ status: "interrupted", failure: { kind: "Interrupted" } });
    // It waited for the end: the final state and what the cluster cost are on record.
    expect(manifest.emr.cluster_state).toBe("TERMINATED");
    expect(manifest.emr.cost.actual).toBeGreaterThan(0);
  });

  it('spark.line "4.0": the cluster runs emr-spark-8.0.0 and the job its Spark 4, recorded in the manifest', async () => {
    aws.emr.setExecutor(aws.sparkExecutor); // the real step again, after the tests above replaced it
    const yaml = readFileSync(path.join(dir, "kindling.yaml"), "utf8").replace(
      /^spark:\n/m,
      'spark:\n  line: "4.0"\n',
    );
    await writeFile(path.join(dir, "spark4.yaml"), yaml);
    const run = await cli(["run", "--target", "emr", "-c", "spark4.yaml", "--json"]);
    expect(run.code, run.stderr).toBe(0);
    const manifest = JSON.parse(
      readFileSync(path.join(JSON.parse(run.stdout).run_dir, "manifest.json"), "utf8"),
    );
    expect(manifest).toMatchObject({ status: "succeeded", emr: { release_label: "emr-spark-8.0.0" } });
    expect(manifest.versions.spark).toMatch(/^4\.0\.\d+$/);
    const request = aws.emr.calls.filter((c) => c.operation === "RunJobFlow").at(-1)?.body as unknown as
      | RunJobFlowCommandInput
      | undefined;
    expect(request?.ReleaseLabel).toBe("emr-spark-8.0.0");
  });
});

describe("when the CLI is not there to watch (moto + EMR emulator)", () => {
  /** Starts `kindling run --target emr`, waits until its step runs, then kills the CLI with SIGKILL. */
  async function killedWhileRunning(): Promise<string> {
    const { child, stderr } = await emrRunWithStepRunning();
    child.kill("SIGKILL");
    await new Promise((resolve) => child.once("close", resolve));
    const runId = /Run (\S+) →/.exec(stderr())?.[1];
    if (!runId) throw new Error(`no run id in: ${stderr()}`);
    return runId;
  }

  it("expired credentials: one line that says so, exit 1, no cluster started", async () => {
    const clusters = aws.emr.clusters.size;
    aws.emr.injectApiError("RunJobFlow", "ExpiredTokenException", 1);
    const result = await cli(["run", "--target", "emr"]);
    expect(result.code).toBe(1);
    const errors = result.stderr.split("\n").filter((l) => l.startsWith("error:"));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /^error: Run \S+ failed: AWS credentials have expired \(ExpiredTokenException: .*\) while starting the cluster\.$/,
    );
    expect(result.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(result.stderr).toMatch(/hint: Refresh them/);
    expect(aws.emr.clusters.size).toBe(clusters);
    const manifest = JSON.parse(readFileSync(path.join(latestRun(), "manifest.json"), "utf8"));
    expect(manifest.failure).toMatchObject({ kind: "AwsCredentials" });
  });

  it("a release the region does not offer stops the run in seconds, before any upload or cluster", async () => {
    const clusters = aws.emr.clusters.size;
    const runs = existsSync(path.join(dir, "runs")) ? readdirSync(path.join(dir, "runs")).length : 0;
    const result = await cli(["run", "--target", "emr", "--set", "emr.release_label=emr-7.99.0"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /The cluster would not start: EMR release: emr-7\.99\.0 is not offered in us-east-1 \(offered: emr-7\.13\.0\)/,
    );
    expect(result.stderr).toMatch(/kindling preflight/);
    expect(aws.emr.clusters.size).toBe(clusters);
    expect(readdirSync(path.join(dir, "runs")).length).toBe(runs);
  });

  it("a request EMR refuses as invalid: the cause and where to look, no cluster", async () => {
    const clusters = aws.emr.clusters.size;
    aws.emr.injectApiError("RunJobFlow", "ValidationException", 1);
    const result = await cli(["run", "--target", "emr"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /AWS refused the request as invalid while starting the cluster \(ValidationException: /,
    );
    expect(result.stderr).toMatch(/hint: .*--dry-run/);
    expect(aws.emr.clusters.size).toBe(clusters);
  });

  it("the CLI killed while the step runs: `status` shows it, `collect` completes it once the cluster ended", async () => {
    // The job's outputs appear when the test says: first the CLI dies, then the job ends.
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    aws.emr.setExecutor(fixtureRunExecutor({ s3: aws.s3, root: ROOT, release: released }));
    const runId = await killedWhileRunning();
    const early = await cli(["collect", runId]);
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(/is still running on cluster j-\w+ .*nothing to collect yet/);
    release();
    await aws.emr.idle();
    // A prefix of the id is enough (the run before this one may share its timestamp, so keep the suffix).
    const status = await cli(["status", runId.slice(0, -1), "--json"]);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({
      status: "running",
      live: { cluster_state: "TERMINATED" },
    });

    const collected = await cli(["collect", runId, "--json"]);
    expect(collected.code, collected.stderr).toBe(0);
    const runDir = path.join(dir, "runs", runId);
    expect(existsSync(path.join(runDir, "_SUCCESS"))).toBe(true);
    expect(existsSync(path.join(runDir, "report.html"))).toBe(true);
    const manifest = JSON.parse(readFileSync(path.join(runDir, "manifest.json"), "utf8"));
    expect(manifest).toMatchObject({ status: "succeeded", emr: { cluster_state: "TERMINATED" } });
    expect(JSON.parse(collected.stdout).metrics.best_feature_set).toBeTruthy();
    // Collected, it is shared like a run the CLI watched to the end.
    await aws.s3.headObject({ Bucket: aws.foundation.dataBucket, Key: `runs/${runId}/manifest.json` });
    // A complete run is not collected twice.
    expect((await cli(["collect", runId])).code).toBe(2);
    aws.emr.setExecutor(aws.sparkExecutor);
  });

  it("the CLI killed while the step runs: `terminate` ends the cluster and records the run as interrupted", async () => {
    aws.emr.setExecutor(
      (_step, _cluster, signal) =>
        new Promise((resolve) =>
          signal.addEventListener("abort", () =>
            resolve({ exitCode: 143, driverStdout: "", driverStderr: "killed" }),
          ),
        ),
    );
    const runId = await killedWhileRunning();
    const result = await cli(["terminate", runId]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`Run ${runId}: interrupted; cluster j-\\w+ TERMINATED`));
    const manifest = JSON.parse(readFileSync(path.join(dir, "runs", runId, "manifest.json"), "utf8"));
    expect(manifest).toMatchObject({ status: "interrupted", failure: { kind: "Terminated" } });
    expect(manifest.emr.cluster_state).toBe("TERMINATED");
    expect(manifest.emr.cost.actual).toBeGreaterThan(0);
    const cluster = aws.emr.clusters.get(manifest.emr.cluster_id);
    expect(cluster?.reason).toMatchObject({ Code: "USER_REQUEST" });
    aws.emr.setExecutor(aws.sparkExecutor);
  });
});

describe("kindling sweep --target emr (moto + EMR emulator)", () => {
  it("says the estimated cost first, then trains each combination on its own cluster, shared and tagged", async () => {
    const sweep = await cli(["sweep", "--target", "emr", "--set", "train.folds=2,3"]);
    expect(sweep.code, sweep.stderr).toBe(0);
    expect(sweep.stdout).toMatch(
      /2 runs \(2 train\.folds\) on emr, one after another; estimated cost \$\d+\.\d+ \(prices as of/,
    );
    const id = /Sweep (\S+): 2 of 2 runs succeeded/.exec(sweep.stdout)?.[1];
    expect(id).toBeTruthy();
    expect(sweep.stdout).toMatch(/train\.folds: 2 → 3/);
    const shared = await cli(["runs", "--remote", "--json", "--tag", `sweep=${id}`]);
    expect(shared.code, shared.stderr).toBe(0);
    const rows = JSON.parse(shared.stdout) as Array<{ status: string; target: string; cost_usd: number }>;
    expect(rows.map((r) => [r.status, r.target])).toEqual([
      ["succeeded", "emr"],
      ["succeeded", "emr"],
    ]);
    expect(rows.every((r) => r.cost_usd > 0)).toBe(true);
  });
});

/** `kindling run --target emr` as a child process, once the emulator runs its step. */
async function emrRunWithStepRunning(): Promise<{ child: ChildProcess; stderr: () => string }> {
  const child = spawn(process.execPath, [path.join(ROOT, "bin", "kindling.js"), "run", "--target", "emr"], {
    cwd: dir,
    env: { ...process.env, ...aws.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (d) => {
    stderr += d;
  });
  const deadline = Date.now() + 60_000;
  while (
    ![...aws.emr.clusters.values()].some((c) => c.steps[0]?.state === "RUNNING" && !c.terminateRequested)
  ) {
    if (Date.now() > deadline) throw new Error(`no running step: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, stderr: () => stderr };
}

function latestRun(): string {
  const runs = path.join(dir, "runs");
  return path.join(runs, readdirSync(runs).sort().pop() as string);
}
