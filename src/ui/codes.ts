import type { Level, Message } from "./io.js";

/**
 * Every message Kindling's library code emits, with its stable code and payload type. Programs reading
 * `--events jsonl` rely on these codes: change a payload compatibly or add a new code. Numbering: 1xxx
 * a run's lifecycle, 2xxx input data, 3xxx the Spark job, 4xxx the standalone cluster, 5xxx EMR,
 * 6xxx S3 transfers, 7xxx the foundation stack, 8xxx predict; the letter repeats the level.
 */
export interface Code<D> {
  readonly code: string;
  readonly level: Level;
  /** What the message means, for people writing programs against the event stream. */
  readonly description: string;
  msg(message: string, ...data: D extends undefined ? [] : [D]): Message<D>;
}

function code<D = undefined>(code: string, level: Level, description: string): Code<D> {
  return {
    code,
    level,
    description,
    msg: (message, ...data) => ({ code, level, message, data: data[0] as D, time: new Date() }),
  };
}

export const CODES = {
  // Run lifecycle
  RUN_CREATED: code<{ runId: string; runDir: string; target: string }>(
    "KND_I1001",
    "info",
    "A run directory was created; the run id is final.",
  ),
  RUN_REPORT: code<{ runId: string; file: string }>(
    "KND_D1002",
    "debug",
    "The run's report.html was written.",
  ),
  RUN_REPORT_FAILED: code<{ runId: string; error: string }>(
    "KND_W1003",
    "warn",
    "The report could not be written; the run itself is fine.",
  ),
  RUN_SUCCEEDED: code<{ runId: string; runDir: string; seconds: number }>(
    "KND_D1006",
    "debug",
    "The run is complete: _SUCCESS was written.",
  ),
  RUN_LOOKUP: code<{ asked: string; runId: string; why: string }>(
    "KND_I1007",
    "info",
    "A run reference resolved to another run than the newest (e.g. the newest is not complete).",
  ),
  TARGET_PREPARE: code<{ target: string }>("KND_I1008", "info", "A target starts what a run needs."),
  TARGET_TEARDOWN: code<{ target: string }>("KND_I1009", "info", "A target stops what it started."),
  TARGET_TEARDOWN_FAILED: code<{ target: string; error: string }>(
    "KND_W1010",
    "warn",
    "Stopping what a target started failed; the message says what to clean up.",
  ),
  SWEPT_PROCESSES: code<{ runId: string; pids: number[] }>(
    "KND_D1011",
    "debug",
    "Processes of a run left after its job ended were killed.",
  ),

  REPORT_OPEN_FAILED: code<{ file: string }>(
    "KND_W1012",
    "warn",
    "The report was written but no browser could be opened.",
  ),

  DEMO_DATA: code<{ file: string }>("KND_I1013", "info", "`kindling demo` builds the bundled corpus (span)."),
  DEMO_CONFIG: code<{ file: string; written: boolean }>(
    "KND_I1014",
    "info",
    "`kindling demo` wrote kindling.yaml, or uses the one there is.",
  ),
  PYTHON_ENV_CREATE: code<{ dir: string; python: string; requirements: string[] }>(
    "KND_I1015",
    "info",
    "The local Python with PySpark is installed into the per-user cache, once per machine (span).",
  ),

  // Input data
  DATA_FINDING: code<{ severity: string; code: string; where: string; message: string; fix?: string }>(
    "KND_W2001",
    "warn",
    "A data check found something worth a look that does not stop the run.",
  ),
  DATA_NOTE: code<{ severity: string; code: string; where: string; message: string; fix?: string }>(
    "KND_I2003",
    "info",
    "A data check found something fine but worth knowing (e.g. CRLF line endings).",
  ),
  DATA_DIGEST: code<{ sha256: string; bytes: number; files: number }>(
    "KND_D2002",
    "debug",
    "The input's checksum (sha256 of the file, or of a folder's part files).",
  ),

  // The Spark job
  JOB_STAGE: code<{ stage: string }>("KND_I3001", "info", "A stage of the Spark job (span)."),
  JOB_LOG: code<{ stream: "stderr"; line: string }>(
    "KND_D3002",
    "debug",
    "A line of Spark's own log (shown with --verbose).",
  ),
  SPARK_START: code<{ command: string }>("KND_I3003", "info", "spark-submit is starting (span)."),
  PREPARED_CACHE: code<{ status: "reused" | "stored"; uri: string; bytes: number; builtBy?: string }>(
    "KND_I3004",
    "info",
    "The job reused the prepared text of an earlier run (its input was not read), or stored it for later runs.",
  ),
  PREPARED_CACHE_PROBLEM: code<{
    status: "invalid" | "not_stored" | "not_trimmed";
    uri: string;
    reason: string;
  }>(
    "KND_W3005",
    "warn",
    "A prepared-text cache entry was partial, stale or corrupt (removed and rebuilt), could not be stored, or the cache could not be trimmed to cache.max_size.",
  ),
  PREPARED_CACHE_EVICTED: code<{ key: string; bytes: number; maxBytes: number }>(
    "KND_I3006",
    "info",
    "An entry of the prepared-text cache was removed to keep the cache within cache.max_size (oldest first).",
  ),

  // Standalone cluster
  CLUSTER_START: code<{ workers: number }>("KND_I4001", "info", "The standalone cluster starts (span)."),
  CLUSTER_READY: code<{ masterUrl: string; webUiUrl: string }>(
    "KND_I4002",
    "info",
    "The standalone cluster is up.",
  ),
  CLUSTER_DETAIL: code<{ dir: string }>("KND_D4003", "debug", "Where the standalone cluster keeps its logs."),
  CLUSTER_STOP: code("KND_I4004", "info", "The standalone cluster stops (span)."),

  // EMR
  EMR_CLUSTER_PLAN: code<{ releaseLabel: string; region: string; usd?: number; usdPerHour?: number }>(
    "KND_I5001",
    "info",
    "The cluster a run will start and its estimated cost.",
  ),
  EMR_CLUSTER_STARTED: code<{ clusterId: string; stepId?: string }>(
    "KND_I5002",
    "info",
    "RunJobFlow returned; the cluster is billed from now on.",
  ),
  EMR_CLUSTER_WATCH: code<{ clusterId: string }>("KND_I5003", "info", "The cluster is watched (span)."),
  EMR_CLUSTER_STATE: code<{
    clusterId: string;
    clusterState: string;
    stepState: string;
    seconds: number;
    usdSoFar?: number;
    reason?: string;
  }>("KND_I5004", "info", "The cluster or its step changed state; also the span's updates."),
  EMR_TERMINATING: code<{ clusterId: string; why: string }>(
    "KND_W5005",
    "warn",
    "Kindling asked EMR to terminate a cluster.",
  ),
  EMR_TERMINATED: code<{ clusterId: string; state: string; seconds: number }>(
    "KND_I5006",
    "info",
    "A cluster has terminated (span end of a wait).",
  ),
  EMR_STEP_FAILURE: code<{ clusterId: string; stepId: string; reason?: string; tail?: string }>(
    "KND_I5007",
    "info",
    "What EMR and the driver's log say about a failed step.",
  ),
  EMR_LIKELY_CAUSE: code<{ cause: string; summary: string }>(
    "KND_W5008",
    "warn",
    "The likely cause of a failed step, read from its state and logs.",
  ),
  EMR_LOG_WAIT: code<{ attempt: number; of: number }>(
    "KND_I5009",
    "info",
    "Waiting for EMR to upload a failed step's logs.",
  ),
  EMR_LOGS_MISSING: code<{ logUri: string }>("KND_W5010", "warn", "A failed step's logs never arrived."),
  EMR_FOUNDATION: code<{ stackName: string; action: "use" | "deploy" | "destroy" | "keep" }>(
    "KND_I5011",
    "info",
    "What a run does with the foundation stack (--deploy / --destroy).",
  ),
  EMR_COST: code<{ clusterId: string; usd?: number; estimated?: number }>(
    "KND_I5012",
    "info",
    "What a cluster cost.",
  ),
  EMR_STEP_ADDED: code<{ clusterId: string; stepId: string }>(
    "KND_I5013",
    "info",
    "A run's step was added to a warm cluster (AddJobFlowSteps); no cluster is started for it.",
  ),
  EMR_STEP_CANCELLED: code<{ clusterId: string; stepId: string; why: string }>(
    "KND_W5014",
    "warn",
    "Kindling asked EMR to cancel a run's step on a warm cluster; the cluster stays up.",
  ),
  EMR_PUBLIC_ACCESS: code<{ region: string; blocked: boolean | undefined }>(
    "KND_W5015",
    "warn",
    "Nodes in public subnets get public IPs, and the account's EMR block public access is off (or unreadable).",
  ),

  // EMR Serverless
  SERVERLESS_PLAN: code<{ applicationId: string; releaseLabel: string; region: string; usd?: number }>(
    "KND_I5101",
    "info",
    "The application a run goes to, the job's size and its estimated cost.",
  ),
  SERVERLESS_STARTED: code<{ applicationId: string; jobRunId: string }>(
    "KND_I5102",
    "info",
    "StartJobRun returned; the job run's workers are billed once they start.",
  ),
  SERVERLESS_WATCH: code<{ applicationId: string; jobRunId: string }>(
    "KND_I5103",
    "info",
    "The job run is watched (span).",
  ),
  SERVERLESS_STATE: code<{ jobRunId: string; state: string; seconds: number; details?: string }>(
    "KND_I5104",
    "info",
    "The job run changed state; also the span's updates.",
  ),
  SERVERLESS_QUEUED: code<{ jobRunId: string; state: string; seconds: number; timeoutMinutes: number }>(
    "KND_W5105",
    "warn",
    "The job run waits for capacity (the application's maximum, or the account's vCPU quota).",
  ),
  SERVERLESS_CANCELLING: code<{ jobRunId: string; why: string }>(
    "KND_W5106",
    "warn",
    "Kindling asked EMR Serverless to cancel a job run.",
  ),
  SERVERLESS_COST: code<{ jobRunId: string; usd?: number; estimated?: number }>(
    "KND_I5107",
    "info",
    "What a job run cost, from its billed resource utilization.",
  ),

  // What travels with the job
  PYDEPS_BUILD: code<{ requirements: string[]; python: string; arch: string }>(
    "KND_I6004",
    "info",
    "The job's Python packages are packed into one archive for the cluster's platform (span).",
  ),

  // S3 transfers
  S3_UPLOAD: code<{ files: number; bytes: number }>(
    "KND_I6001",
    "info",
    "Uploads to the data bucket (span).",
  ),
  S3_UNCHANGED: code<{ uri: string }>(
    "KND_I6002",
    "info",
    "A content-addressed object is already in S3: not uploaded again.",
  ),
  S3_DOWNLOAD: code<{ uri: string }>("KND_I6003", "info", "Downloads from the data bucket (span)."),
  RUN_PUSH: code<{ runId: string; uri: string }>(
    "KND_I6005",
    "info",
    "A run is published to the shared history in the data bucket (span).",
  ),
  RUN_PULL: code<{ runId: string; uri: string }>(
    "KND_I6006",
    "info",
    "A run is brought down from the shared history into the local run folder (span).",
  ),
  RUN_EXPORTED: code<{ runId: string; mlflowRunId: string; url: string }>(
    "KND_I6007",
    "info",
    "The run was exported to the MLflow tracking server named by MLFLOW_TRACKING_URI.",
  ),
  RUN_EXPORT_FAILED: code<{ runId: string; error: string }>(
    "KND_W6002",
    "warn",
    "The run succeeded but its export to MLflow failed; `kindling export mlflow` retries.",
  ),
  RUN_PUBLISH_FAILED: code<{ runId: string; error: string }>(
    "KND_W6001",
    "warn",
    "A cloud run finished but could not be published to the shared history; `kindling push` retries.",
  ),

  // The foundation stack
  INFRA_SYNTH: code<{ stackName: string }>("KND_I7001", "info", "Synthesizing the foundation (span)."),
  INFRA_DEPLOY: code<{ stackName: string; region: string }>(
    "KND_I7002",
    "info",
    "Deploying the foundation (span).",
  ),
  INFRA_DESTROY: code<{ stackName: string }>("KND_I7003", "info", "Destroying the foundation (span)."),
  INFRA_EMPTY_BUCKET: code<{ bucket: string }>("KND_I7004", "info", "Emptying a bucket (span)."),
  INFRA_NOTE: code<{ stackName: string }>("KND_I7005", "info", "What a foundation command did or left."),
  INFRA_NAG: code<{ rule: string; resources: string[] }>("KND_W7006", "warn", "A cdk-nag warning."),
  INFRA_TEMPLATE_SIZE: code<{ stackName: string; templateBytes: number }>(
    "KND_W7009",
    "warn",
    "The template is over CloudFormation's inline limit: deploying it would fail.",
  ),
  INFRA_SYNTHESIZED: code<{ stackName: string; directory: string; templateBytes: number }>(
    "KND_D7010",
    "debug",
    "Where the foundation was synthesized, and the template's inline size.",
  ),
  INFRA_TOOLKIT: code<{ toolkitCode?: string }>(
    "KND_I7007",
    "info",
    "A message of the CDK toolkit library, forwarded (its own code in the payload).",
  ),
  INFRA_TOOLKIT_WARN: code<{ toolkitCode?: string }>(
    "KND_W7011",
    "warn",
    "A warning or error of the CDK toolkit library, forwarded.",
  ),
  INFRA_TOOLKIT_DEBUG: code<{ toolkitCode?: string }>(
    "KND_D7012",
    "debug",
    "Detail of the CDK toolkit library, forwarded (shown with --verbose).",
  ),
  INFRA_TOOLKIT_RESULT: code<{ toolkitCode?: string }>(
    "KND_R7013",
    "result",
    "A result of the CDK toolkit library worth showing as it is (the rendered diff).",
  ),
  INFRA_OFFLINE: code<{ reason: string }>("KND_I7008", "info", "No AWS credentials: planning offline."),

  // Predict
  PREDICT_START: code<{ runId: string; featureSet: string; input: string }>(
    "KND_I8001",
    "info",
    "A prediction starts.",
  ),
  PREDICT_NOTE: code<{ runId: string }>("KND_W8002", "warn", "Something about a prediction worth a look."),
  PREDICT_DOWNLOAD: code<{ uri: string }>("KND_I8003", "info", "The predictions file comes down (span)."),
} as const;
