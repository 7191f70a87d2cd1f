import path from "node:path";
import type { SparkProcessResult } from "./sparkProcess.js";

/** How a run ended badly: recorded in manifest.json (stage, kind, message) and shown with the hint. */
export interface Failure {
  stage: string;
  kind: string;
  message: string;
  hint: string;
}

const DISK_FULL = /No space left on device|ENOSPC|Disk quota exceeded/i;

/**
 * Turns what is known about a failed run into one clear message. `error` is what was thrown outside the
 * Spark process (undefined when the process result says it all); `stage` is where the runner was.
 */
export function describeFailure(facts: {
  error: unknown;
  spark: SparkProcessResult | undefined;
  stage: string;
  runDir: string;
  root: string;
}): Failure {
  const { error, spark, runDir, root } = facts;
  const stage = spark?.error?.stage ?? spark?.lastStage ?? facts.stage;
  const sparkLog = path.join(runDir, "logs", "spark.log");
  const logHint = `Spark's log: ${sparkLog} (or run again with --verbose).`;
  const err = error as (NodeJS.ErrnoException & { name?: string }) | undefined;

  if (spark?.interrupted) {
    return {
      stage,
      kind: "Interrupted",
      message: "stopped by Ctrl-C (or SIGTERM); Spark and its Python workers were stopped",
      hint: "Nothing else was changed; `kindling run` starts a fresh run.",
    };
  }
  const diskText = [
    err?.code,
    err?.message,
    spark?.logError?.code,
    spark?.error?.message,
    ...(spark?.stderrTail ?? []),
  ]
    .filter((x): x is string => typeof x === "string")
    .find((x) => DISK_FULL.test(x));
  if (diskText !== undefined) {
    return {
      stage,
      kind: "DiskFull",
      message: `the disk holding ${root} is full (no space left on device)`,
      hint: `Free space on that disk (\`df -h ${root}\`; this failed run's files in ${runDir} can be deleted), or set output.dir to a folder on another disk, then run again.`,
    };
  }
  if (spark?.signal) {
    return {
      stage,
      kind: "Killed",
      message: `Spark's JVM was killed (${spark.signal})`,
      hint:
        spark.signal === "SIGKILL"
          ? "SIGKILL usually comes from the kernel's out-of-memory killer (see `dmesg`): give Spark more memory (spark.driver_memory) or close other programs, then run again."
          : logHint,
    };
  }
  if (spark?.spawnError) {
    return {
      stage: "start",
      kind: "StartFailed",
      message: `could not start spark-submit (${spark.spawnError.code ?? spark.spawnError.message})`,
      hint: "Run `npm run setup` to (re)create the project's Python environment, then `kindling doctor`.",
    };
  }
  if (spark?.error) {
    const { kind, message } = spark.error;
    return { stage, kind, message, hint: hintFor(kind, runDir, logHint) };
  }
  if (spark && spark.exitCode !== 0 && spark.exitCode !== null) {
    const last = spark.stderrTail.filter((l) => l.trim() !== "").slice(-3);
    return {
      stage,
      kind: "SparkFailure",
      message: `spark-submit exited with code ${spark.exitCode}${last.length > 0 ? `: ${last.join(" | ")}` : ""}`,
      hint: logHint,
    };
  }
  if (spark && error === undefined) {
    return {
      stage,
      kind: "Incomplete",
      message: "the job ended without writing job.json",
      hint: logHint,
    };
  }
  const known = err?.name && err.name !== "Error" ? err.name : "Internal";
  return { stage, kind: known, message: err?.message ?? String(error), hint: logHint };
}

function hintFor(kind: string, runDir: string, logHint: string): string {
  switch (kind) {
    case "TooManyRejects":
      return `The malformed rows are in ${path.join(runDir, "rejects")} (one JSON object per row, with the reason): fix them, or raise data.max_reject_fraction.`;
    case "MissingColumn":
    case "SingleClass":
    case "EmptyData":
    case "TooManyClasses":
    case "InputNotFound":
      return "`kindling validate` checks the data without starting Spark.";
    default:
      return logHint;
  }
}
