import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import type { AddJobFlowStepsCommandInput, RunJobFlowCommandInput } from "@aws-sdk/client-emr";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { StepExecutor } from "../emr-emulator/server.js";
import { fixtureRunExecutor } from "../emr-emulator/sparkStep.js";
import { kindling, ROOT } from "../helpers/cli.js";
import { type AwsHarness, emrWorkspace, smallJobConfig } from "./harness.js";

// Warm clusters as a user drives them, over real HTTP (moto + the EMR emulator): `kindling cluster start`,
// runs as steps of it, Ctrl-C, a cluster stopped under a run, and the idle auto-termination. The job's
// outputs come from a recorded run (fixtureRunExecutor): what is tested here is the cluster's life, not
// Spark, which run.slow.test.ts covers.
const PROJECT = "emrwarm";
const CONFIG = smallJobConfig(PROJECT);

let aws: AwsHarness;
let dir: string;
let recorded: StepExecutor;

beforeAll(async () => {
  ({ aws, dir } = await emrWorkspace(PROJECT, CONFIG, 40));
  recorded = fixtureRunExecutor({ s3: aws.s3, root: ROOT, release: Promise.resolve() });
  aws.emr.setExecutor(recorded);
}, 120_000);

// A failed test must not leave its CLI holding the run lock for the next ones.
const children = new Set<ChildProcess>();
afterEach(() => {
  for (const child of children) child.kill("SIGKILL");
  children.clear();
});

afterAll(async () => {
  await aws?.stop();
});

const cli = (args: string[]) => kindling(args, { cwd: dir, env: aws.env, timeoutMs: 120_000 });
const calls = (operation: string) => aws.emr.calls.filter((c) => c.operation === operation);
const manifestOf = (runId: string) =>
  JSON.parse(readFileSync(path.join(dir, "runs", runId, "manifest.json"), "utf8"));

/** A step that runs until it is cancelled (or its cluster ends). */
const untilCancelled: StepExecutor = (_step, _cluster, signal) =>
  new Promise((resolve) =>
    signal.addEventListener("abort", () =>
      resolve({ exitCode: 143, driverStdout: "", driverStderr: "killed" }),
    ),
  );

describe("kindling cluster + run --cluster (moto + EMR emulator)", () => {
  // One warm cluster for the tests below, as `kindling cluster start` leaves it; each test can run alone.
  let started: Awaited<ReturnType<typeof cli>>;
  let clusterId = "";
  beforeAll(async () => {
    started = await cli(["cluster", "start", "--idle-minutes", "30", "--json"]);
    clusterId = started.code === 0 ? JSON.parse(started.stdout).id : "";
  }, 60_000);

  it("two runs share one warm cluster: one RunJobFlow, two steps, no provisioning in either run", async () => {
    expect(started.code, started.stderr).toBe(0);
    const cluster = JSON.parse(started.stdout);
    expect(cluster).toMatchObject({ id: clusterId, state: "WAITING" });

    const request = calls("RunJobFlow").at(-1)?.body as unknown as RunJobFlowCommandInput;
    expect(request.Instances?.KeepJobFlowAliveWhenNoSteps).toBe(true);
    expect(request.Steps ?? []).toEqual([]);
    expect(request.AutoTerminationPolicy).toEqual({ IdleTimeout: 1800 });
    expect(request.Tags).toContainEqual({ Key: "kindling:warm", Value: "true" });
    expect(request.Tags).toContainEqual({ Key: "kindling:project", Value: PROJECT });

    const listed = await cli(["cluster", "list", "--json"]);
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ id: clusterId, state: "WAITING" })]);

    const clustersBefore = calls("RunJobFlow").length;
    const stepsBefore = calls("AddJobFlowSteps").length;
    const first = await cli(["run", "--target", "emr", "--cluster", "latest"]);
    const second = await cli(["run", "--target", "emr", "--cluster", clusterId]);
    for (const r of [first, second]) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(new RegExp(`Added step s-\\w+ to warm cluster ${clusterId}`));
      expect(r.stderr).not.toMatch(/Started cluster/);
    }
    expect(calls("RunJobFlow").length).toBe(clustersBefore);
    expect(calls("AddJobFlowSteps").length).toBe(stepsBefore + 2);
    const added = calls("AddJobFlowSteps").at(-1)?.body as unknown as AddJobFlowStepsCommandInput | undefined;
    const step = added?.Steps?.[0];
    // A failed run must not end a cluster other runs share.
    expect(step?.ActionOnFailure).toBe("CONTINUE");
    expect(step?.HadoopJarStep?.Args?.slice(0, 3)).toEqual(["spark-submit", "--deploy-mode", "cluster"]);

    for (const r of [first, second]) {
      const manifest = manifestOf(runIdIn(r.stderr));
      expect(manifest).toMatchObject({
        status: "succeeded",
        emr: { cluster_id: clusterId, warm_cluster: true, cluster_state: "WAITING" },
      });
      expect(manifest.emr.timings.provisioning_seconds).toBe(0);
      expect(manifest.emr.timings.running_seconds).toBeGreaterThan(0);
      expect(manifest.emr.cost.actual).toBeGreaterThan(0);
      // The cluster's own instances and volumes, as ListInstanceGroups and DescribeCluster report them.
      expect(manifest.emr.instances).toContainEqual({
        role: "core",
        instance_types: ["m5.xlarge"],
        count: 2,
        market: "ON_DEMAND",
        root_volume_gb: 15,
        volumes: [{ type: "gp3", size_gb: 64 }],
      });
    }
    expect(aws.emr.clusters.get(clusterId)?.state).toBe("WAITING");
  });

  it("a failed step fails its run, not the cluster", async () => {
    aws.emr.setExecutor(async () => ({
      exitCode: 1,
      driverStdout: "",
      driverStderr: "Traceback (most recent call last):\nZeroDivisionError: division by zero\n",
    }));
    try {
      const result = await cli(["run", "--target", "emr", "--cluster", "latest"]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/ZeroDivisionError/);
      expect(calls("TerminateJobFlows")).toEqual([]);
      expect(aws.emr.clusters.get(clusterId)?.state).toBe("WAITING");
    } finally {
      aws.emr.setExecutor(recorded);
    }
  });

  it("Ctrl-C cancels the run's step and leaves the warm cluster up", async () => {
    aws.emr.setExecutor(untilCancelled);
    try {
      const { child, stderr, exited } = await warmRunWithStepRunning(clusterId);
      child.kill("SIGINT");
      expect(await exited()).toBe(130);
      expect(stderr()).toMatch(
        new RegExp(`Cancelling step s-\\w+ on cluster ${clusterId} \\(interrupted\\); the cluster stays up`),
      );
      expect(calls("CancelSteps")).toHaveLength(1);
      expect(calls("TerminateJobFlows")).toEqual([]);
      const cluster = aws.emr.clusters.get(clusterId);
      expect(cluster?.steps.at(-1)?.state).toBe("CANCELLED");
      expect(cluster?.state).toBe("WAITING");
      const manifest = manifestOf(runIdIn(stderr()));
      expect(manifest).toMatchObject({ status: "interrupted", emr: { warm_cluster: true } });
      expect(manifest.failure.message).toMatch(/step s-\w+ was cancelled and warm cluster j-\w+ stays up/);
    } finally {
      aws.emr.setExecutor(recorded);
    }
  });

  it("`cluster stop` under a running run: the run fails saying its cluster ended, and --cluster then refuses", async () => {
    aws.emr.setExecutor(untilCancelled);
    try {
      const { stderr, exited } = await warmRunWithStepRunning(clusterId);
      const stopped = await cli(["cluster", "stop", "latest"]);
      expect(stopped.code, stopped.stderr).toBe(0);
      expect(stopped.stdout).toMatch(new RegExp(`Cluster ${clusterId}: TERMINATED`));
      expect(await exited()).toBe(1);
      const manifest = manifestOf(runIdIn(stderr()));
      expect(manifest).toMatchObject({ status: "failed", failure: { kind: "ClusterTerminated" } });
      expect(manifest.failure.message).toMatch(new RegExp(`warm cluster ${clusterId} ended while step`));
    } finally {
      aws.emr.setExecutor(recorded);
    }

    const steps = calls("AddJobFlowSteps").length;
    const refused = await cli(["run", "--target", "emr", "--cluster", clusterId]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(new RegExp(`cluster ${clusterId} is TERMINATED: it cannot take a run`));
    const none = await cli(["run", "--target", "emr", "--cluster", "latest"]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/project emrwarm \(environment dev\) has no warm cluster up/);
    expect(calls("AddJobFlowSteps").length).toBe(steps);
    expect((await cli(["cluster", "list"])).stdout).toMatch(/no warm cluster up/);
  });

  it("a cluster that is not this project's warm cluster is neither run on nor stopped", async () => {
    const transient = await cli(["run", "--target", "emr", "--json"]);
    expect(transient.code, transient.stderr).toBe(0);
    const other = manifestOf(JSON.parse(transient.stdout).run_id).emr.cluster_id;
    const terminations = calls("TerminateJobFlows").length;
    for (const args of [
      ["run", "--target", "emr", "--cluster", other],
      ["cluster", "stop", other],
    ]) {
      const result = await cli(args);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(new RegExp(`cluster ${other} is not a warm cluster of project emrwarm`));
    }
    expect(calls("TerminateJobFlows").length).toBe(terminations);
  });

  it("a forgotten warm cluster ends by itself after its idle minutes", async () => {
    aws.emr.idleMsPerSecond = 20; // one idle minute passes in 1.2 s
    try {
      const started = await cli(["cluster", "start", "--idle-minutes", "1", "--json"]);
      expect(started.code, started.stderr).toBe(0);
      const { id } = JSON.parse(started.stdout);
      const deadline = Date.now() + 20_000;
      while (aws.emr.clusters.get(id)?.state !== "TERMINATED") {
        if (Date.now() > deadline)
          throw new Error(`cluster ${id} is still ${aws.emr.clusters.get(id)?.state}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(aws.emr.clusters.get(id)?.reason.Message).toMatch(/idle for 60 seconds/);
      expect((await cli(["cluster", "list"])).stdout).toMatch(/no warm cluster up/);
    } finally {
      aws.emr.idleMsPerSecond = 1000;
    }
  });
});

/** `kindling run --target emr --cluster ID` as a child process, once its step runs on the warm cluster. */
async function warmRunWithStepRunning(
  clusterId: string,
): Promise<{ child: ChildProcess; stderr: () => string; exited: () => Promise<number | null> }> {
  const child = spawn(
    process.execPath,
    [path.join(ROOT, "bin", "kindling.js"), "run", "--target", "emr", "--cluster", clusterId],
    { cwd: dir, env: { ...process.env, ...aws.env }, stdio: ["ignore", "pipe", "pipe"] },
  );
  children.add(child);
  let stderr = "";
  child.stderr?.on("data", (d) => {
    stderr += d;
  });
  // Listened for from the start: the run may end (e.g. its cluster stopped) before the test asks.
  const closed = new Promise<number | null>((resolve) => child.once("close", resolve));
  const steps = aws.emr.clusters.get(clusterId)?.steps.length ?? 0;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const cluster = aws.emr.clusters.get(clusterId);
    if ((cluster?.steps.length ?? 0) > steps && cluster?.steps.at(-1)?.state === "RUNNING") break;
    if (Date.now() > deadline) throw new Error(`no running step: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  /** The exit code; a run still going after two minutes is killed and the test fails with its output. */
  const exited = () =>
    new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error(`the run did not end within 2 minutes; it printed:\n${stderr}`));
      }, 120_000);
      void closed.then((code) => {
        clearTimeout(timer);
        resolve(code);
      });
    });
  return { child, stderr: () => stderr, exited };
}

function runIdIn(stderr: string): string {
  const runId = /Run (\S+) →/.exec(stderr)?.[1];
  if (!runId) throw new Error(`no run id in: ${stderr}`);
  return runId;
}
