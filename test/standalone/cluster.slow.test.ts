import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isRunning } from "../../src/targets/shared/processes.js";
import { startStandaloneCluster } from "../../src/targets/standalone/cluster.js";
import { buildCli, kindling, ROOT } from "../helpers/cli.js";
import { writeCorpusSlice } from "../helpers/corpus.js";
import { isLoopback, type Listener, listeners, processesWithEnv } from "./procfs.js";

// A real Spark standalone cluster (Java, the venv's PySpark): its daemons and executors listen on 127.0.0.1
// only, a run on it gets the metrics of a local[2] run, and nothing of it outlives a run, a failed run or
// an interrupted one. Each CLI run gets its own TMPDIR, inherited by every process it starts: that is how
// the test finds them (other agents may run Spark on the same machine).

const CONFIG = `project: standalone
data:
  path: slice.csv
features:
  word2vec:
    enabled: false
train:
  grid:
    max_iter: [10, 15]
spark:
  master: local[2]
  partitions: 4
  conf:
    spark.ui.enabled: false
    spark.sql.shuffle.partitions: 4
`;

let dir: string;
const made: string[] = [];
/** A driver that registers with the master given on its command line and sums 0..9 on its executors. */
const PROBE = fileURLToPath(new URL("./probe_driver.py", import.meta.url));

/** A fresh TMPDIR for one CLI run. */
async function tmpDir(): Promise<string> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), "kindling-standalone-tmp-"));
  made.push(tmp);
  return tmp;
}

beforeAll(async () => {
  buildCli();
  dir = await mkdtemp(path.join(os.tmpdir(), "kindling-standalone-e2e-"));
  await writeCorpusSlice(path.join(dir, "slice.csv"), 15);
  await writeFile(path.join(dir, "kindling.yaml"), CONFIG);
  made.push(dir);
});

afterAll(async () => {
  await Promise.all(made.map((d) => rm(d, { recursive: true, force: true })));
});

interface Seen {
  /** pid → command line, for every process started from the watched TMPDIR. */
  processes: Map<number, string>;
  /** pid → parent pid. */
  parents: Map<number, number>;
  /** Executors whose parent was read while they ran as executors. */
  executorParentKnown: Set<number>;
  listeners: Listener[];
}

/** Samples, every 500 ms until stopped, the processes carrying TMPDIR=`tmp` and their listening sockets. */
function watch(tmp: string): { stop(): Promise<Seen> } {
  const seen: Seen = {
    processes: new Map(),
    parents: new Map(),
    executorParentKnown: new Set(),
    listeners: [],
  };
  let running = true;
  const loop = (async () => {
    while (running) {
      const pids = await processesWithEnv("TMPDIR", tmp);
      for (const pid of pids) {
        // Read again each time: spark-class's bash becomes the daemon's JVM by exec, under the same pid.
        const cmd = (await readFile(`/proc/${pid}/cmdline`, "latin1").catch(() => "")).replaceAll(
          "\u0000",
          " ",
        );
        // A busy machine recycles pids: an executor's record is not overwritten by a later process's.
        if (role(seen.processes.get(pid) ?? "") === "executor" && role(cmd) !== "executor") continue;
        if (cmd || !seen.processes.has(pid)) seen.processes.set(pid, cmd);
        // An executor's parent is read once, while it is one: a later read could see the pid re-used.
        if (role(cmd) === "executor" && seen.parents.has(pid) && seen.executorParentKnown.has(pid)) continue;
        const stat = await readFile(`/proc/${pid}/stat`, "latin1").catch(() => "");
        const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
        if (ppid > 0) {
          seen.parents.set(pid, ppid);
          if (role(cmd) === "executor") seen.executorParentKnown.add(pid);
        }
      }
      seen.listeners.push(...(await listeners(pids)));
      await new Promise((r) => setTimeout(r, 500));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return seen;
    },
  };
}

/** What a process is, from its command line; spark-class's bash (and its subshells) and Spark's launcher
 * JVM name the same class as the daemon they start, so only the JVM running that class counts. */
function role(cmd: string): "master" | "worker" | "executor" | "other" {
  const [argv0 = ""] = cmd.split(" ");
  if (path.basename(argv0) !== "java" || cmd.includes("org.apache.spark.launcher.Main")) return "other";
  if (cmd.includes(" org.apache.spark.deploy.master.Master ")) return "master";
  if (cmd.includes(" org.apache.spark.deploy.worker.Worker ")) return "worker";
  if (cmd.includes(" org.apache.spark.executor.CoarseGrainedExecutorBackend ")) return "executor";
  return "other";
}

async function stillRunning(pids: Iterable<number>): Promise<number[]> {
  const alive = await Promise.all([...pids].map(async (p) => ((await isRunning(p)) ? p : -1)));
  return alive.filter((p) => p >= 0);
}

/** Nothing left of the cluster: no process started by the run, no cluster temp dir. */
async function expectNothingLeft(tmp: string, seen: Seen): Promise<void> {
  expect(await stillRunning(seen.processes.keys())).toEqual([]);
  expect(await processesWithEnv("TMPDIR", tmp)).toEqual([]);
  expect(readdirSync(tmp).filter((n) => n.startsWith("kindling-standalone-"))).toEqual([]);
}

function nonLoopback(seen: Seen): string[] {
  return seen.listeners
    .filter((l) => !isLoopback(l.address))
    .map((l) => `${l.address} (${seen.processes.get(l.pid)?.slice(0, 160)})`);
}

function readRun(runDir: string, file: string) {
  return JSON.parse(readFileSync(path.join(runDir, file), "utf8"));
}

describe("Spark standalone cluster (real daemons)", () => {
  it("starts a master and two workers on 127.0.0.1 only, and stop() leaves nothing", async () => {
    const t0 = Date.now();
    const cluster = await startStandaloneCluster({ workers: 2 });
    const startSeconds = (Date.now() - t0) / 1000;
    try {
      const status = (await (await fetch(`${cluster.webUiUrl}/json/`)).json()) as {
        url: string;
        aliveworkers: number;
        workers: Array<{ host: string; state: string; cores: number }>;
      };
      expect(status.url).toBe(cluster.masterUrl);
      expect(status.aliveworkers).toBe(2);
      expect(status.workers.map((w) => [w.host, w.state, w.cores])).toEqual([
        ["127.0.0.1", "ALIVE", 1],
        ["127.0.0.1", "ALIVE", 1],
      ]);
      const pids = cluster.processes.map((p) => p.pid);
      const sockets = await listeners(pids);
      // Master: RPC + web UI; each worker: RPC + web UI.
      expect(new Set(sockets.map((s) => s.pid))).toEqual(new Set(pids));
      expect(sockets.length).toBeGreaterThanOrEqual(6);
      expect(sockets.filter((s) => !isLoopback(s.address))).toEqual([]);
      console.info(`standalone cluster (master + 2 workers) ready in ${startSeconds.toFixed(1)}s`);
    } finally {
      const t1 = Date.now();
      await cluster.stop();
      console.info(`standalone cluster stopped in ${((Date.now() - t1) / 1000).toFixed(1)}s`);
    }
    expect(await stillRunning(cluster.processes.map((p) => p.pid))).toEqual([]);
    expect(existsSync(cluster.dir)).toBe(false);
  });

  it("admits only drivers with its secret (spark.authenticate), kept in a 0600 file", async () => {
    const cluster = await startStandaloneCluster({ workers: 1 });
    const submit = (args: string[]) => {
      const child = spawn(
        path.join(ROOT, ".venv", "bin", "spark-submit"),
        ["--master", cluster.masterUrl, ...args, PROBE],
        {
          env: {
            ...process.env,
            SPARK_LOCAL_IP: "127.0.0.1",
            PYSPARK_PYTHON: path.join(ROOT, ".venv", "bin", "python"),
          },
        },
      );
      let output = "";
      child.stdout.on("data", (d) => {
        output += d;
      });
      child.stderr.on("data", (d) => {
        output += d;
      });
      return { child, output: () => output };
    };
    try {
      expect(statSync(cluster.propertiesFile).mode & 0o777).toBe(0o600);
      expect(statSync(cluster.dir).mode & 0o777).toBe(0o700);
      const properties = readFileSync(cluster.propertiesFile, "utf8");
      expect(properties).toMatch(/^spark\.authenticate true$/m);
      expect(properties).toMatch(/^spark\.authenticate\.secret [0-9a-f]{64}$/m);
      expect(properties).toMatch(/^spark\.ui\.killEnabled false$/m);

      // Without the secret, the master refuses the driver's first message.
      const intruder = submit([]);
      const deadline = Date.now() + 60_000;
      while (!/Expected SaslMessage/.test(intruder.output()) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 250));
      }
      intruder.child.kill("SIGKILL");
      expect(intruder.output()).toMatch(/Failed to connect to master[\s\S]*Expected SaslMessage/);
      expect(intruder.output()).not.toMatch(/REGISTERED/);

      // With it, the same driver registers and runs.
      const admitted = submit(["--properties-file", cluster.propertiesFile]);
      const code = await new Promise((r) => admitted.child.on("exit", r));
      expect(code, admitted.output()).toBe(0);
      expect(admitted.output()).toMatch(/REGISTERED app-\S+ 45/);
    } finally {
      await cluster.stop();
    }
  });

  it("trains on it with executors on both workers, with the metrics of local[2], then stops it", async () => {
    const tmp = await tmpDir();
    const watcher = watch(tmp);
    const t0 = Date.now();
    const standalone = await kindling(["run", "--target", "standalone", "--json"], {
      cwd: dir,
      env: { TMPDIR: tmp },
    });
    const standaloneSeconds = (Date.now() - t0) / 1000;
    const seen = await watcher.stop();
    expect(standalone.code, standalone.stderr).toBe(0);

    const pidsOf = (r: string) =>
      [...seen.processes].filter(([, cmd]) => role(cmd) === r).map(([pid]) => pid);
    expect(pidsOf("master")).toHaveLength(1);
    const workers = pidsOf("worker");
    expect(workers).toHaveLength(2);
    // Executors in their own JVMs, launched by both workers: the job really ran distributed. (A worker
    // replaces an executor that dies, so there may be more than one per worker over the run.)
    const executors = pidsOf("executor");
    // Every worker launched executors (a sampled parent can be stale on a busy machine: subset, not equality).
    const launchers = executors.map((pid) => seen.parents.get(pid));
    for (const worker of workers) expect(launchers).toContain(worker);
    if (executors.length > 2) {
      console.info(
        `executors seen: ${executors.map((p) => seen.processes.get(p)?.match(/--executor-id \S+/)?.[0]).join(", ")}`,
      );
    }
    expect(seen.listeners.length).toBeGreaterThan(0);
    expect(nonLoopback(seen)).toEqual([]);
    await expectNothingLeft(tmp, seen);
    // The cluster's secret reached the driver in a file: no process had it on its command line.
    expect([...seen.processes.values()].filter((cmd) => /authenticate\.secret/.test(cmd))).toEqual([]);
    const command = readFileSync(
      path.join(JSON.parse(standalone.stdout).run_dir, "logs", "command.txt"),
      "utf8",
    );
    expect(command).toMatch(/--properties-file \S+\/conf\/spark-defaults\.conf/);
    expect(command).not.toMatch(/authenticate\.secret/);

    const t1 = Date.now();
    const local = await kindling(["run", "--master", "local[2]", "--json"], { cwd: dir });
    const localSeconds = (Date.now() - t1) / 1000;
    expect(local.code, local.stderr).toBe(0);

    const a = JSON.parse(standalone.stdout).run_dir as string;
    const b = JSON.parse(local.stdout).run_dir as string;
    const manifest = readRun(a, "manifest.json");
    expect(manifest).toMatchObject({ status: "succeeded", target: "standalone", partitions: 4 });
    expect(manifest.master).toMatch(/^spark:\/\/127\.0\.0\.1:\d+$/);
    expect(readRun(a, "spec.json").run.target).toBe("standalone");
    expect(readRun(b, "manifest.json")).toMatchObject({ target: "local", master: "local[2]" });

    const ma = readRun(a, "metrics.json").feature_sets;
    const mb = readRun(b, "metrics.json").feature_sets;
    expect(Object.keys(ma).sort()).toEqual(["hashing_tf", "tfidf"]);
    expect(Object.keys(mb).sort()).toEqual(Object.keys(ma).sort());
    for (const name of Object.keys(ma)) {
      expect(ma[name].accuracy, name).toBe(mb[name].accuracy);
      expect(Math.abs(ma[name].area_under_roc - mb[name].area_under_roc), name).toBeLessThan(1e-6);
      expect(ma[name].confusion_matrix, name).toEqual(mb[name].confusion_matrix);
      expect([ma[name].train_rows, ma[name].test_rows], name).toEqual([
        mb[name].train_rows,
        mb[name].test_rows,
      ]);
    }
    console.info(
      `standalone run ${standaloneSeconds.toFixed(1)}s, local[2] run ${localSeconds.toFixed(1)}s; ` +
        Object.keys(ma)
          .map(
            (n) =>
              `${n}: accuracy ${ma[n].accuracy} / ${mb[n].accuracy}, AUC ${ma[n].area_under_roc} / ${mb[n].area_under_roc}`,
          )
          .join("; "),
    );
  });

  it("stops the cluster when the job fails inside Spark", async () => {
    // Valid data (validation passes, so the cluster starts), but a split that leaves no test rows.
    await writeFile(
      path.join(dir, "three-rows.csv"),
      'text,label\n"a b c",spam\n"d e f",ham\n"g h i",spam\n',
    );
    await writeFile(
      path.join(dir, "three.yaml"),
      `${CONFIG.replace("slice.csv", "three-rows.csv").replace("train:\n", "train:\n  train_fraction: 0.99\n")}`,
    );
    const tmp = await tmpDir();
    const watcher = watch(tmp);
    const result = await kindling(["run", "-c", "three.yaml", "--target", "standalone", "--json"], {
      cwd: dir,
      env: { TMPDIR: tmp },
    });
    const seen = await watcher.stop();
    expect(result.code, result.stderr).toBe(1);
    expect(JSON.parse(result.stdout).error).toMatchObject({ kind: "JobFailedError", stage: "prepare" });
    expect([...seen.processes.values()].filter((c) => role(c) === "worker")).toHaveLength(2);
    await expectNothingLeft(tmp, seen);
  });

  it("stops the cluster on SIGTERM during training", async () => {
    const tmp = await tmpDir();
    const watcher = watch(tmp);
    const bin = fileURLToPath(new URL("../../bin/kindling.js", import.meta.url));
    const child = spawn(process.execPath, [bin, "run", "--target", "standalone"], {
      cwd: dir,
      env: { ...process.env, TMPDIR: tmp },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    const exited = new Promise<number | null>((resolve) => child.once("close", resolve));
    // Interrupt once executors run a job stage.
    for (let i = 0; i < 600 && !/… (Prepare|Featurize|Train)/.test(stderr); i += 1) {
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(stderr).toMatch(/… (Prepare|Featurize|Train)/);
    child.kill("SIGTERM");
    const code = await exited;
    const seen = await watcher.stop();
    expect(code, stderr).toBe(130);
    expect(stderr).toMatch(/was interrupted at stage/);
    expect(stderr).toMatch(/✔ Stop the standalone cluster/);
    expect([...seen.processes.values()].filter((c) => role(c) === "executor").length).toBeGreaterThan(0);
    await expectNothingLeft(tmp, seen);
  });
});
