/**
 * The EMR Serverless emulator's model of applications and job runs, shaped like the API's own (REST-JSON,
 * epoch-second timestamps), plus the two rules it applies to a job driver: how it becomes a spark-submit
 * command line, and what its workers are billed.
 */

import type { StepOutcome } from "./server.js";
import { parseSparkSubmit } from "./sparkStep.js";
import type { StepRecord } from "./state.js";

export const ACCOUNT = "123456789012";
export const REGION = "us-east-1";

export type ApplicationState =
  | "CREATING"
  | "CREATED"
  | "STARTING"
  | "STARTED"
  | "STOPPING"
  | "STOPPED"
  | "TERMINATED";

export type JobRunState =
  | "SUBMITTED"
  | "PENDING"
  | "SCHEDULED"
  | "RUNNING"
  | "SUCCESS"
  | "FAILED"
  | "CANCELLING"
  | "CANCELLED";

export const TERMINAL_JOB_STATES: ReadonlySet<JobRunState> = new Set(["SUCCESS", "FAILED", "CANCELLED"]);

export interface ApplicationRecord {
  id: string;
  arn: string;
  name?: string;
  /** The CreateApplication request as received. */
  request: Record<string, unknown>;
  clientToken: string;
  releaseLabel: string;
  type: string;
  state: ApplicationState;
  stateDetails?: string;
  created: Date;
  updated: Date;
  tags: Record<string, string>;
  autoStart: boolean;
  /** Minutes of idleness before auto-stop; undefined when auto-stop is off. */
  autoStopMinutes?: number;
  /** The auto-stop timer, armed while the application is STARTED with no job run active. */
  idleTimer?: NodeJS.Timeout;
}

/** [vCPU, memory GB, disk GB] of one worker. */
export interface WorkerSize {
  vcpu: number;
  memoryGb: number;
  diskGb: number;
}

/** The workers one job run asks for: a driver and `executors` executors. */
export interface JobResources {
  driver: WorkerSize;
  executor: WorkerSize;
  executors: number;
}

export interface ResourceUtilization {
  vCPUHour: number;
  memoryGBHour: number;
  storageGBHour: number;
}

export interface JobRunRecord {
  id: string;
  applicationId: string;
  arn: string;
  name?: string;
  /** The StartJobRun request as received (body). */
  request: Record<string, unknown>;
  clientToken: string;
  executionRoleArn: string;
  jobDriver: Record<string, unknown>;
  configurationOverrides?: Record<string, unknown>;
  tags: Record<string, string>;
  executionTimeoutMinutes: number;
  releaseLabel: string;
  networkConfiguration?: unknown;
  state: JobRunState;
  stateDetails: string;
  created: Date;
  updated: Date;
  /** When the driver started (RUNNING) and when the run reached a final state. */
  started?: Date;
  ended?: Date;
  /** The spark-submit command the job driver became, as the executor gets it (its abort cancels the run). */
  step: StepRecord;
  resources: JobResources;
  /** Where the driver's logs go (the job's or else the application's s3MonitoringConfiguration.logUri). */
  logUri?: string;
  outcome?: StepOutcome;
  billed?: ResourceUtilization;
  total?: ResourceUtilization;
  /** Set by CancelJobRun or the execution timeout: why the run is being cancelled. */
  cancelReason?: string;
  timeoutTimer?: NodeJS.Timeout;
}

const epoch = (d: Date | undefined) => (d ? d.getTime() / 1000 : undefined);

export function applicationJson(a: ApplicationRecord) {
  const r = a.request;
  return {
    applicationId: a.id,
    name: a.name,
    arn: a.arn,
    releaseLabel: a.releaseLabel,
    type: a.type,
    state: a.state,
    stateDetails: a.stateDetails,
    initialCapacity: r.initialCapacity,
    maximumCapacity: r.maximumCapacity,
    createdAt: epoch(a.created),
    updatedAt: epoch(a.updated),
    tags: a.tags,
    autoStartConfiguration: { enabled: a.autoStart },
    autoStopConfiguration:
      a.autoStopMinutes === undefined
        ? { enabled: false }
        : { enabled: true, idleTimeoutMinutes: a.autoStopMinutes },
    networkConfiguration: r.networkConfiguration,
    architecture: r.architecture ?? "X86_64",
    workerTypeSpecifications: r.workerTypeSpecifications,
    runtimeConfiguration: r.runtimeConfiguration,
    monitoringConfiguration: r.monitoringConfiguration,
    interactiveConfiguration: r.interactiveConfiguration,
    schedulerConfiguration: r.schedulerConfiguration,
  };
}

export function applicationSummaryJson(a: ApplicationRecord) {
  return {
    id: a.id,
    name: a.name,
    arn: a.arn,
    releaseLabel: a.releaseLabel,
    type: a.type,
    state: a.state,
    stateDetails: a.stateDetails,
    createdAt: epoch(a.created),
    updatedAt: epoch(a.updated),
    architecture: a.request.architecture ?? "X86_64",
  };
}

const CREATED_BY = `arn:aws:iam::${ACCOUNT}:user/kindling-emulator`;

export function jobRunJson(j: JobRunRecord) {
  const finalDuration = j.started && j.ended ? durationSeconds(j.started, j.ended) : undefined;
  const runningDuration = j.started && !j.ended ? durationSeconds(j.started, new Date()) : undefined;
  return {
    applicationId: j.applicationId,
    jobRunId: j.id,
    name: j.name,
    arn: j.arn,
    createdBy: CREATED_BY,
    createdAt: epoch(j.created),
    updatedAt: epoch(j.updated),
    executionRole: j.executionRoleArn,
    state: j.state,
    stateDetails: j.stateDetails,
    releaseLabel: j.releaseLabel,
    configurationOverrides: j.configurationOverrides,
    jobDriver: j.jobDriver,
    tags: j.tags,
    totalResourceUtilization: j.total,
    networkConfiguration: j.networkConfiguration,
    totalExecutionDurationSeconds: finalDuration ?? runningDuration ?? 0,
    executionTimeoutMinutes: j.executionTimeoutMinutes,
    billedResourceUtilization: j.billed,
    mode: "BATCH",
    attempt: 1,
    attemptCreatedAt: epoch(j.created),
    attemptUpdatedAt: epoch(j.updated),
    startedAt: epoch(j.started),
    endedAt: epoch(j.ended),
  };
}

export function jobRunSummaryJson(j: JobRunRecord) {
  return {
    applicationId: j.applicationId,
    id: j.id,
    name: j.name,
    mode: "BATCH",
    arn: j.arn,
    createdBy: CREATED_BY,
    createdAt: epoch(j.created),
    updatedAt: epoch(j.updated),
    executionRole: j.executionRoleArn,
    state: j.state,
    stateDetails: j.stateDetails,
    releaseLabel: j.releaseLabel,
    type: "Spark",
    attempt: 1,
    attemptCreatedAt: epoch(j.created),
    attemptUpdatedAt: epoch(j.updated),
  };
}

/** Whole seconds from `a` to `b`, rounded up (as EMR Serverless reports durations). */
export function durationSeconds(a: Date, b: Date): number {
  return Math.max(0, Math.ceil((b.getTime() - a.getTime()) / 1000));
}

/**
 * Splits sparkSubmitParameters into arguments the way a POSIX shell would (what EMR Serverless does with the
 * string): whitespace separates, '…' is literal, "…" allows \" and \\, a backslash outside quotes escapes the
 * next character. Throws on an unterminated quote.
 */
export function shellSplit(text: string): string[] {
  const out: string[] = [];
  let current = "";
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (/\s/.test(c)) {
      if (inWord) out.push(current);
      current = "";
      inWord = false;
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new Error("unterminated ' in sparkSubmitParameters");
      current += text.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (c === '"') {
      inWord = true;
      let j = i + 1;
      for (; j < text.length && text[j] !== '"'; j++) {
        if (text[j] === "\\" && (text[j + 1] === '"' || text[j + 1] === "\\")) j++;
        current += text[j];
      }
      if (j >= text.length) throw new Error('unterminated " in sparkSubmitParameters');
      i = j;
    } else if (c === "\\" && i + 1 < text.length) {
      current += text[i + 1];
      inWord = true;
      i++;
    } else {
      current += c;
      inWord = true;
    }
  }
  if (inWord) out.push(current);
  return out;
}

/** `spark-defaults` properties of a configuration list (the application's runtimeConfiguration or a job's). */
function sparkDefaults(configurations: unknown): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const c of (configurations ?? []) as Array<{ classification?: string; properties?: object }>) {
    if (c.classification !== "spark-defaults") continue;
    for (const [k, v] of Object.entries(c.properties ?? {})) out.push([k, String(v)]);
  }
  return out;
}

/**
 * The spark-submit command a Spark job driver becomes:
 *   ["spark-submit", ...spark-defaults confs, ...shellSplit(sparkSubmitParameters), entryPoint, ...entryPointArguments]
 * where the spark-defaults confs (`--conf k=v`, the application's runtimeConfiguration, then the job's
 * configurationOverrides.applicationConfiguration) come first so the job's own parameters win, as on EMR
 * Serverless (spark-submit keeps the last of repeated --conf keys). Without spark-defaults classifications
 * this is exactly ["spark-submit", ...shellSplit(sparkSubmitParameters), entryPoint, ...entryPointArguments].
 */
export function sparkSubmitArgs(
  jobDriver: Record<string, unknown>,
  application: ApplicationRecord,
  configurationOverrides: Record<string, unknown> | undefined,
): string[] {
  const submit = jobDriver.sparkSubmit as
    | { entryPoint?: string; entryPointArguments?: string[]; sparkSubmitParameters?: string }
    | undefined;
  if (!submit?.entryPoint) throw new Error("jobDriver.sparkSubmit.entryPoint is required");
  const defaults = [
    ...sparkDefaults(application.request.runtimeConfiguration),
    ...sparkDefaults(configurationOverrides?.applicationConfiguration),
  ].flatMap(([k, v]) => ["--conf", `${k}=${v}`]);
  return [
    "spark-submit",
    ...defaults,
    ...shellSplit(submit.sparkSubmitParameters ?? ""),
    submit.entryPoint,
    ...(submit.entryPointArguments ?? []),
  ];
}

/** The Spark properties a spark-submit command line sets (last one wins), with its sizing flags as confs. */
export function sparkConfs(args: string[]): Map<string, string> {
  const flags: Record<string, string> = {
    "--driver-cores": "spark.driver.cores",
    "--driver-memory": "spark.driver.memory",
    "--executor-cores": "spark.executor.cores",
    "--executor-memory": "spark.executor.memory",
    "--num-executors": "spark.executor.instances",
  };
  const confs = new Map<string, string>();
  for (const [flag, value] of parseSparkSubmit(args).options) {
    if (flag === "--conf") {
      const at = value.indexOf("=");
      if (at > 0) confs.set(value.slice(0, at), value.slice(at + 1));
    } else if (flags[flag]) {
      confs.set(flags[flag] as string, value);
    }
  }
  return confs;
}

/** Spark's memory notation ("14g", "7168m", "512k", "2t"; bytes when unitless) in GB (GiB, as Spark means). */
export function sparkMemoryGb(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgtp]?)b?\s*$/i.exec(text);
  if (!m) return Number.NaN;
  const n = Number(m[1]);
  const unit = (m[2] ?? "").toLowerCase();
  const scale: Record<string, number> = {
    "": 1 / 1024 ** 3,
    k: 1 / 1024 ** 2,
    m: 1 / 1024,
    g: 1,
    t: 1024,
    p: 1024 ** 2,
  };
  return n * (scale[unit] ?? 1);
}

const WORKER_VCPUS = [1, 2, 4, 8, 16];

/**
 * The worker EMR Serverless gives a driver or executor with these Spark settings:
 * - vCPU: spark.{driver,executor}.cores (default 4), rounded up to a worker size (1, 2, 4, 8, 16);
 * - memory: spark.{driver,executor}.memory (default 14g) plus its overhead (spark.*.memoryOverhead, else
 *   Spark's default max(10%, 384 MiB)), rounded up to the worker's memory step (1 GB up to 4 vCPU, 4 GB for
 *   8, 8 GB for 16) and to at least the size's minimum (2 GB per vCPU);
 * - disk: spark.emr-serverless.{driver,executor}.disk (default 20g).
 */
export function workerSize(confs: Map<string, string>, role: "driver" | "executor"): WorkerSize {
  const cores = Number(confs.get(`spark.${role}.cores`) ?? 4);
  const vcpu = WORKER_VCPUS.find((n) => n >= cores) ?? 16;
  const memory = sparkMemoryGb(confs.get(`spark.${role}.memory`) ?? "14g");
  const overheadSetting = confs.get(`spark.${role}.memoryOverhead`);
  // spark.*.memoryOverhead without a unit is MiB.
  const overhead =
    overheadSetting === undefined
      ? Math.max(memory * 0.1, 384 / 1024)
      : /^\d+$/.test(overheadSetting.trim())
        ? Number(overheadSetting) / 1024
        : sparkMemoryGb(overheadSetting);
  const step = vcpu <= 4 ? 1 : vcpu === 8 ? 4 : 8;
  const memoryGb = Math.max(Math.ceil((memory + overhead) / step) * step, 2 * vcpu);
  const diskGb = sparkMemoryGb(confs.get(`spark.emr-serverless.${role}.disk`) ?? "20g");
  return { vcpu, memoryGb, diskGb: Number.isFinite(diskGb) ? diskGb : 20 };
}

/**
 * A job's workers: one driver and spark.executor.instances executors (else dynamic allocation's
 * spark.dynamicAllocation.initialExecutors, else 3 — EMR Serverless's default initial executors).
 */
export function jobResources(args: string[]): JobResources {
  const confs = sparkConfs(args);
  const executors = Number(
    confs.get("spark.executor.instances") ?? confs.get("spark.dynamicAllocation.initialExecutors") ?? 3,
  );
  return {
    driver: workerSize(confs, "driver"),
    executor: workerSize(confs, "executor"),
    executors: Number.isFinite(executors) && executors >= 0 ? executors : 3,
  };
}

/** Free ephemeral storage per worker: only disk beyond it is billed. */
const FREE_DISK_GB = 20;
/** Every worker is billed at least this long. */
const MINIMUM_BILLED_SECONDS = 60;

/**
 * What a run's workers used and were billed, the emulator's billing rule (EMR Serverless's documented one,
 * with the workers held for the whole RUNNING time, as a job without dynamic scaling holds them):
 *   each worker (the driver and every executor) runs for the run's RUNNING duration d (whole seconds,
 *   rounded up);
 *   total  = Σ workers vCPU × d, memory GB × d, disk GB × d                     (in hours)
 *   billed = Σ workers vCPU × max(d, 60 s), memory GB × max(d, 60 s), max(disk GB − 20, 0) × max(d, 60 s)
 * i.e. a one-minute minimum per worker and the first 20 GB of each worker's disk free. Memory is the
 * worker's (Spark memory + overhead, rounded to the worker size; see workerSize). A run that never reached
 * RUNNING had no workers: all zero.
 */
export function utilization(
  resources: JobResources,
  seconds: number | undefined,
): { billed: ResourceUtilization; total: ResourceUtilization } {
  const zero = { vCPUHour: 0, memoryGBHour: 0, storageGBHour: 0 };
  if (seconds === undefined) return { billed: { ...zero }, total: { ...zero } };
  const workers = [
    resources.driver,
    ...Array.from({ length: resources.executors }, () => resources.executor),
  ];
  const sum = (f: (w: WorkerSize) => number, s: number) =>
    round(workers.reduce((acc, w) => acc + f(w), 0) * (s / 3600));
  const billedSeconds = Math.max(seconds, MINIMUM_BILLED_SECONDS);
  return {
    total: {
      vCPUHour: sum((w) => w.vcpu, seconds),
      memoryGBHour: sum((w) => w.memoryGb, seconds),
      storageGBHour: sum((w) => w.diskGb, seconds),
    },
    billed: {
      vCPUHour: sum((w) => w.vcpu, billedSeconds),
      memoryGBHour: sum((w) => w.memoryGb, billedSeconds),
      storageGBHour: sum((w) => Math.max(w.diskGb - FREE_DISK_GB, 0), billedSeconds),
    },
  };
}

const round = (n: number) => Math.round(n * 1e6) / 1e6;
