/**
 * The contenders, each run as its own process on the same corpus file and measured from outside: wall
 * time from spawn to exit, peak memory of the process tree, and the stage times and accuracies the run
 * reports about itself.
 */
import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { stringify } from "yaml";
import { SEED_LITERAL_CLEANING } from "../src/config/schema.js";
import { type MemoryPeaks, MemoryWatcher } from "./memory.js";

export const ROOT = path.resolve(import.meta.dirname, "..");
const VENV = path.join(ROOT, ".venv", "bin");
const BENCH_VENV = path.join(ROOT, ".venv-bench", "bin");

export type FeatureSetName = "hashing_tf" | "tfidf" | "word2vec";
export const ALL_SETS: FeatureSetName[] = ["hashing_tf", "tfidf", "word2vec"];

export interface Stage {
  name: string;
  seconds: number;
}

export interface RunMeasurement {
  runner: "kindling" | "seed-literal" | "sklearn";
  engine: string;
  documents: number;
  wall_seconds: number;
  /** Seconds the run spent before its first data stage (JVM + SparkSession, or imports). */
  startup_seconds: number | null;
  docs_per_second: number;
  stages: Stage[];
  /** By model: a feature set, or <feature set>/<classifier> when a run trains several classifiers. */
  accuracy: Partial<Record<string, number>>;
  memory: MemoryPeaks;
  log: string;
  extra?: Record<string, unknown>;
}

export class RunFailedError extends Error {
  constructor(runner: string, code: number | null, log: string) {
    super(`${runner} exited with ${code}; see ${log}`);
  }
}

interface Measured {
  wallSeconds: number;
  memory: MemoryPeaks;
  stdout: string;
}

/** Spawns `command`, samples its memory (plus `extraRoots`, e.g. a cluster's workers), waits for the exit. */
async function measure(
  runner: string,
  command: string,
  args: string[],
  log: string,
  options: { cwd?: string; env?: NodeJS.ProcessEnv; extraRoots?: () => number[] } = {},
): Promise<Measured> {
  await mkdir(path.dirname(log), { recursive: true });
  const logStream = createWriteStream(log);
  const started = process.hrtime.bigint();
  const child = spawn(command, args, {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const watcher = new MemoryWatcher(() => [
    ...(child.pid ? [child.pid] : []),
    ...(options.extraRoots?.() ?? []),
  ]);
  let stdout = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    logStream.write(chunk);
  });
  child.stderr.pipe(logStream, { end: false });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", resolve);
  });
  const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  const memory = watcher.stop();
  logStream.end();
  if (code !== 0) throw new RunFailedError(runner, code, log);
  return { wallSeconds, memory, stdout };
}

const round = (x: number, digits = 3) => Number(x.toFixed(digits));

/** As Kindling runs spark-submit: the venv's Python on driver and workers (its launcher finds SPARK_HOME
 * through `python3` on PATH), everything on loopback, no console progress bars in the logs. */
const SPARK_ENV: NodeJS.ProcessEnv = {
  PATH: `${VENV}${path.delimiter}${process.env.PATH ?? ""}`,
  PYSPARK_PYTHON: path.join(VENV, "python"),
  PYSPARK_DRIVER_PYTHON: path.join(VENV, "python"),
  SPARK_LOCAL_IP: "127.0.0.1",
};
const QUIET = ["--conf", "spark.ui.showConsoleProgress=false"];

export interface KindlingOptions {
  corpus: string;
  documents: number;
  work: string;
  sets: FeatureSetName[];
  master?: string;
  driverMemory: string;
  /** Extra kindling.yaml settings, merged over the defaults (e.g. spark.partitions). */
  overrides?: Record<string, unknown>;
  engine?: string;
  extraRoots?: () => number[];
  /** The config a user gets from `kindling init` with this preset (the corpus, its columns and the
   * driver memory only): `sets` and the engine comparison's seed-literal cleaning are not applied. */
  preset?: "seed" | "recommended";
  /** The corpus has quoted line breaks (the demo corpus does; generated ones do not). */
  multiline?: boolean;
  /**
   * The prepared-text cache folder (KINDLING_CACHE_DIR) the run uses; without one the cache is off, so a
   * run never reuses what an earlier benchmark prepared and every comparison starts from the raw text.
   */
  cacheDir?: string;
}

/** Kindling's job through the built CLI, with the config a user would write for this corpus. */
export async function runKindling(o: KindlingOptions): Promise<RunMeasurement> {
  await mkdir(o.work, { recursive: true });
  const features = Object.fromEntries(ALL_SETS.map((name) => [name, { enabled: o.sets.includes(name) }]));
  const overrides = o.overrides ?? {};
  const data = { path: o.corpus, text: "text", label: "label", csv: { multiline: o.multiline ?? false } };
  const cache = { prepared_text: o.cacheDir !== undefined };
  const config = o.preset
    ? {
        version: 1,
        project: "bench",
        preset: o.preset,
        data,
        cache,
        spark: { driver_memory: o.driverMemory },
      }
    : {
        version: 1,
        project: "bench",
        data,
        cache,
        // The baselines clean as the seed did, rule for rule: the comparison is of engines, not of rules.
        text: { clean: SEED_LITERAL_CLEANING },
        features,
        ...overrides,
        spark: { driver_memory: o.driverMemory, ...(overrides.spark as object | undefined) },
      };
  const configFile = path.join(o.work, "kindling.yaml");
  await writeFile(configFile, stringify(config));
  const args = [path.join(ROOT, "bin", "kindling.js"), "run", "-c", configFile, "--json"];
  if (o.master) args.push("--master", o.master);
  const log = path.join(o.work, "kindling.log");
  const { wallSeconds, memory, stdout } = await measure("kindling", process.execPath, args, log, {
    cwd: o.work,
    ...(o.extraRoots ? { extraRoots: o.extraRoots } : {}),
    ...(o.cacheDir ? { env: { KINDLING_CACHE_DIR: o.cacheDir } } : {}),
  });
  const result = JSON.parse(stdout) as { run_dir: string }; // --json: stdout is the one result document
  const job = JSON.parse(await readFile(path.join(result.run_dir, "job.json"), "utf8")) as {
    stages: Stage[];
    partitions: number;
  };
  const metrics = JSON.parse(await readFile(path.join(result.run_dir, "metrics.json"), "utf8")) as {
    feature_sets: Record<string, { accuracy: number }>;
  };
  const accuracy: RunMeasurement["accuracy"] = Object.fromEntries(
    Object.entries(metrics.feature_sets).map(([name, m]) => [name, m.accuracy]),
  );
  const load = job.stages.find((s) => s.name === "load");
  return {
    runner: "kindling",
    engine: o.engine ?? o.master ?? "local[*]",
    documents: o.documents,
    wall_seconds: round(wallSeconds),
    startup_seconds: load ? round(load.seconds) : null,
    docs_per_second: Math.round(o.documents / wallSeconds),
    stages: job.stages,
    accuracy,
    memory,
    log,
    extra: {
      run_dir: result.run_dir,
      partitions: job.partitions,
      ...(o.preset ? { preset: o.preset } : { sets: o.sets }),
    },
  };
}

interface BaselineResult {
  startup_seconds: number;
  stages: Stage[];
  feature_sets: Record<string, { accuracy: number }>;
  versions?: Record<string, string>;
}

async function baseline(
  runner: "seed-literal" | "sklearn",
  command: string,
  args: string[],
  o: { corpus: string; documents: number; work: string; sets: FeatureSetName[]; engine: string },
  env?: NodeJS.ProcessEnv,
): Promise<RunMeasurement> {
  await mkdir(o.work, { recursive: true });
  const resultFile = path.join(o.work, `${runner}.json`);
  const log = path.join(o.work, `${runner}.log`);
  const common = ["--data", o.corpus, "--text", "text", "--label", "label", "--work", o.work];
  const { wallSeconds, memory } = await measure(
    runner,
    command,
    [...args, ...common, "--sets", o.sets.join(","), "--result", resultFile],
    log,
    { cwd: o.work, ...(env ? { env } : {}) },
  );
  const result = JSON.parse(await readFile(resultFile, "utf8")) as BaselineResult;
  // Stages named bench_* only count rows for this report (the seed does not): not charged to the seed.
  const benchOnly = result.stages
    .filter((s) => s.name.startsWith("bench_"))
    .reduce((t, s) => t + s.seconds, 0);
  const wall = wallSeconds - benchOnly;
  return {
    runner,
    engine: o.engine,
    documents: o.documents,
    wall_seconds: round(wall),
    startup_seconds: round(result.startup_seconds),
    docs_per_second: Math.round(o.documents / wall),
    stages: result.stages,
    accuracy: Object.fromEntries(Object.entries(result.feature_sets).map(([k, v]) => [k, v.accuracy])),
    memory,
    log,
    extra: {
      measured_wall_seconds: round(wallSeconds),
      bench_only_seconds: round(benchOnly),
      versions: result.versions,
    },
  };
}

/** The seed's steps, literally (bench/python/seed_literal.py), on the same Spark as Kindling. */
export function runSeedLiteral(o: {
  corpus: string;
  documents: number;
  work: string;
  sets: FeatureSetName[];
  driverMemory: string;
}): Promise<RunMeasurement> {
  const script = path.join(ROOT, "bench", "python", "seed_literal.py");
  const submit = ["--master", "local[*]", "--driver-memory", o.driverMemory, ...QUIET, script];
  return baseline(
    "seed-literal",
    path.join(VENV, "spark-submit"),
    submit,
    { ...o, engine: "local[*]" },
    SPARK_ENV,
  );
}

/** What a user would write with scikit-learn instead (bench/python/sklearn_baseline.py); `tuned`: TF-IDF
 * of 2^18 hashed words and L2 logistic regression over C, the baseline presets are judged against. */
export function runSklearn(o: {
  corpus: string;
  documents: number;
  work: string;
  sets: FeatureSetName[];
  tuned?: boolean;
}): Promise<RunMeasurement> {
  const script = path.join(ROOT, "bench", "python", "sklearn_baseline.py");
  const sets = o.tuned ? (["tfidf"] as FeatureSetName[]) : o.sets.filter((s) => s !== "word2vec"); // no Word2Vec
  return baseline("sklearn", path.join(BENCH_VENV, "python"), o.tuned ? [script, "--tuned"] : [script], {
    ...o,
    sets,
    engine: o.tuned ? "scikit-learn, tuned (1 process)" : "scikit-learn (1 process)",
  });
}

/** Fixed overhead: a JVM + SparkSession that starts, runs one trivial job and stops (median of `times`). */
export async function measureStartup(
  work: string,
  times: number,
): Promise<{ seconds: number[]; median: number }> {
  const script = path.join(ROOT, "bench", "python", "startup.py");
  const seconds: number[] = [];
  for (let i = 0; i < times; i++) {
    const { wallSeconds } = await measure(
      "startup",
      path.join(VENV, "spark-submit"),
      ["--master", "local[*]", ...QUIET, script],
      path.join(work, `startup-${i}.log`),
      { env: SPARK_ENV },
    );
    seconds.push(round(wallSeconds));
  }
  const sorted = [...seconds].sort((a, b) => a - b);
  return { seconds, median: sorted[Math.floor(sorted.length / 2)] as number };
}
