import path from "node:path";
import {
  diskFullFailure,
  interruptedFailure,
  mentionsDiskFull,
  type RunFailure,
} from "../../runs/failure.js";
import type { SparkProcessResult } from "./sparkProcess.js";

/**
 * How a local Spark job ended badly, in words: the job's own error, a killed JVM, a full disk seen in
 * Spark's log, spark-submit failing before the job. `stage` is the job's stage when it stopped.
 */
export function sparkFailure(spark: SparkProcessResult, runDir: string): RunFailure {
  const stage = spark.error?.stage ?? spark.lastStage ?? "start";
  const logHint = `Spark's log: ${path.join(runDir, "logs", "spark.log")} (or run again with --verbose).`;
  if (spark.interrupted) {
    return interruptedFailure(
      stage,
      "stopped by Ctrl-C (or SIGTERM); Spark and its Python workers were stopped",
    );
  }
  if (mentionsDiskFull([spark.logError?.code, spark.error?.message, ...spark.stderrTail])) {
    return diskFullFailure(stage, runDir);
  }
  if (spark.signal) {
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
  if (spark.spawnError) {
    return {
      stage: "start",
      kind: "StartFailed",
      message: `could not start spark-submit (${spark.spawnError.code ?? spark.spawnError.message})`,
      hint: "`kindling doctor` checks the Python environment with PySpark and says how to recreate it.",
    };
  }
  if (spark.error) {
    const { kind, message } = spark.error;
    return { stage, kind, message, hint: hintFor(kind, runDir, logHint) };
  }
  if (spark.exitCode !== 0) {
    const last = spark.stderrTail.filter((l) => l.trim() !== "").slice(-3);
    return {
      stage,
      kind: "SparkFailure",
      message: `spark-submit exited with code ${spark.exitCode}${last.length > 0 ? `: ${last.join(" | ")}` : ""}`,
      hint: logHint,
    };
  }
  return { stage, kind: "Incomplete", message: "the job ended without writing job.json", hint: logHint };
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
