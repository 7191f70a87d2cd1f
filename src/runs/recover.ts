import path from "node:path";
import { type Clock, systemClock } from "../clock.js";
import { KindlingError, UsageError } from "../errors.js";
import type { Target } from "../targets/target.js";
import { CODES } from "../ui/codes.js";
import type { IoHost } from "../ui/io.js";
import { TargetFailure } from "./failure.js";
import { readJson, writeJson } from "./files.js";
import { completeRun, publishRun, recordFailure } from "./lifecycle.js";
import { acquireRunLock, type RunLock, RunLockedError } from "./lock.js";
import { type Manifest, mergeManifest } from "./manifest.js";
import type { Metrics } from "./metrics.js";
import type { RunResult } from "./result.js";
import type { RunSummary } from "./store.js";

/** Failures after which the job itself may still have finished: the CLI lost track, not the job. */
const COLLECTABLE_FAILURES = new Set(["WatchFailed", "AwsCredentials", "AwsError"]);

export interface RecoverOptions {
  run: RunSummary;
  target: Target;
  io: IoHost;
  signal: AbortSignal;
  clock?: Clock;
  /** data.max_reject_fraction of the run's config (rejects are recorded against it). */
  maxRejectFraction: number;
}

/**
 * `kindling collect ID`: completes a cloud run whose job ended while no CLI watched it (the CLI was
 * killed, the laptop slept, credentials expired mid-run) — the outputs come down and the run is completed
 * exactly as `kindling run` would have, or its failure is recorded.
 */
export async function collectRun(options: RecoverOptions): Promise<RunResult> {
  const { run, target, io } = options;
  const clock = options.clock ?? systemClock;
  const manifest = requireManifest(run);
  if (run.complete) throw new UsageError(`Run ${run.id} is complete already: there is nothing to collect.`);
  const collectable =
    manifest.status === "running" ||
    (manifest.status === "failed" && COLLECTABLE_FAILURES.has(manifest.failure?.kind ?? ""));
  if (!collectable || !target.collect) {
    throw new UsageError(
      `Run ${run.id} ${manifest.status === "running" ? "ran" : `is ${manifest.status}`} on target ${manifest.target}: collect brings back cloud runs that ended while no CLI watched them.`,
      { hint: `\`kindling status ${run.id}\` shows how it ended.` },
    );
  }
  const lock = await acquireRunLock(path.dirname(run.dir));
  try {
    await lock.setRun(run.id);
    await target.check();
    try {
      await target.prepare();
      let outcome: Awaited<ReturnType<NonNullable<Target["collect"]>>>;
      try {
        outcome = await target.collect(run, manifest);
      } catch (error) {
        // Only what the target knows about the job's end is recorded; "still running" changes nothing.
        if (!(error instanceof TargetFailure)) throw error;
        throw await recordFailure(run, manifest, error, {
          stage: null,
          aborted: options.signal.aborted,
          clock,
          maxRejectFraction: options.maxRejectFraction,
        });
      }
      const completed = await completeRun(run, mergeManifest(manifest, { ...outcome.manifest }), {
        io,
        clock,
        maxRejectFraction: options.maxRejectFraction,
      });
      const metrics = await readJson<Metrics>(path.join(run.dir, "metrics.json"));
      await publishRun(target, run, io);
      return { runId: run.id, runDir: run.dir, manifest: completed, metrics };
    } finally {
      await target.teardown();
    }
  } finally {
    await lock.release();
  }
}

/**
 * `kindling terminate ID`: stops a cloud run's cluster. When no CLI is watching the run (nobody holds
 * the run store's lock), it waits for the end and records the run as interrupted, with the cluster's
 * final state and actual cost; a CLI that is watching records the end itself.
 */
export async function terminateRun(
  options: Omit<RecoverOptions, "maxRejectFraction"> & { wait: boolean },
): Promise<Manifest> {
  const { run, target, io } = options;
  const clock = options.clock ?? systemClock;
  const manifest = requireManifest(run);
  if (!target.terminate) {
    throw new UsageError(
      `Run ${run.id} ran on target ${manifest.target}: only cloud runs have a cluster to terminate.`,
      {
        hint: "A local run stops with Ctrl-C in its terminal (or `kill` of the pid its lock names).",
      },
    );
  }
  let lock: RunLock | undefined;
  try {
    lock = await acquireRunLock(path.dirname(run.dir));
  } catch (error) {
    if (!(error instanceof RunLockedError)) throw error;
  }
  try {
    await target.check();
    try {
      await target.prepare();
      const watched = lock === undefined;
      const patch = await target.terminate(run, manifest, options.wait && !watched);
      if (watched || manifest.status !== "running") {
        io.notify(
          CODES.RUN_LOOKUP.msg(
            watched
              ? `Run ${run.id} is being watched by another kindling process: it records how the run ended.`
              : `Run ${run.id} was already ${manifest.status}; its record is unchanged.`,
            { asked: run.id, runId: run.id, why: watched ? "watched" : manifest.status },
          ),
        );
        return manifest;
      }
      const finishedAt = clock();
      const ended = mergeManifest(mergeManifest(manifest, patch), {
        status: "interrupted",
        finished_at: finishedAt.toISOString(),
        duration_seconds: (finishedAt.getTime() - Date.parse(manifest.created_at)) / 1000,
        failure: { stage: null, kind: "Terminated", message: "terminated with `kindling terminate`" },
      });
      await writeJson(path.join(run.dir, "manifest.json"), ended);
      return ended;
    } finally {
      await target.teardown();
    }
  } finally {
    await lock?.release();
  }
}

function requireManifest(run: RunSummary): Manifest {
  if (!run.manifest) {
    throw new KindlingError(`Run ${run.id} has no readable manifest.json; it cannot be recovered.`);
  }
  return run.manifest;
}
