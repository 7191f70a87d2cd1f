import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { BIN, buildCli, kindling } from "../helpers/cli.js";
import { writeCorpusSlice } from "../helpers/corpus.js";

let dir: string;
/** The prepared-text cache of this file's runs alone (the tests' shared cache may hold this slice's). */
let env: NodeJS.ProcessEnv;
/** The first run: it stores the prepared text that the later runs of the same slice reuse. */
let first: { runId: string; metrics: unknown };
let slice: { rows: number; labels: Record<string, number> };

const CONFIG = `project: e2e
data:
  path: slice.csv
spark:
  master: local[2]
  conf:
    spark.ui.enabled: false
    spark.sql.shuffle.partitions: 4
`;

beforeAll(async () => {
  buildCli();
  dir = await mkdtemp(path.join(os.tmpdir(), "kindling-e2e-"));
  env = { KINDLING_CACHE_DIR: path.join(dir, "cache") };
  slice = await writeCorpusSlice(path.join(dir, "slice.csv"), 15);
  await writeFile(path.join(dir, "kindling.yaml"), CONFIG);
});

describe("kindling run (local Spark, real corpus slice)", () => {
  it("trains all three feature sets and leaves a complete run (streaming its events as JSON lines)", async () => {
    const result = await kindling(["--events", "jsonl", "run"], { cwd: dir, env });
    expect(result.code, result.stderr).toBe(0);
    const events = result.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { code: string; span?: string; data: Record<string, unknown> });
    // Every stage of the job is a span, started and ended; the run's result is the last event.
    const stages = events.filter((e) => e.code === "KND_I3001");
    expect(stages.filter((e) => e.span === "start").map((e) => e.data.stage)).toContain("train:word2vec");
    expect(stages.filter((e) => e.span === "end")).toHaveLength(
      stages.filter((e) => e.span === "start").length,
    );
    expect(events.find((e) => e.code === "KND_I1001")?.data).toMatchObject({ target: "local" });
    const last = events.at(-1);
    expect(last?.code).toBe("KND_R9001");
    const out = last?.data as { run_dir: string; run_id: string };
    const runDir: string = out.run_dir;
    expect(existsSync(path.join(runDir, "_SUCCESS"))).toBe(true);

    const metrics = JSON.parse(readFileSync(path.join(runDir, "metrics.json"), "utf8"));
    first = { runId: out.run_id, metrics };
    expect(events.find((e) => e.code === "KND_I3004")?.data).toMatchObject({ status: "stored" });
    const majority = Math.max(...Object.values(slice.labels)) / slice.rows;
    expect(Object.keys(metrics.feature_sets).sort()).toEqual(["hashing_tf", "tfidf", "word2vec"]);
    for (const [name, m] of Object.entries(metrics.feature_sets) as Array<[string, { accuracy: number }]>) {
      expect(m.accuracy, `${name} accuracy vs majority rate ${majority}`).toBeGreaterThan(majority);
    }

    const manifest = JSON.parse(readFileSync(path.join(runDir, "manifest.json"), "utf8"));
    expect(manifest.status).toBe("succeeded");
    expect(manifest.rows.read).toBe(slice.rows);
    expect(manifest.rows.used + manifest.rows.null_dropped).toBe(slice.rows);
    expect(manifest.class_balance).toEqual(slice.labels);
    expect(manifest.versions).toMatchObject({ spark: "3.5.6" });
    expect(manifest.stages.map((s: { name: string }) => s.name)).toContain("train:word2vec");
    expect(readdirSync(path.join(runDir, "models")).sort()).toEqual(["hashing_tf", "tfidf", "word2vec"]);
    expect(JSON.parse(readFileSync(path.join(runDir, "spec.json"), "utf8")).run.id).toBe(out.run_id);
    // Spark's own log stays in the run, out of the terminal.
    expect(readFileSync(path.join(runDir, "logs", "spark.log"), "utf8").length).toBeGreaterThan(0);
    expect(result.stderr).not.toMatch(/WARN|INFO/);
    // So does its event log, which `kindling history` serves.
    expect(readdirSync(path.join(runDir, "logs")).filter((n) => /^local-\d+/.test(n))).toHaveLength(1);
  });

  it("kindling history serves the run's event log on 127.0.0.1 until Ctrl-C", async () => {
    const child = spawn(process.execPath, [BIN, "history", "latest"], {
      cwd: dir,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.stderr.on("data", (d) => {
      out += d;
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    const deadline = Date.now() + 120_000;
    while (!/History Server for \S+: http:\/\/127\.0\.0\.1:\d+/.test(out) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
    }
    const url = /http:\/\/127\.0\.0\.1:\d+/.exec(out)?.[0];
    expect(url, out).toBeDefined();
    const apps = (await (await fetch(`${url}/api/v1/applications`)).json()) as Array<{ name: string }>;
    expect(apps.map((a) => a.name)).toEqual([expect.stringMatching(/^kindling \d{8}-\d{6}-e2e-/)]);
    const jobs = (await (
      await fetch(`${url}/api/v1/applications/${(apps[0] as { id: string } | undefined)?.id}/jobs`)
    ).json()) as unknown[];
    expect(jobs.length).toBeGreaterThan(0);
    child.kill("SIGINT");
    expect(await exited).not.toBeNull();
    // The server went with it.
    await expect(fetch(`${url}/api/v1/applications`)).rejects.toThrow();
  }, 180_000);

  it("prints stages and the metrics table for people; status and logs name it `latest`", async () => {
    const result = await kindling(["run"], { cwd: dir, env });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/✔ Train tfidf \((\d+(\.\d)? s|\d+ min \d+ s)\)/);
    expect(result.stdout).toMatch(/model.*accuracy/);
    // The paths a person can type, report first, as the README shows them.
    expect(result.stdout).toMatch(
      /Report: runs\/\d{8}-\d{6}-e2e-[0-9a-f]{4}\/report\.html\nRun: runs\/\d{8}-\d{6}-e2e-[0-9a-f]{4}\n$/,
    );
    // The same slice and settings: the prepared text comes from the first run's cache entry, and every
    // metric is the same as that run's.
    expect(result.stderr).toContain(`Reused the prepared text of run ${first.runId}`);
    const runDir = path.join(dir, /Run: (runs\/\S+)\n$/.exec(result.stdout)?.[1] ?? "missing");
    expect(JSON.parse(readFileSync(path.join(runDir, "metrics.json"), "utf8"))).toEqual(first.metrics);
    const status = await kindling(["status", "latest"], { cwd: dir, env });
    expect(status.stdout).toMatch(/^Run \d{8}-\d{6}-e2e-[0-9a-f]{4}: succeeded \(local\)/);
    const logs = await kindling(["logs", "latest"], { cwd: dir, env });
    expect(logs.code, logs.stderr).toBe(0);
    // Cross-validation's progress in words between the stage's start and end, the last fit last (the
    // stage's own lines: Word2Vec trains beside the other feature sets, whose lines come between).
    const word2vec = logs.stdout
      .split("\n")
      .filter((line) => line.includes("Train word2vec"))
      .join("\n");
    expect(word2vec).toMatch(
      /^▶ Train word2vec\n( {2}Train word2vec: fold \d+\/\d+ · \d+\/\d+ fits · about .+ left\n)* {2}Train word2vec: fold (\d+)\/\2 · (\d+)\/\3 fits\n✔ Train word2vec \(/,
    );
    expect(logs.stdout).not.toMatch(/@@kindling/);
    expect(logs.stdout).toMatch(/Spark's own log: runs\/\d{8}-\d{6}-e2e-[0-9a-f]{4}\/logs\/spark\.log/);
    const runs = await kindling(["runs", "--json"], { cwd: dir, env });
    const listed = JSON.parse(runs.stdout);
    expect(listed.length).toBeGreaterThanOrEqual(2);
    expect(listed[0].status).toBe("succeeded");
  });

  it("kindling cache list shows the entry the first run built; kindling cache clear removes it", async () => {
    const listed = await kindling(["--json", "cache", "list"], { cwd: dir, env });
    expect(listed.code, listed.stderr).toBe(0);
    const { entries } = JSON.parse(listed.stdout) as {
      entries: Array<{ key: string; built_by: string; complete: boolean; bytes: number }>;
    };
    expect(entries.map((e) => [e.built_by, e.complete])).toEqual([[first.runId, true]]);
    expect(entries[0]?.bytes).toBeGreaterThan(0);
    const shown = await kindling(["cache", "list"], { cwd: dir, env });
    expect(shown.stdout).toContain((entries[0] as { key: string }).key.slice(0, 12));
    const cleared = await kindling(["cache", "clear"], { cwd: dir, env });
    expect(cleared.stdout).toMatch(/^Removed 1 entry \(/);
    const after = JSON.parse((await kindling(["--json", "cache", "list"], { cwd: dir, env })).stdout);
    expect(after.entries).toEqual([]);
  });

  it("refuses a config naming a missing column before any Spark job, creating no run", async () => {
    await writeFile(
      path.join(dir, "bad.yaml"),
      CONFIG.replace("path: slice.csv", "path: slice.csv\n  text: body"),
    );
    const before = readdirSync(path.join(dir, "runs")).length;
    const result = await kindling(["run", "-c", "bad.yaml"], { cwd: dir, env });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/data\.text: column "body" not found .* its columns are: text, label/);
    expect(readdirSync(path.join(dir, "runs")).length).toBe(before);
  });

  it("marks a run that fails inside Spark as failed, with its stage and no _SUCCESS", async () => {
    // Valid data (validation passes), but a split that leaves no test rows: only Spark finds out.
    await writeFile(
      path.join(dir, "three-rows.csv"),
      'text,label\n"a b c",spam\n"d e f",ham\n"g h i",spam\n',
    );
    await writeFile(
      path.join(dir, "three.yaml"),
      `${CONFIG.replace("slice.csv", "three-rows.csv")}train:\n  train_fraction: 0.99\n`,
    );
    const result = await kindling(["run", "-c", "three.yaml", "--json"], { cwd: dir, env });
    expect(result.code).toBe(1);
    const runDir = JSON.parse(result.stdout).error ? latestRun(dir, "three-rows") : "";
    const manifest = JSON.parse(readFileSync(path.join(runDir, "manifest.json"), "utf8"));
    expect(manifest.status).toBe("failed");
    expect(manifest.failure).toMatchObject({ stage: "prepare", kind: "EmptyData" });
    expect(manifest.failure.message).toMatch(/split/i);
    expect(existsSync(path.join(runDir, "_SUCCESS"))).toBe(false);
  });

  it("refuses a single-class input before Spark, creating no run", async () => {
    await writeFile(path.join(dir, "one-class.csv"), 'text,label\n"a b c",spam\n"d e f",spam\n');
    await writeFile(path.join(dir, "one.yaml"), CONFIG.replace("slice.csv", "one-class.csv"));
    const before = readdirSync(path.join(dir, "runs")).length;
    const result = await kindling(["run", "-c", "one.yaml"], { cwd: dir, env });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/data\.label: column "label" has one value \("spam"\)/);
    expect(readdirSync(path.join(dir, "runs")).length).toBe(before);
  });
});

function latestRun(root: string, inputName: string): string {
  const runsDir = path.join(root, "runs");
  const ids = readdirSync(runsDir).sort().reverse();
  for (const id of ids) {
    const manifest = JSON.parse(readFileSync(path.join(runsDir, id, "manifest.json"), "utf8"));
    if (manifest.input.uri.includes(inputName)) return path.join(runsDir, id);
  }
  throw new Error(`no run for ${inputName}`);
}
