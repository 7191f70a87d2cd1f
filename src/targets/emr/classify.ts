/** The likely cause of a failed EMR run, named for a person. */
export type FailureCause =
  | "bootstrap-failure"
  | "spot-loss"
  | "instance-failure"
  | "missing-input"
  | "out-of-memory"
  | "python-traceback"
  | "job-error"
  | "cancelled"
  | "no-success-marker"
  | "validation"
  | "unknown";

export interface Classification {
  cause: FailureCause;
  /** One line: what happened. */
  summary: string;
  /** What to do about it. */
  hint: string;
}

/** Everything known about a failure; every field is optional. */
export interface FailureEvidence {
  clusterReason?: { Code?: string | undefined; Message?: string | undefined } | undefined;
  stepState?: string | undefined;
  failureDetails?:
    | { Reason?: string | undefined; Message?: string | undefined; LogFile?: string | undefined }
    | undefined;
  /** The job's own error event (@@kindling), when the driver got that far. */
  jobError?: { stage: string | null; kind: string; message: string } | undefined;
  /** Log text to search: step stderr, container stderr, … */
  logs: Array<string | undefined>;
}

const OOM =
  /java\.lang\.OutOfMemoryError|running beyond physical memory|exceeding memory limits|Container killed on request\. Exit code is 137|exit code 137|MemoryError|Cannot allocate memory/i;
const MISSING_INPUT =
  /Path does not exist|FileNotFoundException|NoSuchKey|The specified key does not exist|No such file or directory: 's3/i;
const SPOT = /spot/i;

/**
 * Names the likely cause from the cluster's and step's state-change reasons, the job's error event and
 * the logs. Order matters: the infrastructure causes explain the job's symptoms, not the other way round.
 */
export function classifyFailure(evidence: FailureEvidence): Classification {
  const code = evidence.clusterReason?.Code ?? "";
  const clusterMessage = evidence.clusterReason?.Message ?? "";
  const text = evidence.logs.filter(Boolean).join("\n");
  const job = evidence.jobError;

  if (code === "BOOTSTRAP_FAILURE" || /bootstrap action/i.test(clusterMessage)) {
    return {
      cause: "bootstrap-failure",
      summary: `A bootstrap action failed before the job started: ${clusterMessage || code}`,
      hint: "Check the scripts in emr.bootstrap_actions (their logs are under the log URI, node/<instance>/bootstrap-actions/).",
    };
  }
  if (
    (code === "INSTANCE_FAILURE" || code === "INSTANCE_FLEET_TIMEOUT") &&
    (SPOT.test(clusterMessage) || /spot/i.test(text))
  ) {
    return {
      cause: "spot-loss",
      summary: `Spot capacity was reclaimed or unavailable: ${clusterMessage || code}`,
      hint: "Rerun, use on-demand core nodes (emr.core.spot: false), or offer more instance types with emr.instance_fleets.",
    };
  }
  if (code === "INSTANCE_FAILURE" || code === "INSTANCE_FLEET_TIMEOUT") {
    return {
      cause: "instance-failure",
      summary: `EMR lost or could not start instances: ${clusterMessage || code}`,
      hint: "Often transient or a capacity shortage: rerun, or choose another instance type or subnet.",
    };
  }
  if (code === "VALIDATION_ERROR" || code === "INTERNAL_ERROR") {
    return {
      cause: "validation",
      summary: `EMR rejected the cluster: ${clusterMessage || code}`,
      hint: "Check the foundation (`kindling plan`), the release label and the instance types for this region.",
    };
  }
  if (job?.kind === "InputNotFound" || (!job && MISSING_INPUT.test(text))) {
    return {
      cause: "missing-input",
      summary: `The job could not read its input: ${job?.message ?? firstMatch(text, MISSING_INPUT)}`,
      hint: "Check data.path; the uploaded copy lives under s3://<data bucket>/data/<sha256>/.",
    };
  }
  if (OOM.test(text)) {
    return {
      cause: "out-of-memory",
      summary: `Spark ran out of memory: ${firstMatch(text, OOM)}`,
      hint: "Raise spark.driver_memory / spark.executor_memory, use larger instance types, or more spark.partitions.",
    };
  }
  if (job) {
    return {
      cause: "job-error",
      summary: `The job failed${job.stage ? ` at stage ${job.stage}` : ""}: ${job.kind}: ${job.message}`,
      hint: "The same config fails the same way locally: `kindling run` on a sample reproduces it quickly.",
    };
  }
  const traceback = lastTracebackLine(text);
  if (traceback) {
    return {
      cause: "python-traceback",
      summary: `The Python job raised ${traceback}`,
      hint: "See the traceback above; `kindling logs <run>` prints the full driver log.",
    };
  }
  if (evidence.stepState === "CANCELLED" || code === "USER_REQUEST") {
    return {
      cause: "cancelled",
      summary: `The step was cancelled${clusterMessage ? `: ${clusterMessage}` : ""}`,
      hint: "Someone or something terminated the cluster before the step ran to the end.",
    };
  }
  const details = evidence.failureDetails;
  const detail = [details?.Reason, details?.Message].filter(Boolean).join(": ");
  return {
    cause: "unknown",
    summary: `The step ${evidence.stepState?.toLowerCase() ?? "failed"}${detail ? `: ${detail}` : clusterMessage ? `: ${clusterMessage}` : ""}`,
    hint: "`kindling logs <run>` prints the step's and the driver's logs once EMR has uploaded them.",
  };
}

function firstMatch(text: string, pattern: RegExp): string {
  const line = text.split("\n").find((l) => pattern.test(l));
  return (line ?? "").trim().slice(0, 300);
}

/** "ValueError: bad value" from the last Python traceback in the text. */
function lastTracebackLine(text: string): string | undefined {
  const start = text.lastIndexOf("Traceback (most recent call last):");
  if (start < 0) return undefined;
  const lines = text.slice(start).split("\n").slice(1);
  const error = lines.find((l) => /^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt)\b/.test(l.trim()));
  return (error ?? lines.filter((l) => l.trim() !== "").pop() ?? "an exception").trim().slice(0, 300);
}
