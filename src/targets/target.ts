import type { PreparedStore } from "../cache/preparedText.js";
import type { Clock } from "../clock.js";
import type { LoadedConfig } from "../config/load.js";
import type { InputDigest } from "../data/digest.js";
import type { DataLocation } from "../data/validate.js";
import type { PredictOutcome } from "../predict/outcome.js";
import type { PredictPlan } from "../predict/plan.js";
import type { Manifest, ManifestPatch } from "../runs/manifest.js";
import type { RunDir } from "../runs/store.js";
import type { JobSpec, TargetName } from "../spec/types.js";
import type { IoHost } from "../ui/io.js";

export type { TargetName };

/** What every target is built with; the CLI passes the real ones, tests their own. */
export interface TargetContext {
  loaded: LoadedConfig;
  io: IoHost;
  /** Aborted on Ctrl-C, SIGTERM or SIGHUP. */
  signal: AbortSignal;
  clock: Clock;
  /** Show Spark's own log as it happens. */
  verbose: boolean;
}

/** The run's input once validated: where it is and, for a local input, its checksum and files. */
export interface RunInput {
  location: DataLocation;
  /** Absent for an s3:// input, which the CLI does not read. */
  digest: InputDigest | undefined;
}

/** Where the job reads and writes for one run, and what the target records from the start. */
export interface Placement {
  inputUri: string;
  outputUri: string;
  /** The job writes _SUCCESS itself: remote outputs are brought back only when complete. */
  successMarker: boolean;
  /** The Spark master as the manifest records it: local[*], spark://…, yarn. */
  master: string;
  /** Target facts for manifest.json from the start (e.g. the cluster and its estimated cost). */
  manifest?: ManifestPatch;
  /**
   * Where the job keeps prepared-text cache entries (a local folder, or the data bucket for cloud runs);
   * absent when the config turns the cache off or the folder cannot be made.
   */
  preparedCache?: PreparedStore;
}

export interface TrainJob {
  run: RunDir;
  spec: JobSpec;
  /** spec.json in the run directory. */
  specFile: string;
  /** Records facts in manifest.json while the job runs (e.g. a cluster id, for `kindling terminate`). */
  record(patch: ManifestPatch): Promise<void>;
}

/** What a target adds to the manifest once the job succeeded (its outputs are in the run directory). */
export interface TrainOutcome {
  manifest?: ManifestPatch;
}

/**
 * Where a job runs: an executor, nothing more. The run lifecycle (src/runs/lifecycle.ts) validates, locks,
 * creates the run, writes spec and manifest, records failures and completes the run; a target only knows
 * how to run a spec there and get the outputs back.
 */
export interface Target {
  readonly name: TargetName;
  /**
   * Checks what the target needs, changing nothing: Java and the venv, credentials, the foundation, an
   * s3:// input. `input` is the job's input, when there is one (not for collect or terminate). A problem
   * here stops the command before anything exists.
   */
  check(input?: DataLocation): Promise<void>;
  /** Starts what must run for the job (a cluster, a foundation stack with --deploy); after check. */
  prepare(): Promise<void>;
  /** The job's input and output URIs for this run. */
  place(run: RunDir, input: RunInput): Promise<Placement>;
  /** Runs the training job; when it returns, the job's files (job.json, metrics.json, models/) are in the run directory. */
  train(job: TrainJob): Promise<TrainOutcome>;
  /** Scores a checked plan; the predictions end up at plan.output.file, complete, or nothing does. */
  predict(plan: PredictPlan): Promise<PredictOutcome>;
  /**
   * Cloud targets: shares the completed run in the data bucket's run history, where its outputs already
   * are (the manifest and report join them), so `kindling runs --remote` lists it. Called after _SUCCESS.
   */
  publish?(run: RunDir): Promise<void>;
  /** Stops what prepare started; always called once prepare was (even if it failed half-way). */
  teardown(): Promise<void>;
  /** Cloud targets: brings back a run whose job ended while no CLI watched; what train would have returned. */
  collect?(run: RunDir, manifest: Manifest): Promise<TrainOutcome>;
  /** Cloud targets: stops a run's job where it runs; with `wait`, the facts of its end for the manifest. */
  terminate?(run: RunDir, manifest: Manifest, wait: boolean): Promise<ManifestPatch>;
}
