import { rm, writeFile } from "node:fs/promises";
import path from "node:path";
import {
  entryKey,
  evictPreparedEntries,
  type PreparedStore,
  withPreparedCache,
} from "../cache/preparedText.js";
import { type Clock, systemClock } from "../clock.js";
import type { LoadedConfig } from "../config/load.js";
import { sizeBytes } from "../config/schema.js";
import { InterruptedError, KindlingError } from "../errors.js";
import { writeReport } from "../report/write.js";
import { compileSpec } from "../spec/compile.js";
import type { JobSpec } from "../spec/types.js";
import type { RunInput, Target } from "../targets/target.js";
import { CODES } from "../ui/codes.js";
import { displayPath, formatBytes } from "../ui/format.js";
import type { IoHost } from "../ui/io.js";
import { KINDLING_VERSION } from "../versions.js";
import { describeRunError, failedRunError, TargetFailure } from "./failure.js";
import { exists, hashJson, makePrivate, PRIVATE_FILE, readJson, writeJson } from "./files.js";
import { checkRunInput, resolveRunInput } from "./input.js";
import { acquireRunLock, type LockOptions } from "./lock.js";
import { type JobFacts, type Manifest, type ManifestPatch, mergeManifest } from "./manifest.js";
import type { Metrics } from "./metrics.js";
import type { RunResult } from "./result.js";
import { type RunDir, RunStore, runsDirOf, SUCCESS_MARKER } from "./store.js";
import type { Tags } from "./tags.js";

export interface RunJobOptions {
  loaded: LoadedConfig;
  target: Target;
  io: IoHost;
  /** Aborted on Ctrl-C, SIGTERM or SIGHUP. */
  signal: AbortSignal;
  clock?: Clock;
  /** Lock behaviour (tests). Default: the real pid check. */
  lock?: LockOptions;
  /** Tags and a note recorded in the manifest from the start. */
  labels?: RunLabels;
}

export interface RunLabels {
  tags?: Tags;
  note?: string;
}

/**
 * Space kept free in the run directory while the job writes: on a full disk it is deleted first, so the
 * failed manifest can still be written.
 */
export const RESERVE_FILE = ".kindling-reserve";
const RESERVE_BYTES = 256 * 1024;

/**
 * The one place that runs a job, on any target: validate the input and let the target check what it
 * needs (nothing is created on a problem), lock the run store (one writing run at a time), let the target
 * prepare (e.g. start a cluster), create a fresh run directory, compile and write the spec and the initial
 * manifest, train on the target, then either complete the run (merge the job's facts, report, `_SUCCESS`
 * last) or record the failure (stage, kind, cause). Teardown and the lock's release happen whatever the
 * outcome.
 */
export async function runJob(options: RunJobOptions): Promise<RunResult> {
  const { loaded, target, io, signal } = options;
  const clock = options.clock ?? systemClock;
  const location = await checkRunInput(loaded, io, signal);
  await target.check(location);
  stopIfAborted(signal);
  const store = new RunStore(runsDirOf(loaded));
  const lock = await acquireRunLock(store.root, options.lock);
  let failed = true;
  try {
    try {
      await target.prepare();
      const input = await resolveRunInput(location, io);
      stopIfAborted(signal);
      const run = await createRun(store, loaded.config.project, clock());
      await lock.setRun(run.id);
      const result = await execute(options, clock, run, input);
      failed = false;
      return result;
    } finally {
      await teardown(target, io, failed);
    }
  } finally {
    await lock.release();
  }
}

async function execute(
  options: RunJobOptions,
  clock: Clock,
  run: RunDir,
  input: RunInput,
): Promise<RunResult> {
  const { loaded, target, io, signal } = options;
  const { config } = loaded;
  const createdAt = clock();
  const specFile = path.join(run.dir, "spec.json");
  const reserve = path.join(run.dir, RESERVE_FILE);
  let manifest: Manifest;
  let spec: JobSpec;
  let cache: PreparedStore | undefined;
  try {
    const placement = await target.place(run, input);
    const compiled = compileSpec(config, {
      runId: run.id,
      createdAt,
      kindlingVersion: KINDLING_VERSION,
      target: target.name,
      inputUri: placement.inputUri,
      outputUri: placement.outputUri,
      successMarker: placement.successMarker,
    });
    const sha256 = input.digest?.sha256;
    // An s3:// input is not read by the CLI: without its checksum there is no key to name an entry by.
    cache = config.cache.prepared_text && sha256 ? placement.preparedCache : undefined;
    spec = cache && sha256 ? withPreparedCache(compiled, cache.uri, sha256) : compiled;
    manifest = mergeManifest(initialManifest(loaded, run, spec, input, placement.master, createdAt), {
      ...labelsOf(options.labels),
      ...placement.manifest,
    });
    await writeJson(specFile, spec);
    await writeJson(manifestFile(run.dir), manifest);
    await writeFile(reserve, Buffer.alloc(RESERVE_BYTES));
  } catch (error) {
    // Only an incomplete directory exists: remove it rather than leave a half-written run.
    await rm(run.dir, { recursive: true, force: true }).catch(() => {});
    throw storeError(error, `cannot write the run directory ${run.dir}`);
  }
  io.notify(
    CODES.RUN_CREATED.msg(`Run ${run.id} → ${displayPath(run.dir)}`, {
      runId: run.id,
      runDir: run.dir,
      target: target.name,
    }),
  );

  // Manifest writes during the job come from the target's callbacks; they are queued, never interleaved.
  let writes = Promise.resolve();
  const record = (patch: ManifestPatch) => {
    manifest = mergeManifest(manifest, patch);
    const snapshot = manifest;
    writes = writes.then(() => writeJson(manifestFile(run.dir), snapshot));
    return writes;
  };
  let stage: string | null = "train";
  try {
    const outcome = await target.train({ run, spec, specFile, record });
    await writes;
    stage = "finish";
    manifest = await completeRun(run, mergeManifest(manifest, { ...outcome.manifest }), {
      io,
      clock,
      maxRejectFraction: config.data.max_reject_fraction,
    });
    const metrics = await readJson<Metrics>(path.join(run.dir, "metrics.json"));
    if (cache) await keepCacheWithinLimit(cache, spec, sizeBytes(config.cache.max_size), io);
    await publishRun(target, run, io);
    return { runId: run.id, runDir: run.dir, manifest, metrics };
  } catch (error) {
    await writes.catch(() => {});
    throw await recordFailure(run, manifest, error, {
      stage,
      aborted: signal.aborted,
      clock,
      maxRejectFraction: config.data.max_reject_fraction,
    });
  }
}

/**
 * After a run that used a prepared-text entry: the oldest entries go until the cache fits its limit (the
 * run's own entry last). The run has succeeded, so a failure here only warns.
 */
async function keepCacheWithinLimit(
  cache: PreparedStore,
  spec: JobSpec,
  maxBytes: number,
  io: IoHost,
): Promise<void> {
  const own = spec.prepared_cache ? entryKey(spec.prepared_cache.uri) : undefined;
  try {
    for (const entry of await evictPreparedEntries(cache, maxBytes, own)) {
      io.notify(
        CODES.PREPARED_CACHE_EVICTED.msg(
          `Removed prepared-text cache entry ${entry.key.slice(0, 12)} (${formatBytes(entry.bytes)}, from ${entry.createdAt.toISOString()}) to keep the cache within cache.max_size`,
          { key: entry.key, bytes: entry.bytes, maxBytes },
        ),
      );
    }
  } catch (error) {
    io.notify(
      CODES.PREPARED_CACHE_PROBLEM.msg(
        `The prepared-text cache could not be trimmed to cache.max_size: ${(error as Error).message}`,
        { status: "not_trimmed", uri: spec.prepared_cache?.uri ?? "", reason: (error as Error).message },
      ),
    );
  }
}

/**
 * The end of every successful run (and of `kindling collect`): the job's facts merged into the manifest,
 * the report written, and `_SUCCESS` last, so a run with the marker always has everything else.
 */
export async function completeRun(
  run: RunDir,
  manifest: Manifest,
  options: { io: IoHost; clock: Clock; maxRejectFraction: number },
): Promise<Manifest> {
  const jobFile = path.join(run.dir, "job.json");
  if (!(await exists(jobFile)) || !(await exists(path.join(run.dir, "metrics.json")))) {
    throw new TargetFailure({
      stage: "finish",
      kind: "MissingOutputs",
      message: "the job ended without writing job.json and metrics.json",
      hint: `The job's log is in ${path.join(run.dir, "logs")} (\`kindling logs ${run.id}\`).`,
    });
  }
  const [facts, metrics] = await Promise.all([
    readJson<JobFacts>(jobFile),
    readJson<Metrics>(path.join(run.dir, "metrics.json")),
  ]);
  const finishedAt = options.clock();
  const best = metrics.feature_sets[metrics.best_feature_set];
  const completed = mergeManifest(manifest, {
    status: "succeeded",
    finished_at: finishedAt.toISOString(),
    duration_seconds: secondsSince(manifest.created_at, finishedAt),
    versions: facts.versions,
    rows: facts.rows,
    ...(facts.rejects ? { rejects: rejectsOf(facts.rows.rejected ?? 0, options.maxRejectFraction) } : {}),
    null_counts: facts.null_counts,
    class_balance: facts.class_balance,
    stages: facts.stages,
    partitions: facts.partitions,
    ...(best
      ? { best: { feature_set: metrics.best_feature_set, accuracy: best.accuracy, f1: best.f1 } }
      : {}),
  });
  await rm(path.join(run.dir, RESERVE_FILE), { force: true });
  await writeJson(manifestFile(run.dir), completed);
  await writeRunReport(run, options.io);
  await makePrivate(run.dir);
  await writeFile(path.join(run.dir, SUCCESS_MARKER), "", { mode: PRIVATE_FILE });
  options.io.notify(
    CODES.RUN_SUCCEEDED.msg(`Run ${run.id} succeeded`, {
      runId: run.id,
      runDir: run.dir,
      seconds: completed.duration_seconds ?? 0,
    }),
  );
  return completed;
}

/** Records how the run ended badly and returns the error the command ends with. */
export async function recordFailure(
  run: RunDir,
  manifest: Manifest,
  error: unknown,
  context: { stage: string | null; aborted: boolean; clock: Clock; maxRejectFraction: number },
): Promise<KindlingError> {
  // Free the reserve first: on a full disk it is what lets the failed manifest be written.
  await rm(path.join(run.dir, RESERVE_FILE), { force: true }).catch(() => {});
  const failure = describeRunError(error, {
    stage: context.stage,
    runDir: run.dir,
    aborted: context.aborted,
  });
  const learned = mergeManifest(manifest, error instanceof TargetFailure ? { ...error.manifest } : {});
  const finishedAt = context.clock();
  const rejected = learned.rows?.rejected ?? 0;
  const failed = mergeManifest(learned, {
    status: failure.kind === "Interrupted" ? "interrupted" : "failed",
    finished_at: finishedAt.toISOString(),
    duration_seconds: secondsSince(manifest.created_at, finishedAt),
    failure: {
      stage: failure.stage,
      kind: failure.kind,
      message: failure.message,
      ...(failure.cause ? { cause: failure.cause } : {}),
    },
    ...(rejected > 0 ? { rejects: rejectsOf(rejected, context.maxRejectFraction) } : {}),
  });
  let note = "";
  try {
    await writeJson(manifestFile(run.dir), failed);
  } catch (writeError) {
    note = ` (and manifest.json could not be updated: ${(writeError as Error).message}; the run has no _SUCCESS, so it counts as incomplete)`;
  }
  // The folder has been private since it was made; this narrows what the job left inside it as well.
  await makePrivate(run.dir).catch(() => {});
  return failedRunError(run.id, failure, note);
}

function labelsOf(labels: RunLabels | undefined): Pick<Manifest, "tags" | "note"> {
  const tags = labels?.tags ?? {};
  return {
    ...(Object.keys(tags).length ? { tags } : {}),
    ...(labels?.note ? { note: labels.note } : {}),
  };
}

function initialManifest(
  loaded: LoadedConfig,
  run: RunDir,
  spec: JobSpec,
  input: RunInput,
  master: string,
  createdAt: Date,
): Manifest {
  return {
    manifest_version: 1,
    run_id: run.id,
    project: loaded.config.project,
    status: "running",
    target: spec.run.target,
    master,
    created_at: createdAt.toISOString(),
    config_file: loaded.file,
    ...(loaded.environment ? { environment: loaded.environment.name } : {}),
    ...(loaded.overrides ? { overrides: loaded.overrides } : {}),
    config_hash: hashJson(loaded.config),
    // What the job computes, without what differs on every run (its id, where it reads and writes).
    spec_hash: hashJson({
      ...spec,
      run: undefined,
      input: { ...spec.input, uri: undefined },
      output: undefined,
      prepared_cache: undefined,
    }),
    // An s3:// input is not read by the CLI: it has no checksum here.
    input: { uri: spec.input.uri, sha256: input.digest?.sha256 ?? "", bytes: input.digest?.bytes ?? 0 },
    versions: { kindling: KINDLING_VERSION, node: process.versions.node },
  };
}

/**
 * The report is written before _SUCCESS, so that a complete run always has it (anything that waits for
 * the marker, e.g. a sync, sees the report too). It is derived from files already written, so its failure
 * only warns: the run succeeded, and `kindling report ID` can build it again.
 */
async function writeRunReport(run: RunDir, io: IoHost): Promise<void> {
  try {
    const { file } = await writeReport(run.dir, { complete: true });
    io.notify(CODES.RUN_REPORT.msg(`Report: ${displayPath(file)}`, { runId: run.id, file }));
  } catch (error) {
    io.notify(
      CODES.RUN_REPORT_FAILED.msg(
        `the report could not be written (${(error as Error).message}); the run is fine, retry with \`kindling report ${run.id}\``,
        { runId: run.id, error: (error as Error).message },
      ),
    );
  }
}

/**
 * A cloud run joins the shared history once complete. Its failure only warns: the run itself succeeded
 * and is whole locally, and `kindling push` publishes it later.
 */
export async function publishRun(target: Target, run: RunDir, io: IoHost): Promise<void> {
  if (!target.publish) return;
  try {
    await target.publish(run);
  } catch (error) {
    io.notify(
      CODES.RUN_PUBLISH_FAILED.msg(
        `run ${run.id} succeeded but was not published to the shared history (${(error as Error).message}); \`kindling push ${run.id}\` retries`,
        { runId: run.id, error: (error as Error).message },
      ),
    );
  }
}

async function teardown(target: Target, io: IoHost, runFailed: boolean): Promise<void> {
  try {
    await target.teardown();
  } catch (error) {
    // After a failed run its own error matters more; after a good one, what is left running must be said.
    if (!runFailed) throw error;
    io.notify(
      CODES.TARGET_TEARDOWN_FAILED.msg(`${(error as Error).message}${hintOf(error)}`, {
        target: target.name,
        error: (error as Error).message,
      }),
    );
  }
}

async function createRun(store: RunStore, project: string, now: Date): Promise<RunDir> {
  try {
    return await store.create(project, now);
  } catch (error) {
    throw storeError(error, `cannot create a run directory in ${store.root}`);
  }
}

/** A file-system error while creating the run, worded for the person (nothing was created). */
function storeError(error: unknown, doing: string): unknown {
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
      { hint: "Set output.dir to a folder you can write to.", cause: error },
    );
  }
  return error instanceof KindlingError || !e.code
    ? error
    : new KindlingError(`${doing}: ${e.message}`, { cause: error });
}

function rejectsOf(rows: number, maxFraction: number): NonNullable<Manifest["rejects"]> {
  return { rows, max_fraction: maxFraction, dir: rows > 0 ? "rejects" : null };
}

function stopIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new InterruptedError("interrupted before the run started; nothing was created");
}

function manifestFile(runDir: string): string {
  return path.join(runDir, "manifest.json");
}

function secondsSince(iso: string, end: Date): number {
  return (end.getTime() - Date.parse(iso)) / 1000;
}

function hintOf(error: unknown): string {
  return error instanceof KindlingError && error.hint ? ` ${error.hint}` : "";
}
