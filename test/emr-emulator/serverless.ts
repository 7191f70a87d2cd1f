import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import type { S3 } from "@aws-sdk/client-s3";
import { realSleep } from "../../src/clock.js";
import type { StepExecutor, StepOutcome } from "./server.js";
import {
  ACCOUNT,
  type ApplicationRecord,
  applicationJson,
  applicationSummaryJson,
  durationSeconds,
  type JobRunRecord,
  jobResources,
  jobRunJson,
  jobRunSummaryJson,
  REGION,
  sparkSubmitArgs,
  TERMINAL_JOB_STATES,
  utilization,
} from "./serverlessState.js";
import type { ClusterRecord } from "./state.js";

/**
 * A fault for the next job run:
 * - "internal-error": it fails in SCHEDULED, before its driver starts (the service's own failure);
 * - "no-capacity": it stays SCHEDULED (no workers to be had) until cancelled or timed out.
 */
export type JobFault = "internal-error" | "no-capacity";

export interface ServerlessEmulatorOptions {
  /** S3 client of the store job runs read from and write to, and where logs go (the moto server). */
  s3: S3;
  /** Runs a job run's spark-submit command (the same executors as the EMR emulator's steps). */
  executor: StepExecutor;
  /** Time in each transitional state (CREATING, STARTING, SUBMITTED, …). Default 150 ms. */
  phaseMs?: number;
  /** Delay between a run's end and its logs appearing under the logUri. Default 0. */
  logDelayMs?: number;
  /**
   * Real milliseconds per minute of an execution timeout or of an auto-stop idle timeout (tests need not
   * wait minutes). Default 60000.
   */
  msPerMinute?: number;
}

export interface ServerlessEmulator {
  endpoint: string;
  applications: Map<string, ApplicationRecord>;
  jobRuns: Map<string, JobRunRecord>;
  /**
   * Every API call received, in order: the operation and its input as botocore's model names it (URI,
   * query and body members together), so tests can check them against the model.
   */
  calls: Array<{ operation: string; body: Record<string, unknown> }>;
  setExecutor(executor: StepExecutor): void;
  /**
   * The next `times` calls of `operation` are refused with this AWS error, as the service answers: the
   * model's HTTP status for its modeled errors (ValidationException 400, ResourceNotFoundException 404,
   * ConflictException 409, InternalServerException 500, ServiceQuotaExceededException 402), 429 for
   * ThrottlingException / TooManyRequestsException, 403 for AccessDeniedException and token errors, else 400;
   * `x-amzn-errortype` names it and the body is {"message"}.
   */
  injectApiError(operation: string, type: string, times?: number): void;
  /** The next StartJobRun's run meets this fault. */
  injectJobFault(fault: JobFault): void;
  set logDelayMs(ms: number);
  set msPerMinute(ms: number);
  /** Resolves once no job run or application transition is under way and every log is written. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

interface Route {
  method: string;
  path: RegExp;
  operation: string;
}

/** The routes of botocore's emr-serverless model (2021-07-13) this emulator answers. */
const ROUTES: Route[] = [
  { method: "POST", path: /^\/applications$/, operation: "CreateApplication" },
  { method: "GET", path: /^\/applications$/, operation: "ListApplications" },
  { method: "GET", path: /^\/applications\/(?<applicationId>[^/]+)$/, operation: "GetApplication" },
  { method: "DELETE", path: /^\/applications\/(?<applicationId>[^/]+)$/, operation: "DeleteApplication" },
  { method: "POST", path: /^\/applications\/(?<applicationId>[^/]+)\/start$/, operation: "StartApplication" },
  { method: "POST", path: /^\/applications\/(?<applicationId>[^/]+)\/stop$/, operation: "StopApplication" },
  { method: "POST", path: /^\/applications\/(?<applicationId>[^/]+)\/jobruns$/, operation: "StartJobRun" },
  { method: "GET", path: /^\/applications\/(?<applicationId>[^/]+)\/jobruns$/, operation: "ListJobRuns" },
  {
    method: "GET",
    path: /^\/applications\/(?<applicationId>[^/]+)\/jobruns\/(?<jobRunId>[^/]+)$/,
    operation: "GetJobRun",
  },
  {
    method: "DELETE",
    path: /^\/applications\/(?<applicationId>[^/]+)\/jobruns\/(?<jobRunId>[^/]+)$/,
    operation: "CancelJobRun",
  },
];

/** Query members that are numbers in the model (the rest are strings or, for `states`, lists). */
const NUMERIC_QUERY = new Set(["maxResults", "attempt", "shutdownGracePeriodInSeconds"]);

const ERROR_STATUS: Record<string, number> = {
  ValidationException: 400,
  ResourceNotFoundException: 404,
  ConflictException: 409,
  InternalServerException: 500,
  ServiceQuotaExceededException: 402,
  ThrottlingException: 429,
  TooManyRequestsException: 429,
  AccessDeniedException: 403,
  ExpiredTokenException: 403,
  UnrecognizedClientException: 403,
  ServiceUnavailableException: 503,
};

const ROLE_ARN =
  /^arn:(aws[a-zA-Z0-9-]*):iam::([0-9]{12}):(role((\u002F)|(\u002F[\u0021-\u007F]+\u002F))[\w+=,.@-]+)$/;
const CLIENT_TOKEN = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * A local EMR Serverless: the REST-JSON API subset Kindling uses (applications, job runs), application and
 * job run states as the service moves them, and job runs whose Spark job driver really runs (through
 * `executor`, as a spark-submit step) with the driver's logs written under the monitoring logUri in S3.
 */
export async function startServerlessEmulator(
  options: ServerlessEmulatorOptions,
): Promise<ServerlessEmulator> {
  const phaseMs = options.phaseMs ?? 150;
  let logDelayMs = options.logDelayMs ?? 0;
  let msPerMinute = options.msPerMinute ?? 60_000;
  let executor = options.executor;
  let nextFault: JobFault | undefined;
  const apiErrors = new Map<string, { type: string; times: number }>();
  const applications = new Map<string, ApplicationRecord>();
  const jobRuns = new Map<string, JobRunRecord>();
  const calls: ServerlessEmulator["calls"] = [];
  const running = new Set<Promise<void>>();
  const sleep = realSleep;
  // EMR Serverless ids: 16 lowercase base-36 characters, starting 00.
  const newId = () =>
    `00${Array.from(randomBytes(14), (b) => "0123456789abcdefghijklmnopqrstuvwxyz"[b % 36]).join("")}`;

  const track = (p: Promise<void>) => {
    running.add(p);
    p.catch(() => {}).finally(() => running.delete(p));
  };

  const setAppState = (a: ApplicationRecord, state: ApplicationRecord["state"], details?: string) => {
    a.state = state;
    a.stateDetails = details;
    a.updated = new Date();
  };
  const setRunState = (j: JobRunRecord, state: JobRunRecord["state"], details = "") => {
    j.state = state;
    j.stateDetails = details;
    j.updated = new Date();
  };

  const active = (a: ApplicationRecord) =>
    [...jobRuns.values()].filter((j) => j.applicationId === a.id && !TERMINAL_JOB_STATES.has(j.state));

  const startApp = async (a: ApplicationRecord) => {
    clearTimeout(a.idleTimer);
    setAppState(a, "STARTING");
    await sleep(phaseMs);
    if (a.state !== "STARTING") return;
    setAppState(a, "STARTED");
    armAutoStop(a);
  };

  const stopApp = async (a: ApplicationRecord) => {
    clearTimeout(a.idleTimer);
    setAppState(a, "STOPPING");
    await sleep(phaseMs);
    if (a.state !== "STOPPING") return;
    setAppState(a, "STOPPED");
  };

  /** A STARTED application with no active run stops after its auto-stop idle timeout. */
  const armAutoStop = (a: ApplicationRecord) => {
    clearTimeout(a.idleTimer);
    if (a.state !== "STARTED" || a.autoStopMinutes === undefined || active(a).length > 0) return;
    // Not tracked by idle(): an idle application waits on its own; a new run or StopApplication cancels it.
    a.idleTimer = setTimeout(() => {
      a.idleTimer = undefined;
      if (a.state === "STARTED" && active(a).length === 0) track(stopApp(a));
    }, a.autoStopMinutes * msPerMinute);
  };

  /** Waits until the run's application is STARTED, auto-starting it; false when it cannot start. */
  const ensureStarted = async (a: ApplicationRecord, signal: AbortSignal): Promise<boolean> => {
    while (!signal.aborted) {
      switch (a.state) {
        case "STARTED":
          return true;
        case "CREATED":
        case "STOPPED":
          if (!a.autoStart) return false;
          track(startApp(a));
          break;
        case "TERMINATED":
          return false;
        default:
          break;
      }
      await sleep(Math.max(5, Math.min(20, phaseMs)), signal);
    }
    return false;
  };

  const clusterOf = (a: ApplicationRecord, j: JobRunRecord): ClusterRecord => ({
    id: a.id,
    name: a.name ?? a.id,
    request: a.request,
    logUri: j.logUri ?? "",
    keepAlive: true,
    state: "RUNNING",
    reason: {},
    created: a.created,
    steps: [j.step],
    tags: Object.entries(a.tags).map(([Key, Value]) => ({ Key, Value })),
    terminateRequested: false,
  });

  /** A run's end: its final state, usage, logs (if its driver ran) and the application's idle clock. */
  const finish = (
    j: JobRunRecord,
    state: "SUCCESS" | "FAILED" | "CANCELLED",
    details: string,
    workersReleased = new Date(),
  ) => {
    clearTimeout(j.timeoutTimer);
    j.ended = new Date();
    const { billed, total } = utilization(
      j.resources,
      j.started ? durationSeconds(j.started, workersReleased) : undefined,
    );
    j.billed = billed;
    j.total = total;
    j.step.ended = j.ended;
    j.step.state = state === "SUCCESS" ? "COMPLETED" : state === "FAILED" ? "FAILED" : "CANCELLED";
    setRunState(j, state, details);
    if (j.started && j.outcome) track(writeLogs(j, j.outcome));
    const a = applications.get(j.applicationId);
    if (a) armAutoStop(a);
  };

  /** CANCELLING → CANCELLED; usage ends when the driver is gone (`workersReleased`), not after CANCELLING. */
  const cancelled = async (j: JobRunRecord, workersReleased = new Date()) => {
    if (j.state !== "CANCELLING") setRunState(j, "CANCELLING", j.cancelReason);
    await sleep(phaseMs);
    finish(j, "CANCELLED", j.cancelReason ?? "Job run cancelled.", workersReleased);
  };

  /** Moves a run as EMR Serverless does: SUBMITTED → PENDING → SCHEDULED → RUNNING → SUCCESS | FAILED. */
  const lifecycle = async (a: ApplicationRecord, j: JobRunRecord, fault: JobFault | undefined) => {
    const signal = j.step.abort.signal;
    await sleep(phaseMs, signal);
    if (signal.aborted) return cancelled(j);
    setRunState(j, "PENDING");
    // PENDING while the application (auto-)starts.
    const started = await ensureStarted(a, signal);
    if (signal.aborted) return cancelled(j);
    if (!started) {
      finish(j, "FAILED", `Application ${a.id} is not started (${a.state}) and auto-start is disabled.`);
      return;
    }
    await sleep(phaseMs, signal);
    if (signal.aborted) return cancelled(j);
    setRunState(j, "SCHEDULED");
    if (fault === "no-capacity") {
      await new Promise<void>((resolve) => {
        if (signal.aborted) resolve();
        else signal.addEventListener("abort", () => resolve(), { once: true });
      });
      return cancelled(j);
    }
    await sleep(phaseMs, signal);
    if (signal.aborted) return cancelled(j);
    if (fault === "internal-error") {
      finish(j, "FAILED", "Job failed due to an internal service error. Please retry the job run.");
      return;
    }
    setRunState(j, "RUNNING");
    j.started = new Date();
    j.step.state = "RUNNING";
    j.step.started = j.started;
    let outcome: StepOutcome;
    try {
      outcome = await executor(j.step, clusterOf(a, j), signal);
    } catch (error) {
      outcome = { exitCode: 1, driverStdout: "", driverStderr: String((error as Error).stack ?? error) };
    }
    j.outcome = outcome;
    if (signal.aborted) return cancelled(j);
    if (outcome.exitCode === 0) {
      finish(j, "SUCCESS", "");
      return;
    }
    finish(j, "FAILED", failureDetails(outcome));
  };

  const writeLogs = async (j: JobRunRecord, outcome: StepOutcome) => {
    if (!j.logUri) return;
    const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(j.logUri);
    if (!m) return;
    if (logDelayMs > 0) await sleep(logDelayMs);
    const prefix = (m[2] ?? "").replace(/\/?$/, "/").replace(/^\/$/, "");
    const base = `${prefix}applications/${j.applicationId}/jobs/${j.id}/SPARK_DRIVER/`;
    await options.s3.putObject({
      Bucket: m[1],
      Key: `${base}stdout.gz`,
      Body: gzipSync(outcome.driverStdout),
    });
    await options.s3.putObject({
      Bucket: m[1],
      Key: `${base}stderr.gz`,
      Body: gzipSync(outcome.driverStderr),
    });
  };

  const application = (applicationId: unknown): ApplicationRecord => {
    const a = applications.get(String(applicationId));
    if (!a || a.state === "TERMINATED") throw notFound(`Application ${String(applicationId)} does not exist`);
    return a;
  };

  const jobRun = (a: ApplicationRecord, jobRunId: unknown): JobRunRecord => {
    const j = jobRuns.get(String(jobRunId));
    if (!j || j.applicationId !== a.id) throw notFound(`Job run ${String(jobRunId)} does not exist`);
    return j;
  };

  const handlers: Record<string, (input: Record<string, unknown>) => unknown> = {
    CreateApplication: (input) => {
      requireString(input, "releaseLabel");
      requireString(input, "type");
      const clientToken = requireString(input, "clientToken");
      checkPattern("clientToken", clientToken, CLIENT_TOKEN);
      const type = String(input.type).toUpperCase();
      if (type !== "SPARK" && type !== "HIVE")
        throw validation(`Unsupported engine type ${String(input.type)}`);
      const same = [...applications.values()].find((a) => a.clientToken === clientToken);
      if (same) {
        if (canonical(same.request) !== canonical(input))
          throw conflict(`clientToken ${clientToken} was used with different parameters`);
        return { applicationId: same.id, name: same.name, arn: same.arn };
      }
      const id = newId();
      const autoStop = input.autoStopConfiguration as
        | { enabled?: boolean; idleTimeoutMinutes?: number }
        | undefined;
      const a: ApplicationRecord = {
        id,
        arn: `arn:aws:emr-serverless:${REGION}:${ACCOUNT}:/applications/${id}`,
        name: input.name as string | undefined,
        request: input,
        clientToken,
        releaseLabel: String(input.releaseLabel),
        type: String(input.type),
        state: "CREATING",
        created: new Date(),
        updated: new Date(),
        tags: (input.tags ?? {}) as Record<string, string>,
        autoStart: (input.autoStartConfiguration as { enabled?: boolean } | undefined)?.enabled ?? true,
        autoStopMinutes: autoStop?.enabled === false ? undefined : (autoStop?.idleTimeoutMinutes ?? 15),
      };
      applications.set(id, a);
      track(
        sleep(phaseMs).then(() => {
          if (a.state === "CREATING") setAppState(a, "CREATED");
        }),
      );
      return { applicationId: a.id, name: a.name, arn: a.arn };
    },
    GetApplication: (input) => ({ application: applicationJson(application(input.applicationId)) }),
    ListApplications: (input) => {
      const states = listOf(input.states);
      const listed = [...applications.values()]
        .filter((a) => states.length === 0 || states.includes(a.state))
        .reverse();
      return page(listed, input, (a) => ({ applications: a.map(applicationSummaryJson) }));
    },
    DeleteApplication: (input) => {
      const a = application(input.applicationId);
      if (a.state !== "CREATED" && a.state !== "STOPPED")
        throw validation(
          `Application ${a.id} must be in CREATED or STOPPED state to be deleted; it is ${a.state}`,
        );
      clearTimeout(a.idleTimer);
      setAppState(a, "TERMINATED");
      return {};
    },
    StartApplication: (input) => {
      const a = application(input.applicationId);
      if (a.state === "CREATED" || a.state === "STOPPED") track(startApp(a));
      else if (a.state === "CREATING" || a.state === "STOPPING")
        throw validation(`Application ${a.id} cannot be started in state ${a.state}`);
      return {};
    },
    StopApplication: (input) => {
      const a = application(input.applicationId);
      if (active(a).length > 0)
        throw validation(
          `Application ${a.id} has running or scheduled job runs; they must complete or be cancelled before it stops`,
        );
      if (a.state === "STARTED" || a.state === "STARTING") track(stopApp(a));
      else if (a.state === "CREATING")
        throw validation(`Application ${a.id} cannot be stopped in state CREATING`);
      return {};
    },
    StartJobRun: (input) => {
      const a = application(input.applicationId);
      const clientToken = requireString(input, "clientToken");
      checkPattern("clientToken", clientToken, CLIENT_TOKEN);
      const executionRoleArn = requireString(input, "executionRoleArn");
      checkPattern("executionRoleArn", executionRoleArn, ROLE_ARN);
      const jobDriver = input.jobDriver as Record<string, unknown> | undefined;
      if (!jobDriver || typeof jobDriver !== "object") throw validation("jobDriver is required");
      const same = [...jobRuns.values()].find(
        (j) => j.applicationId === a.id && j.clientToken === clientToken,
      );
      if (same) {
        if (canonical(same.request) !== canonical(input))
          throw conflict(`clientToken ${clientToken} was used with different parameters`);
        return { applicationId: a.id, jobRunId: same.id, arn: same.arn };
      }
      if (a.type.toUpperCase() !== "SPARK" || !jobDriver.sparkSubmit)
        throw validation(
          `Application ${a.id} of type ${a.type} runs sparkSubmit job drivers only in this emulator`,
        );
      const submit = jobDriver.sparkSubmit as Record<string, unknown>;
      if (typeof submit.entryPoint !== "string" || !/\S/.test(submit.entryPoint))
        throw validation("jobDriver.sparkSubmit.entryPoint is required");
      const timeout =
        input.executionTimeoutMinutes === undefined ? 720 : Number(input.executionTimeoutMinutes);
      if (!Number.isInteger(timeout) || timeout < 0 || timeout > 1_000_000)
        throw validation("executionTimeoutMinutes must be a whole number from 0 to 1000000");
      if (
        input.name !== undefined &&
        (typeof input.name !== "string" || !/\S/.test(input.name) || input.name.length > 256)
      )
        throw validation("name must be 1 to 256 characters, not all blank");
      if (!a.autoStart && a.state !== "STARTED" && a.state !== "STARTING")
        throw validation(`Application ${a.id} is not started and its auto-start configuration is disabled`);
      const overrides = input.configurationOverrides as Record<string, unknown> | undefined;
      let args: string[];
      let resources: JobRunRecord["resources"];
      try {
        args = sparkSubmitArgs(jobDriver, a, overrides);
        resources = jobResources(args);
      } catch (error) {
        throw validation(`Invalid sparkSubmit job driver: ${(error as Error).message}`);
      }
      const id = newId();
      const s3Logs = (config: unknown) =>
        (config as { s3MonitoringConfiguration?: { logUri?: string } } | undefined)?.s3MonitoringConfiguration
          ?.logUri;
      const j: JobRunRecord = {
        id,
        applicationId: a.id,
        arn: `${a.arn}/jobruns/${id}`,
        name: input.name as string | undefined,
        request: input,
        clientToken,
        executionRoleArn,
        jobDriver,
        configurationOverrides: overrides,
        tags: (input.tags ?? {}) as Record<string, string>,
        executionTimeoutMinutes: timeout,
        releaseLabel: a.releaseLabel,
        networkConfiguration: a.request.networkConfiguration,
        state: "SUBMITTED",
        stateDetails: "",
        created: new Date(),
        updated: new Date(),
        step: {
          id,
          name: String(input.name ?? id),
          actionOnFailure: "CONTINUE",
          jar: "command-runner.jar",
          args,
          state: "PENDING",
          reason: {},
          created: new Date(),
          abort: new AbortController(),
        },
        resources,
        logUri: s3Logs(overrides?.monitoringConfiguration) ?? s3Logs(a.request.monitoringConfiguration),
      };
      jobRuns.set(id, j);
      clearTimeout(a.idleTimer);
      if (timeout > 0) {
        j.timeoutTimer = setTimeout(() => {
          if (TERMINAL_JOB_STATES.has(j.state) || j.cancelReason) return;
          j.cancelReason = `Job run timed out after ${timeout} minutes (executionTimeoutMinutes) and was cancelled.`;
          setRunState(j, "CANCELLING", j.cancelReason);
          j.step.abort.abort();
        }, timeout * msPerMinute);
      }
      const fault = nextFault;
      nextFault = undefined;
      track(lifecycle(a, j, fault));
      return { applicationId: a.id, jobRunId: j.id, arn: j.arn };
    },
    GetJobRun: (input) => {
      const a = application(input.applicationId);
      return { jobRun: jobRunJson(jobRun(a, input.jobRunId)) };
    },
    ListJobRuns: (input) => {
      const a = application(input.applicationId);
      const states = listOf(input.states);
      const after = input.createdAtAfter ? Date.parse(String(input.createdAtAfter)) : undefined;
      const before = input.createdAtBefore ? Date.parse(String(input.createdAtBefore)) : undefined;
      const listed = [...jobRuns.values()]
        .filter((j) => j.applicationId === a.id)
        .filter((j) => states.length === 0 || states.includes(j.state))
        .filter((j) => after === undefined || j.created.getTime() >= after)
        .filter((j) => before === undefined || j.created.getTime() <= before)
        .reverse();
      return page(listed, input, (runs) => ({ jobRuns: runs.map(jobRunSummaryJson) }));
    },
    CancelJobRun: (input) => {
      const a = application(input.applicationId);
      const j = jobRun(a, input.jobRunId);
      if (TERMINAL_JOB_STATES.has(j.state))
        throw validation(`Job run ${j.id} is in a terminal state (${j.state}) and cannot be cancelled`);
      if (!j.cancelReason) {
        j.cancelReason = "Job run cancelled by user request.";
        setRunState(j, "CANCELLING", j.cancelReason);
        j.step.abort.abort();
      }
      return { applicationId: a.id, jobRunId: j.id };
    },
  };

  const server = createServer((req, res) => void handle(req, res));
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? "/", "http://emulator");
    const route = ROUTES.find((r) => r.method === req.method && r.path.test(url.pathname));
    if (!route) {
      return sendError(
        res,
        404,
        "UnknownOperationException",
        `emulator: no operation for ${req.method} ${url.pathname}`,
      );
    }
    let body: Record<string, unknown> = {};
    try {
      body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString("utf8")) : {};
    } catch {
      return sendError(res, 400, "SerializationException", "The request body is not valid JSON");
    }
    const input: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(route.path.exec(url.pathname)?.groups ?? {}))
      input[k] = decodeURIComponent(v);
    for (const key of new Set(url.searchParams.keys())) {
      const values = url.searchParams.getAll(key);
      input[key] = key === "states" ? values : NUMERIC_QUERY.has(key) ? Number(values[0]) : values[0];
    }
    Object.assign(input, body);
    const operation = route.operation;
    calls.push({ operation, body: input });
    const refused = apiErrors.get(operation);
    if (refused && refused.times > 0) {
      refused.times -= 1;
      return sendError(
        res,
        ERROR_STATUS[refused.type] ?? 400,
        refused.type,
        `${refused.type} (injected by the emulator)`,
      );
    }
    try {
      send(res, 200, (handlers[operation] as (i: Record<string, unknown>) => unknown)(input));
    } catch (error) {
      const e = error as { type?: string; message: string };
      const type = e.type ?? "InternalServerException";
      sendError(res, ERROR_STATUS[type] ?? 500, type, e.message);
    }
  };
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    applications,
    jobRuns,
    calls,
    setExecutor: (e) => {
      executor = e;
    },
    injectApiError: (operation, type, times = 1) => {
      apiErrors.set(operation, { type, times });
    },
    injectJobFault: (fault) => {
      nextFault = fault;
    },
    set logDelayMs(ms: number) {
      logDelayMs = ms;
    },
    set msPerMinute(ms: number) {
      msPerMinute = ms;
    },
    idle: async () => {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
    close: async () => {
      for (const a of applications.values()) clearTimeout(a.idleTimer);
      for (const j of jobRuns.values()) {
        clearTimeout(j.timeoutTimer);
        j.step.abort.abort();
      }
      await Promise.allSettled([...running]);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The first line of a failed driver's stderr that names an error, else its last line. */
function lastError(stderr: string): string {
  const lines = stderr
    .trim()
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  const errors = lines.filter((l) => /(Error|Exception)\b/.test(l) && !/^at\s/.test(l));
  return errors.pop() ?? lines.pop() ?? "";
}

/** stateDetails of a failed run, worded as EMR Serverless words it (the field holds 256 characters). */
function failureDetails(outcome: StepOutcome): string {
  const last = lastError(outcome.driverStderr);
  const text =
    `Job failed, please check complete logs in configured logging destination. ExitCode: ${outcome.exitCode}.` +
    (last ? ` Last few exceptions: ${last}` : "");
  return text.length > 256 ? `${text.slice(0, 253)}...` : text;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body ?? {});
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    "x-amzn-requestid": randomBytes(8).toString("hex"),
  });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, type: string, message: string): void {
  const text = JSON.stringify({ message });
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    "x-amzn-requestid": randomBytes(8).toString("hex"),
    "x-amzn-errortype": type,
  });
  res.end(text);
}

function error(type: string, message: string): Error & { type: string } {
  return Object.assign(new Error(message), { type });
}
const validation = (message: string) => error("ValidationException", message);
const notFound = (message: string) => error("ResourceNotFoundException", message);
const conflict = (message: string) => error("ConflictException", message);

function requireString(input: Record<string, unknown>, member: string): string {
  const value = input[member];
  if (typeof value !== "string" || value === "")
    throw validation(
      `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`,
    );
  return value;
}

function checkPattern(member: string, value: string, pattern: RegExp): void {
  if (!pattern.test(value))
    throw validation(
      `1 validation error detected: Value '${value}' at '${member}' failed to satisfy constraint: Member must satisfy regular expression pattern: ${pattern.source}`,
    );
}

function listOf(value: unknown): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value.map(String) : [String(value)];
}

/** One page of `items` by maxResults (default 50) and a nextToken that is the next item's index. */
function page<T>(items: T[], input: Record<string, unknown>, shape: (items: T[]) => Record<string, unknown>) {
  const start = input.nextToken ? Number(input.nextToken) : 0;
  const size = Number(input.maxResults ?? 50) || 50;
  const end = start + size;
  return { ...shape(items.slice(start, end)), ...(end < items.length ? { nextToken: String(end) } : {}) };
}

/** JSON with sorted keys: two requests are the same whatever order their members came in. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as object).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}
