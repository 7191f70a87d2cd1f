import path from "node:path";
import { awsTrouble, messageOf, translateAwsError } from "../aws/errors.js";
import { InterruptedError, JobFailedError, KindlingError } from "../errors.js";
import type { ManifestPatch } from "./manifest.js";

/** How a run ended badly: recorded in manifest.json (stage, kind, message, cause) and shown with the hint. */
export interface RunFailure {
  /** The job's stage, or the lifecycle's step ("setup", "finish"); null when nobody knows. */
  stage: string | null;
  /** A stable name: Interrupted, DiskFull, Killed, TooManyRejects, StepFailed, AwsCredentials, … */
  kind: string;
  message: string;
  hint: string;
  /** The likely cause, where a target can tell (EMR: see src/targets/emr/classify.ts). */
  cause?: string;
  /** What the person is told, when it says more than the recorded message (the cause in words). */
  summary?: string;
}

/**
 * A failure a target understands and words itself (the job's own error, a killed JVM, a failed step).
 * `manifest` carries what it learned before failing (row counts, the cluster's final state and cost).
 */
export class TargetFailure extends KindlingError {
  readonly failure: RunFailure;
  readonly manifest: ManifestPatch | undefined;

  constructor(failure: RunFailure, options: { manifest?: ManifestPatch; cause?: unknown } = {}) {
    super(failure.message, { hint: failure.hint, cause: options.cause });
    this.failure = failure;
    this.manifest = options.manifest;
  }
}

const DISK_FULL = /No space left on device|ENOSPC|Disk quota exceeded|EDQUOT/i;

/** Whether any of these texts says the disk is full. */
export function mentionsDiskFull(texts: ReadonlyArray<string | undefined>): boolean {
  return texts.some((t) => t !== undefined && DISK_FULL.test(t));
}

export function diskFullFailure(stage: string | null, runDir: string): RunFailure {
  const root = path.dirname(runDir);
  return {
    stage,
    kind: "DiskFull",
    message: `the disk holding ${root} is full (no space left on device)`,
    hint: `Free space on that disk (\`df -h ${root}\`; this failed run's files in ${runDir} can be deleted), or set output.dir to a folder on another disk, then run again.`,
  };
}

export function interruptedFailure(stage: string | null, message?: string): RunFailure {
  return {
    stage,
    kind: "Interrupted",
    message: message ?? "stopped by Ctrl-C (or SIGTERM / a closed terminal)",
    hint: "Nothing else was changed; `kindling run` starts a fresh run.",
  };
}

/**
 * An AWS error while a cloud run is under way, as the target's failure: credentials that expired mid-run
 * (or throttling that outlasted the SDK's retries) in one line, with `stillRunning` saying what may still
 * run on AWS; `otherwise` words any other error; without it, the error stays as it is. `manifest` carries
 * what the target knows so far (cluster or job run, cost).
 */
export function awsRunFailure(
  error: unknown,
  doing: string,
  context: { manifest: ManifestPatch; stillRunning?: string; otherwise?: Omit<RunFailure, "stage"> },
): unknown {
  if (error instanceof TargetFailure) return error;
  const trouble = awsTrouble(error);
  const { manifest } = context;
  if (trouble) {
    const translated = translateAwsError(error, doing) as KindlingError;
    return new TargetFailure(
      {
        stage: null,
        kind: trouble.endsWith("credentials") ? "AwsCredentials" : "AwsError",
        message: translated.message,
        hint: `${translated.hint ?? ""}${context.stillRunning ? ` ${context.stillRunning}` : ""}`,
      },
      { manifest, cause: error },
    );
  }
  if (!context.otherwise) return error;
  return new TargetFailure({ stage: null, ...context.otherwise }, { manifest, cause: error });
}

/** Words any error that ended a run; what a target did not word itself is classified here, once. */
export function describeRunError(
  error: unknown,
  context: { stage: string | null; runDir: string; aborted: boolean },
): RunFailure {
  const { stage, runDir } = context;
  if (error instanceof TargetFailure) return error.failure;
  if (error instanceof InterruptedError || context.aborted) return interruptedFailure(stage);
  const chain = causes(error);
  if (mentionsDiskFull(chain.flatMap((e) => [(e as NodeJS.ErrnoException).code, messageOf(e)]))) {
    return diskFullFailure(stage, runDir);
  }
  const aws = chain.find((e) => awsTrouble(e) !== undefined);
  if (aws) {
    const translated = translateAwsError(aws, "running the job") as KindlingError;
    const kind = awsTrouble(aws)?.endsWith("credentials") ? "AwsCredentials" : "AwsError";
    return { stage, kind, message: translated.message, hint: translated.hint ?? "" };
  }
  if (error instanceof KindlingError) {
    return { stage, kind: error.name, message: error.message, hint: error.hint ?? logsHint(runDir) };
  }
  return { stage, kind: "Internal", message: messageOf(error), hint: logsHint(runDir) };
}

/** The error the command ends with once the failure is recorded. */
export function failedRunError(runId: string, failure: RunFailure, note = ""): KindlingError {
  const at = failure.stage ? ` at stage ${failure.stage}` : "";
  if (failure.kind === "Interrupted") {
    return new InterruptedError(
      `Run ${runId} was interrupted${at}: ${failure.summary ?? failure.message}${note}`,
      {
        ...(failure.stage ? { stage: failure.stage } : {}),
        hint: failure.hint,
      },
    );
  }
  return new JobFailedError(`Run ${runId} failed${at}: ${failure.summary ?? failure.message}${note}`, {
    ...(failure.stage ? { stage: failure.stage } : {}),
    hint: failure.hint,
  });
}

function logsHint(runDir: string): string {
  return `The run's logs are in ${path.join(runDir, "logs")} (\`kindling logs ${path.basename(runDir)}\`).`;
}

function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (
    let e = error;
    e !== undefined && e !== null && chain.length < 8;
    e = (e as { cause?: unknown }).cause
  ) {
    chain.push(e);
  }
  return chain;
}
