import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { LoadedConfig } from "../../config/load.js";
import { checkInput } from "../../data/inspect.js";
import { JobFailedError } from "../../errors.js";
import { writeReport } from "../../report/write.js";
import { exists, fileDigest, hashJson, readJson, writeJson } from "../../runs/files.js";
import type { JobFacts, Manifest } from "../../runs/manifest.js";
import type { Metrics } from "../../runs/metrics.js";
import { RunStore, SUCCESS_MARKER } from "../../runs/store.js";
import { compileSpec } from "../../spec/compile.js";
import type { Reporter } from "../../ui/reporter.js";
import { KINDLING_VERSION } from "../../versions.js";
import { JOB_ENTRY, packageJob } from "../shared/package.js";
import { buildSparkSubmitArgs } from "../shared/sparkSubmit.js";
import { detectJava, requireSparkEnv } from "./prerequisites.js";
import { runSparkProcess } from "./sparkProcess.js";

export interface LocalRunOptions {
  loaded: LoadedConfig;
  /** Overrides spark.master from the config. */
  master?: string;
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
 * Trains locally (or on any Spark master) with the pip PySpark: validates the input, creates a fresh run
 * directory, runs the job, and completes the run (manifest, then _SUCCESS) only when the job succeeded.
 */
export async function runLocal(options: LocalRunOptions): Promise<RunResult> {
  const { loaded, reporter } = options;
  const { config } = loaded;
  const clock = options.clock ?? (() => new Date());
  const master = options.master ?? config.spark.master;
  const env = requireSparkEnv();
  const java = await detectJava();

  const inputPath = path.resolve(loaded.dir, config.data.path);
  await checkInput(inputPath, config.data);
  const input = await fileDigest(inputPath);

  const store = new RunStore(path.resolve(loaded.dir, config.output.dir));
  const createdAt = clock();
  const run = await store.create(config.project, createdAt);
  const target = master.startsWith("spark://") ? "spark" : "local";
  const spec = compileSpec(config, {
    runId: run.id,
    createdAt,
    kindlingVersion: KINDLING_VERSION,
    target,
    inputUri: pathToFileURL(inputPath).href,
    outputUri: pathToFileURL(run.dir).href,
    successMarker: false,
  });
  const specFile = path.join(run.dir, "spec.json");
  await writeJson(specFile, spec);

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
    input: { uri: spec.input.uri, ...input },
    versions: { kindling: KINDLING_VERSION, node: process.versions.node, java: java.version },
  };
  await store.writeManifest(run.dir, manifest);
  reporter.info(`Run ${run.id} → ${path.relative(process.cwd(), run.dir) || run.dir}`);

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
    await writeFile(path.join(run.dir, "logs", "command.txt"), `${env.sparkSubmit} ${args.join(" ")}\n`);
    const result = await runSparkProcess({
      command: env.sparkSubmit,
      args,
      cwd: run.dir,
      env: sparkEnv(env.python),
      jobLog: path.join(run.dir, "logs", "job.log"),
      sparkLog: path.join(run.dir, "logs", "spark.log"),
      reporter,
      verbose: options.verbose,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const finishedAt = clock();
    const timing = {
      finished_at: finishedAt.toISOString(),
      duration_seconds: (finishedAt.getTime() - createdAt.getTime()) / 1000,
    };

    const jobFile = path.join(run.dir, "job.json");
    if (result.exitCode !== 0 || result.interrupted || !(await exists(jobFile))) {
      const stage = result.error?.stage ?? result.lastStage;
      const kind = result.interrupted ? "Interrupted" : (result.error?.kind ?? "SparkFailure");
      const message = result.interrupted
        ? "the run was interrupted"
        : (result.error?.message ?? `spark-submit exited with ${result.exitCode ?? result.signal}`);
      manifest = { ...manifest, ...timing, status: "failed", failure: { stage, kind, message } };
      await store.writeManifest(run.dir, manifest);
      throw new JobFailedError(`Run ${run.id} failed${stage ? ` at stage ${stage}` : ""}: ${message}`, {
        ...(stage ? { stage } : {}),
        hint: `Spark's log: ${path.join(run.dir, "logs", "spark.log")} (or rerun with --verbose).`,
      });
    }

    const [facts, metrics] = await Promise.all([
      readJson<JobFacts>(jobFile),
      readJson<Metrics>(path.join(run.dir, "metrics.json")),
    ]);
    const best = metrics.feature_sets[metrics.best_feature_set];
    manifest = {
      ...manifest,
      ...timing,
      status: "succeeded",
      versions: { ...manifest.versions, ...facts.versions, java: facts.versions.java ?? java.version },
      rows: facts.rows,
      null_counts: facts.null_counts,
      class_balance: facts.class_balance,
      stages: facts.stages,
      partitions: facts.partitions,
      ...(best
        ? { best: { feature_set: metrics.best_feature_set, accuracy: best.accuracy, f1: best.f1 } }
        : {}),
    };
    await store.writeManifest(run.dir, manifest);
    await writeRunReport(run.dir, run.id, reporter);
    // Last: a run is complete only when this marker exists.
    await writeFile(path.join(run.dir, SUCCESS_MARKER), "");
    return { runId: run.id, runDir: run.dir, manifest, metrics };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
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
function sparkEnv(python: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    // spark-submit's launcher scripts look for `python3` on PATH to find SPARK_HOME: the venv's comes first.
    PATH: `${path.dirname(python)}${path.delimiter}${process.env.PATH ?? ""}`,
    PYSPARK_PYTHON: python,
    PYSPARK_DRIVER_PYTHON: python,
    SPARK_LOCAL_IP: process.env.SPARK_LOCAL_IP ?? "127.0.0.1",
    PYTHONUNBUFFERED: "1",
  };
}
