import { createHash } from "node:crypto";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { LoadedConfig } from "../../config/load.js";
import type { DataFinding } from "../../data/findings.js";
import { type DataReport, validateData } from "../../data/validate.js";
import { InterruptedError, JobFailedError, KindlingError, UsageError } from "../../errors.js";
import { writeReport } from "../../report/write.js";
import { exists, fileDigest, hashJson, readJson, writeJson } from "../../runs/files.js";
import { acquireRunLock } from "../../runs/lock.js";
import type { JobFacts, Manifest } from "../../runs/manifest.js";
import type { Metrics } from "../../runs/metrics.js";
import { type RunDir, RunStore, SUCCESS_MARKER } from "../../runs/store.js";
import { compileSpec } from "../../spec/compile.js";
import type { Target } from "../../spec/types.js";
import type { Reporter } from "../../ui/reporter.js";
import { KINDLING_VERSION } from "../../versions.js";
import { JOB_ENTRY, packageJob } from "../shared/package.js";
import { buildSparkSubmitArgs } from "../shared/sparkSubmit.js";
import { describeFailure, type Failure } from "./failure.js";
import { detectJava, requireSparkEnv } from "./prerequisites.js";
import { killRunProcesses, RUN_ID_ENV } from "./processes.js";
import { runSparkProcess, type SparkProcessResult } from "./sparkProcess.js";

export interface LocalRunOptions {
  loaded: LoadedConfig;
  /** Overrides spark.master from the config. */
  master?: string;
  /**
   * Starts the master to run on (e.g. a standalone cluster) once the data and prerequisites are checked,
   * before the run directory exists; its URL replaces `master`. The caller stops what it started.
   */
  startMaster?: () => Promise<string>;
  /** The target recorded in the spec and manifest. Default: "spark" for a spark:// master, else "local". */
  target?: Target;
  verbose: boolean;
  reporter: Reporter;
  signal?: AbortSignal;
  clock?: () => Date;
}

export interface RunResult {
  runId: string;
  runDir: string;
  manifest: Manifest;
  metrics: Metrics;
}

/**
 * Space kept free in the run directory while the job writes: on a full disk it is deleted first, so the
 * failed manifest can still be written.
 */
export const RESERVE_FILE = ".kindling-reserve";
const RESERVE_BYTES = 256 * 1024;

/**
 * Trains locally (or on any Spark master) with the pip PySpark. In order: validate the data (nothing is
 * created on a problem), check Java and the venv, lock the run folder (one writing run at a time), create a
 * fresh run directory, run the job, and complete the run (manifest, report, then _SUCCESS) only when it
 * succeeded. Any failure after the run directory exists leaves it marked `failed` with the stage reached.
 */
export async function runLocal(options: LocalRunOptions): Promise<RunResult> {
  const { loaded, reporter, signal } = options;
  const { config } = loaded;
  const report = await validateData(config.data, { baseDir: loaded.dir, ...(signal ? { signal } : {}) });
  for (const f of report.findings.filter((x) => x.severity === "warning")) reporter.warn(show(f));
  if (report.location?.kind !== "local") {
    throw new UsageError(`data.path: ${config.data.path} is on S3; the local target reads local files only`, {
      hint: "Run it on EMR (`kindling run --target emr`), or copy the file here and point data.path at it.",
    });
  }
  const env = requireSparkEnv();
  const java = await detectJava();
  if (signal?.aborted) throw new InterruptedError("interrupted before the run started; nothing was created");

  const store = new RunStore(path.resolve(loaded.dir, config.output.dir));
  const lock = await acquireRunLock(store.root);
  try {
    const input = await inputDigest(report);
    if (signal?.aborted)
      throw new InterruptedError("interrupted before the run started; nothing was created");
    const master = options.startMaster ? await options.startMaster() : options.master;
    const run = await createRun(store, config.project, options.clock?.() ?? new Date());
    await lock.setRun(run.id);
    return await execute({ ...options, ...(master ? { master } : {}) }, run, store, {
      env,
      java: java.version,
      input,
      inputPath: report.location.path,
    });
  } finally {
    await lock.release();
  }
}

async function createRun(store: RunStore, project: string, now: Date): Promise<RunDir> {
  try {
    return await store.create(project, now);
  } catch (error) {
    throw diskError(error, `cannot create a run directory in ${store.root}`);
  }
}

interface Prepared {
  env: { python: string; sparkSubmit: string };
  java: string;
  input: { sha256: string; bytes: number };
  inputPath: string;
}

async function execute(
  options: LocalRunOptions,
  run: RunDir,
  store: RunStore,
  p: Prepared,
): Promise<RunResult> {
  const { loaded, reporter } = options;
  const { config } = loaded;
  const clock = options.clock ?? (() => new Date());
  const master = options.master ?? config.spark.master;
  const createdAt = clock();
  const target = options.target ?? (master.startsWith("spark://") ? "spark" : "local");
  const spec = compileSpec(config, {
    runId: run.id,
    createdAt,
    kindlingVersion: KINDLING_VERSION,
    target,
    inputUri: pathToFileURL(p.inputPath).href,
    outputUri: pathToFileURL(run.dir).href,
    successMarker: false,
  });
  const specFile = path.join(run.dir, "spec.json");
  const reserve = path.join(run.dir, RESERVE_FILE);
  let manifest: Manifest = {
    manifest_version: 1,
    run_id: run.id,
    project: config.project,
    status: "running",
    target,
    master,
    created_at: createdAt.toISOString(),
    config_file: loaded.file,
    config_hash: hashJson(config),
    spec_hash: hashJson({
      ...spec,
      run: undefined,
      input: { ...spec.input, uri: undefined },
      output: undefined,
    }),
    input: { uri: spec.input.uri, ...p.input },
    versions: { kindling: KINDLING_VERSION, node: process.versions.node, java: p.java },
  };
  try {
    await writeJson(specFile, spec);
    await store.writeManifest(run.dir, manifest);
    await writeFile(reserve, Buffer.alloc(RESERVE_BYTES));
  } catch (error) {
    // Nothing of this run exists yet but an incomplete directory: remove it rather than leave it half-written.
    await rm(run.dir, { recursive: true, force: true }).catch(() => {});
    throw diskError(error, `cannot write the run directory ${run.dir}`);
  }
  reporter.info(`Run ${run.id} → ${path.relative(process.cwd(), run.dir) || run.dir}`);

  let stage = "setup";
  let spark: SparkProcessResult | undefined;
  const scratch = await mkdtemp(path.join(os.tmpdir(), "kindling-"));
  try {
    const zip = await packageJob(path.join(scratch, "kindling_job.zip"));
    const args = buildSparkSubmitArgs({
      master,
      appName: `kindling ${run.id}`,
      entry: JOB_ENTRY,
      pyFiles: [zip],
      specUri: specFile,
      driverMemory: config.spark.driver_memory,
      ...(config.spark.executor_memory ? { executorMemory: config.spark.executor_memory } : {}),
      conf: { "spark.ui.showConsoleProgress": false, ...config.spark.conf },
    });
    await writeFile(path.join(run.dir, "logs", "command.txt"), `${p.env.sparkSubmit} ${args.join(" ")}\n`);
    stage = "start";
    spark = await runSparkProcess({
      command: p.env.sparkSubmit,
      args,
      cwd: run.dir,
      env: sparkEnv(p.env.python, run.id),
      jobLog: path.join(run.dir, "logs", "job.log"),
      sparkLog: path.join(run.dir, "logs", "spark.log"),
      reporter,
      verbose: options.verbose,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    // Belt and braces: nothing started for this run may outlive it (e.g. a worker outside the group).
    await killRunProcesses(run.id);
    stage = spark.lastStage ?? "start";
    const jobFile = path.join(run.dir, "job.json");
    if (spark.exitCode !== 0 || spark.interrupted || spark.signal || !(await exists(jobFile))) {
      throw new SparkEnded(spark);
    }
    stage = "finish";
    const [facts, metrics] = await Promise.all([
      readJson<JobFacts>(jobFile),
      readJson<Metrics>(path.join(run.dir, "metrics.json")),
    ]);
    const finishedAt = clock();
    const best = metrics.feature_sets[metrics.best_feature_set];
    manifest = {
      ...manifest,
      finished_at: finishedAt.toISOString(),
      duration_seconds: (finishedAt.getTime() - createdAt.getTime()) / 1000,
      status: "succeeded",
      versions: { ...manifest.versions, ...facts.versions, java: facts.versions.java ?? p.java },
      rows: facts.rows,
      ...(facts.rejects
        ? { rejects: rejectsOf(facts.rows.rejected ?? 0, config.data.max_reject_fraction) }
        : {}),
      null_counts: facts.null_counts,
      class_balance: facts.class_balance,
      stages: facts.stages,
      partitions: facts.partitions,
      ...(best
        ? { best: { feature_set: metrics.best_feature_set, accuracy: best.accuracy, f1: best.f1 } }
        : {}),
    };
    await rm(reserve, { force: true });
    await store.writeManifest(run.dir, manifest);
    await writeRunReport(run.dir, run.id, reporter);
    // Last: a run is complete only when this marker exists.
    await writeFile(path.join(run.dir, SUCCESS_MARKER), "");
    return { runId: run.id, runDir: run.dir, manifest, metrics };
  } catch (error) {
    // Free the reserve first: on a full disk it is what lets the failed manifest be written.
    await rm(reserve, { force: true }).catch(() => {});
    const failure = describeFailure({
      error: error instanceof SparkEnded ? undefined : error,
      spark,
      stage,
      runDir: run.dir,
      root: store.root,
    });
    const finishedAt = clock();
    manifest = {
      ...manifest,
      finished_at: finishedAt.toISOString(),
      duration_seconds: (finishedAt.getTime() - createdAt.getTime()) / 1000,
      status: "failed",
      failure: { stage: failure.stage, kind: failure.kind, message: failure.message },
      ...(spark?.rows ? { rows: spark.rows } : {}),
      ...(spark?.rows?.rejected
        ? { rejects: rejectsOf(spark.rows.rejected, config.data.max_reject_fraction) }
        : {}),
    };
    let unrecorded = "";
    try {
      await store.writeManifest(run.dir, manifest);
    } catch (writeError) {
      unrecorded = ` (and manifest.json could not be updated: ${(writeError as Error).message}; the run has no _SUCCESS, so it counts as incomplete)`;
    }
    throw failedRun(run.id, failure, unrecorded);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** The job ended without success; describeFailure reads why from the process result. */
class SparkEnded extends Error {
  constructor(readonly result: SparkProcessResult) {
    super("spark-submit failed");
  }
}

function rejectsOf(rows: number, maxFraction: number): NonNullable<Manifest["rejects"]> {
  return { rows, max_fraction: maxFraction, dir: rows > 0 ? "rejects" : null };
}

function failedRun(runId: string, failure: Failure, unrecorded: string): KindlingError {
  const message = `Run ${runId} ${failure.kind === "Interrupted" ? "was interrupted" : "failed"} at stage ${failure.stage}: ${failure.message}${unrecorded}`;
  if (failure.kind === "Interrupted") {
    return new InterruptedError(message, { stage: failure.stage, hint: failure.hint });
  }
  return new JobFailedError(message, { stage: failure.stage, hint: failure.hint });
}

function diskError(error: unknown, doing: string): KindlingError {
  const e = error as NodeJS.ErrnoException;
  if (e.code === "ENOSPC") {
    return new KindlingError(`${doing}: the disk is full (no space left on device); nothing was created`, {
      hint: "Free space on that disk, or set output.dir to a folder on another disk.",
      cause: error,
    });
  }
  if (e.code === "EACCES" || e.code === "EPERM" || e.code === "EROFS") {
    return new KindlingError(
      `${doing}: ${e.code === "EROFS" ? "the file system is read-only" : "permission denied"}`,
      {
        hint: "Set output.dir to a folder you can write to.",
        cause: error,
      },
    );
  }
  return error instanceof KindlingError
    ? error
    : new KindlingError(`${doing}: ${e.message}`, { cause: error });
}

function show(f: DataFinding): string {
  return `${f.where}  ${f.message}${f.fix ? ` (fix: ${f.fix})` : ""}`;
}

/** sha256 and size of the input; for a folder of part files, of their names, sizes and hashes. */
async function inputDigest(report: DataReport): Promise<{ sha256: string; bytes: number }> {
  const location = report.location;
  if (location?.kind !== "local") return { sha256: "", bytes: 0 };
  if (!location.directory) return fileDigest(location.path);
  const hash = createHash("sha256");
  let bytes = 0;
  const names = (await readdir(location.path, { withFileTypes: true }))
    .filter((e) => e.isFile() && !e.name.startsWith("_") && !e.name.startsWith("."))
    .map((e) => e.name)
    .sort();
  for (const name of names) {
    const d = await fileDigest(path.join(location.path, name));
    hash.update(`${name}\u0000${d.bytes}\u0000${d.sha256}\n`);
    bytes += d.bytes;
  }
  return { sha256: hash.digest("hex"), bytes };
}

/**
 * The report is written before _SUCCESS, so that a complete run always has it (anything that waits for the
 * marker, e.g. a sync, sees the report too). It is derived from files already written, so its failure only
 * warns: the run succeeded, and `kindling report ID` can build the report again.
 */
async function writeRunReport(runDir: string, runId: string, reporter: Reporter): Promise<void> {
  try {
    const { file } = await writeReport(runDir, { complete: true });
    reporter.info(`Report: ${path.relative(process.cwd(), file) || file}`);
  } catch (error) {
    reporter.warn(
      `the report could not be written (${(error as Error).message}); the run is fine, retry with \`kindling report ${runId}\``,
    );
  }
}

/** The environment spark-submit runs in: the venv's Python on both driver and workers, loopback only. */
function sparkEnv(python: string, runId: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    // spark-submit's launcher scripts look for `python3` on PATH to find SPARK_HOME: the venv's comes first.
    PATH: `${path.dirname(python)}${path.delimiter}${process.env.PATH ?? ""}`,
    PYSPARK_PYTHON: python,
    PYSPARK_DRIVER_PYTHON: python,
    SPARK_LOCAL_IP: process.env.SPARK_LOCAL_IP ?? "127.0.0.1",
    PYTHONUNBUFFERED: "1",
    // Inherited by the JVM and every Python worker: lets the runner find and stop all of them.
    [RUN_ID_ENV]: runId,
  };
}
