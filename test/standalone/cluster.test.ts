import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { InterruptedError } from "../../src/errors.js";
import { isRunning, processesWithEnv } from "../../src/targets/shared/processes.js";
import {
  StandaloneClusterError,
  type StandaloneClusterOptions,
  startStandaloneCluster,
} from "../../src/targets/standalone/cluster.js";
import { type FakeMode, fakeSparkHome } from "./fakeSpark.js";

// The cluster's life cycle against a stand-in spark-class (no Java): readiness, start-up failures and a
// teardown that leaves nothing behind. The real daemons are exercised in cluster.slow.test.ts.
// A private TMPDIR: the cluster's temp dirs land there, and its processes carry it in their environment.
const homes: string[] = [];
const savedTmp = process.env.TMPDIR;
let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "kindling-cluster-test-"));
  process.env.TMPDIR = tmp;
});
afterEach(async () => {
  // Whatever happened, nothing of a cluster may be left: no temp dir, no process.
  expect((await readdir(tmp)).filter((n) => n.startsWith("kindling-standalone-"))).toEqual([]);
  expect(await processesWithEnv("TMPDIR", tmp)).toEqual([]);
});
afterAll(async () => {
  process.env.TMPDIR = savedTmp;
  await Promise.all([...homes, tmp].map((h) => rm(h, { recursive: true, force: true })));
});

async function options(mode: FakeMode, extra: StandaloneClusterOptions = {}) {
  const sparkHome = await fakeSparkHome(mode);
  homes.push(sparkHome);
  return { sparkHome, python: process.execPath, workers: 2, ...extra };
}

async function running(pids: number[]): Promise<number[]> {
  const alive = await Promise.all(pids.map(async (p) => ((await isRunning(p)) ? p : -1)));
  return alive.filter((p) => p >= 0);
}

describe("startStandaloneCluster", () => {
  it("is ready when the master reports every worker; stop() removes every process and the temp dir", async () => {
    const cluster = await startStandaloneCluster(await options("ok"));
    expect(cluster.masterUrl).toMatch(/^spark:\/\/127\.0\.0\.1:\d+$/);
    expect(cluster.webUiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(cluster.workerCount).toBe(2);
    expect(cluster.processes.map((p) => [p.role, p.name])).toEqual([
      ["master", "master"],
      ["worker", "worker-1"],
      ["worker", "worker-2"],
    ]);
    const status = (await (await fetch(`${cluster.webUiUrl}/json/`)).json()) as { aliveworkers: number };
    expect(status.aliveworkers).toBe(2);
    const pids = cluster.processes.map((p) => p.pid);
    expect(await cluster.livePids()).toEqual([...pids].sort((a, b) => a - b));
    expect(existsSync(cluster.dir)).toBe(true);

    await Promise.all([cluster.stop(), cluster.stop()]);
    expect(await running(pids)).toEqual([]);
    expect(existsSync(cluster.dir)).toBe(false);
    await cluster.stop();
  });

  it("kills what ignores SIGTERM after the grace period, including children in their own process group", async () => {
    const cluster = await startStandaloneCluster(await options("stubborn", { graceMs: 300 }));
    // Each worker started a grandchild outside its group, as PySpark's daemon does.
    let all: number[] = [];
    for (let i = 0; i < 50 && all.length < 5; i += 1) {
      all = await cluster.livePids();
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(all).toHaveLength(5);
    await cluster.stop();
    expect(await running(all)).toEqual([]);
    expect(await cluster.livePids()).toEqual([]);
  });

  it("fails with the end of the logs when a daemon exits, leaving nothing behind", async () => {
    const error = await startStandaloneCluster(await options("exit")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StandaloneClusterError);
    const message = (error as Error).message;
    expect(message).toMatch(/the master process ended \(exit code 3\) before the cluster was ready/);
    expect(message).toMatch(/--- master\.log .*\n.*BindException: boom/);
  });

  it("gives up at the deadline and stops what it started", async () => {
    const before = Date.now();
    const error = await startStandaloneCluster(await options("hang", { readyTimeoutMs: 1_500 })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StandaloneClusterError);
    expect((error as Error).message).toMatch(
      /the master did not start in time \(the master's web UI did not answer\)[\s\S]*master up/,
    );
    expect(Date.now() - before).toBeLessThan(15_000);
  });

  it("stops what it started when aborted during start-up", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 500);
    const error = await startStandaloneCluster(await options("hang", { signal: controller.signal })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InterruptedError);
  });

  it("refuses sizes Spark cannot use", async () => {
    await expect(startStandaloneCluster(await options("ok", { workers: 0 }))).rejects.toThrow(
      /workers must be a whole number of 1 or more/,
    );
    await expect(startStandaloneCluster(await options("ok", { memoryPerWorker: "lots" }))).rejects.toThrow(
      /memory per worker must look like 512m or 4g/,
    );
  });
});
