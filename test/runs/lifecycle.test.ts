import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { LocalPreparedStore } from "../../src/cache/preparedText.js";
import { loadConfig } from "../../src/config/load.js";
import type { DataLocation } from "../../src/data/validate.js";
import { InterruptedError, JobFailedError, KindlingError, PrerequisiteError } from "../../src/errors.js";
import { TargetFailure } from "../../src/runs/failure.js";
import { RESERVE_FILE, runJob } from "../../src/runs/lifecycle.js";
import { acquireRunLock, LOCK_FILE, RunLockedError } from "../../src/runs/lock.js";
import type { JobFacts, Manifest } from "../../src/runs/manifest.js";
import type { Placement, RunInput, Target, TrainJob, TrainOutcome } from "../../src/targets/target.js";
import { RecordingHost } from "../helpers/recordingHost.js";

const FIXTURE = new URL("../fixtures/run-binary/", import.meta.url);

const FACTS: JobFacts = {
  rows: { read: 40, null_dropped: 0, used: 40, rejected: 0 },
  rejects: { rows: 0, max_fraction: 0.01, uri: null },
  null_counts: { text: 0, label: 0 },
  class_balance: { ham: 20, spam: 20 },
  stages: [{ name: "load", seconds: 1 }],
  versions: { spark: "3.5.6", python: "3.11.7", java: "17.0.15" },
  partitions: 2,
};

/**
 * A target that runs nothing: it writes what a job writes (or fails as told) and records every call,
 * so the test sees what the lifecycle guarantees for any target.
 */
class MemoryTarget implements Target {
  readonly name = "local" as const;
  readonly calls: string[] = [];
  constructor(
    private readonly script: {
      train?: (job: TrainJob) => Promise<TrainOutcome>;
      fail?: "check" | "prepare" | "teardown";
      /** Where the target keeps prepared-text cache entries (a local folder). */
      cacheRoot?: string;
    } = {},
  ) {}

  async check(input?: DataLocation): Promise<void> {
    this.calls.push(`check ${input?.kind}`);
    if (this.script.fail === "check") throw new PrerequisiteError("Java is missing");
  }
  async prepare(): Promise<void> {
    this.calls.push("prepare");
    if (this.script.fail === "prepare") throw new KindlingError("the cluster did not come up");
  }
  async place(run: { dir: string }, input: RunInput): Promise<Placement> {
    this.calls.push("place");
    return {
      inputUri: pathToFileURL((input.location as { path: string }).path).href,
      outputUri: pathToFileURL(run.dir).href,
      successMarker: false,
      master: "memory",
      manifest: { versions: { java: "17" } },
      ...(this.script.cacheRoot ? { preparedCache: new LocalPreparedStore(this.script.cacheRoot) } : {}),
    };
  }
  async train(job: TrainJob): Promise<TrainOutcome> {
    this.calls.push("train");
    if (this.script.train) return this.script.train(job);
    await writeJobOutputs(job.run.dir);
    return { manifest: { partitions: 3 } };
  }
  async predict(): Promise<never> {
    throw new Error("not used");
  }
  async teardown(): Promise<void> {
    this.calls.push("teardown");
    if (this.script.fail === "teardown")
      throw new KindlingError("could not stop the cluster", { hint: "kill it" });
  }
}

async function writeJobOutputs(dir: string): Promise<void> {
  await writeFile(path.join(dir, "job.json"), JSON.stringify(FACTS));
  await copyFile(new URL("metrics.json", FIXTURE), path.join(dir, "metrics.json"));
}

async function workspace(config = "project: mem\ndata:\n  path: data.csv\n", env?: string) {
  const dir = await mkdtemp(path.join(os.tmpdir(), "klife-"));
  const lines = [
    "text,label",
    ...Array.from({ length: 40 }, (_, i) => `"w${i} words here",${i % 2 ? "spam" : "ham"}`),
  ];
  await writeFile(path.join(dir, "data.csv"), `${lines.join("\n")}\n`);
  await writeFile(path.join(dir, "kindling.yaml"), config);
  const loaded = await loadConfig(path.join(dir, "kindling.yaml"), env ? { env } : {});
  const controller = new AbortController();
  const io = new RecordingHost();
  const run = (target: Target) => runJob({ loaded, target, io, signal: controller.signal });
  const runsDir = path.join(dir, "runs");
  const only = () => {
    const ids = readdirSync(runsDir).filter((n) => /^\d{8}-/.test(n));
    expect(ids).toHaveLength(1);
    const runDir = path.join(runsDir, ids[0] as string);
    return {
      runDir,
      manifest: JSON.parse(readFileSync(path.join(runDir, "manifest.json"), "utf8")) as Manifest,
    };
  };
  return { dir, loaded, controller, io, run, runsDir, only };
}

/** Only the owner reads a run: its folders 0700 and files 0600, whatever the job wrote them with. */
function expectPrivate(runsDir: string, runDir: string): void {
  expect(statSync(runsDir).mode & 0o777).toBe(0o700);
  expect(statSync(runDir).mode & 0o777).toBe(0o700);
  for (const entry of readdirSync(runDir, { withFileTypes: true, recursive: true })) {
    const mode = statSync(path.join(entry.parentPath, entry.name)).mode & 0o777;
    expect([entry.name, mode.toString(8)]).toEqual([entry.name, entry.isDirectory() ? "700" : "600"]);
  }
}

describe("the run lifecycle, for any target", () => {
  it("success: check → lock → prepare → run dir, spec and manifest → train → facts merged → report → _SUCCESS last → teardown", async () => {
    const w = await workspace();
    const target = new MemoryTarget();
    const result = await w.run(target);
    expect(target.calls).toEqual(["check local", "prepare", "place", "train", "teardown"]);
    const { runDir, manifest } = w.only();
    expect(result.runDir).toBe(runDir);
    expect(manifest).toMatchObject({
      status: "succeeded",
      target: "local",
      master: "memory",
      rows: FACTS.rows,
      partitions: FACTS.partitions,
      versions: { java: "17.0.15", spark: "3.5.6" },
      best: { feature_set: result.metrics.best_feature_set },
    });
    expect(manifest.input.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.parse(readFileSync(path.join(runDir, "spec.json"), "utf8")).run.id).toBe(result.runId);
    // The report exists before the marker: whoever waits for _SUCCESS sees a complete run.
    const report = statSync(path.join(runDir, "report.html"));
    const marker = statSync(path.join(runDir, "_SUCCESS"));
    expect(report.mtimeMs).toBeLessThanOrEqual(marker.mtimeMs);
    expect(existsSync(path.join(runDir, RESERVE_FILE))).toBe(false);
    expect(existsSync(path.join(w.runsDir, LOCK_FILE))).toBe(false);
    expect(w.io.codes()).toContain("KND_I1001");
    expectPrivate(w.runsDir, runDir);
  });

  it("the run's record carries the environment it was started in", async () => {
    const config =
      "project: mem\ndata:\n  path: data.csv\nenvironments:\n  dev: {default: true}\n  prod: {}\n";
    const prod = await workspace(config, "prod");
    await prod.run(new MemoryTarget());
    expect(prod.only().manifest.environment).toBe("prod");
    const plain = await workspace();
    await plain.run(new MemoryTarget());
    expect(plain.only().manifest).not.toHaveProperty("environment");
  });

  it("what a target records while the job runs is in manifest.json at once (a cluster id survives a crash)", async () => {
    const w = await workspace();
    let seen: Manifest | undefined;
    const target = new MemoryTarget({
      train: async (job) => {
        await job.record({ emr: { cluster_id: "j-1" } });
        seen = JSON.parse(readFileSync(path.join(job.run.dir, "manifest.json"), "utf8"));
        await writeJobOutputs(job.run.dir);
        return {};
      },
    });
    await w.run(target);
    expect(seen).toMatchObject({ status: "running", emr: { cluster_id: "j-1" } });
    expect(w.only().manifest.emr?.cluster_id).toBe("j-1");
  });

  it("a target's failure is recorded with its stage, kind, cause and what it learned; no _SUCCESS; exit 1", async () => {
    const w = await workspace();
    const target = new MemoryTarget({
      train: async (job) => {
        // What a job leaves behind with its own (wider) modes before failing.
        await mkdir(path.join(job.run.dir, "rejects"), { mode: 0o755 });
        await writeFile(path.join(job.run.dir, "rejects", "part-0.csv"), "x\n", { mode: 0o644 });
        throw new TargetFailure(
          {
            stage: "prepare",
            kind: "TooManyRejects",
            message: "5 of 10 rows",
            hint: "fix them",
            cause: "bad-rows",
          },
          { manifest: { rows: { read: 10, null_dropped: 0, used: 5, rejected: 5 } } },
        );
      },
    });
    const error = await w.run(target).catch((e) => e);
    expect(error).toBeInstanceOf(JobFailedError);
    expect(error.exitCode).toBe(1);
    expect(error.message).toMatch(/^Run \S+ failed at stage prepare: 5 of 10 rows$/);
    expect(error.hint).toBe("fix them");
    const { runDir, manifest } = w.only();
    expect(manifest).toMatchObject({
      status: "failed",
      failure: { stage: "prepare", kind: "TooManyRejects", message: "5 of 10 rows", cause: "bad-rows" },
      rejects: { rows: 5, max_fraction: 0.01, dir: "rejects" },
    });
    expect(existsSync(path.join(runDir, "_SUCCESS"))).toBe(false);
    expectPrivate(w.runsDir, runDir);
    expect(target.calls.at(-1)).toBe("teardown");
    expect(existsSync(path.join(w.runsDir, LOCK_FILE))).toBe(false);
  });

  it("an interrupt is recorded as interrupted (not failed), whatever the target threw, and exits 130", async () => {
    const w = await workspace();
    const target = new MemoryTarget({
      train: async () => {
        w.controller.abort("SIGINT");
        throw new Error("socket hang up");
      },
    });
    const error = await w.run(target).catch((e) => e);
    expect(error).toBeInstanceOf(InterruptedError);
    expect(error.exitCode).toBe(130);
    expect(w.only().manifest).toMatchObject({
      status: "interrupted",
      failure: { kind: "Interrupted", stage: "train" },
    });
    expect(target.calls.at(-1)).toBe("teardown");
  });

  it("a full disk is named as such, and the reserve is freed first so the manifest can still be written", async () => {
    const w = await workspace();
    let reserved = false;
    const target = new MemoryTarget({
      train: async (job) => {
        reserved = existsSync(path.join(job.run.dir, RESERVE_FILE));
        throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
      },
    });
    const error = await w.run(target).catch((e) => e);
    expect(reserved).toBe(true);
    expect(error.message).toMatch(/the disk holding .*runs is full/);
    const { runDir, manifest } = w.only();
    expect(manifest.failure).toMatchObject({ kind: "DiskFull" });
    expect(existsSync(path.join(runDir, RESERVE_FILE))).toBe(false);
  });

  it("a job that ends without its outputs is a failure, not a success", async () => {
    const w = await workspace();
    const error = await w.run(new MemoryTarget({ train: async () => ({}) })).catch((e) => e);
    expect(error).toBeInstanceOf(JobFailedError);
    expect(w.only().manifest.failure).toMatchObject({ kind: "MissingOutputs", stage: "finish" });
  });

  it("a failed check creates nothing, not even the runs folder, and prepares nothing", async () => {
    const w = await workspace();
    const target = new MemoryTarget({ fail: "check" });
    await expect(w.run(target)).rejects.toBeInstanceOf(PrerequisiteError);
    expect(target.calls).toEqual(["check local"]);
    expect(existsSync(w.runsDir)).toBe(false);
  });

  it("a prepare that fails half-way is torn down, and no run directory is left", async () => {
    const w = await workspace();
    const target = new MemoryTarget({ fail: "prepare" });
    await expect(w.run(target)).rejects.toThrow(/the cluster did not come up/);
    expect(target.calls).toEqual(["check local", "prepare", "teardown"]);
    expect(readdirSync(w.runsDir).filter((n) => !n.startsWith("."))).toEqual([]);
  });

  it("one writing run per store: a second is refused before its target starts anything", async () => {
    const w = await workspace();
    const held = await acquireRunLock(w.runsDir);
    await held.setRun("20261127-231500-mem-aaaa");
    const target = new MemoryTarget();
    const error = await w.run(target).catch((e) => e);
    await held.release();
    expect(error).toBeInstanceOf(RunLockedError);
    expect(error.message).toMatch(/run 20261127-231500-mem-aaaa/);
    expect(target.calls).toEqual(["check local"]);
  });

  it("teardown failing after a good run fails the command (something may be left running); after a failed run it only warns", async () => {
    const w = await workspace();
    await expect(w.run(new MemoryTarget({ fail: "teardown" }))).rejects.toThrow(/could not stop the cluster/);
    const failing = new MemoryTarget({
      fail: "teardown",
      train: async () => {
        throw new TargetFailure({ stage: "train", kind: "SparkFailure", message: "boom", hint: "h" });
      },
    });
    await expect(w.run(failing)).rejects.toThrow(/failed at stage train: boom/);
    expect(w.io.text()).toMatch(/could not stop the cluster kill it/);
  });
});

describe("the prepared-text cache, as the lifecycle names and trims it", () => {
  const specOf = (runDir: string) =>
    JSON.parse(readFileSync(path.join(runDir, "spec.json"), "utf8")) as {
      prepared_cache: { uri: string } | null;
    };

  async function oldEntry(root: string, key: string, createdAt: string, bytes: number): Promise<void> {
    await mkdir(path.join(root, key, "train"), { recursive: true });
    await writeFile(path.join(root, key, "train", "part-00000-x.parquet"), Buffer.alloc(bytes));
    await writeFile(
      path.join(root, key, "entry.json"),
      JSON.stringify({ created_at: createdAt, run_id: `run-${key}` }),
    );
  }

  it("a local input's run names its entry in the target's cache; the entry is trimmed to cache.max_size, oldest first", async () => {
    const w = await workspace("project: mem\ndata:\n  path: data.csv\ncache:\n  max_size: 3k\n");
    const root = path.join(w.dir, "cache");
    await oldEntry(root, "oldest", "2026-01-01T00:00:00Z", 1500);
    await oldEntry(root, "older", "2026-02-01T00:00:00Z", 1500);
    let named = "";
    const target = new MemoryTarget({
      cacheRoot: root,
      train: async (job) => {
        named = job.spec.prepared_cache?.uri ?? "";
        // What the job stores: an entry of 1 KiB under the named key.
        const key = named.split("/").pop() as string;
        await oldEntry(root, key, new Date().toISOString(), 1024);
        await writeJobOutputs(job.run.dir);
        return {};
      },
    });

    await w.run(target);

    expect(named).toMatch(new RegExp(`^${pathToFileURL(root).href}/[0-9a-f]{32}$`));
    expect(specOf(w.only().runDir).prepared_cache?.uri).toBe(named);
    // 1500 + 1500 + 1024 (+ small entry.json files) > 3 KiB: the oldest goes; the older and the new fit.
    expect(readdirSync(root).sort()).toEqual([named.split("/").pop(), "older"].sort());
    const evicted = w.io.messages.filter((m) => m.code === "KND_I3006");
    expect(evicted.map((m) => (m.data as { key: string }).key)).toEqual(["oldest"]);
  });

  it("the same input and settings name the same entry; cache.prepared_text: false names none", async () => {
    const named: Array<string | undefined> = [];
    for (const config of ["", "cache:\n  prepared_text: false\n"]) {
      for (let i = 0; i < 2; i++) {
        const w = await workspace(`project: mem\ndata:\n  path: data.csv\n${config}`);
        await w.run(
          new MemoryTarget({
            cacheRoot: "/cache",
            train: async (job) => {
              named.push(job.spec.prepared_cache?.uri);
              await writeJobOutputs(job.run.dir);
              return {};
            },
          }),
        );
      }
    }
    expect(named[0]).toMatch(/^file:\/\/\/cache\/[0-9a-f]{32}$/);
    expect(named.slice(0, 2)).toEqual([named[0], named[0]]);
    expect(named.slice(2)).toEqual([undefined, undefined]);
  });
});
