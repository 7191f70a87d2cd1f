import { gunzipSync } from "node:zlib";
import type { S3 } from "@aws-sdk/client-s3";
import { isNotFound } from "../../aws/errors.js";
import type { Sleep } from "../../clock.js";
import { CODES } from "../../ui/codes.js";
import { formatDuration } from "../../ui/format.js";
import type { IoHost } from "../../ui/io.js";
import { type JobEvent, parseEventLine } from "../local/events.js";
import { parseS3Uri, s3Uri } from "./layout.js";

/** The logs EMR writes under LogUri for one step, as far as they have arrived. */
export interface StepLogs {
  stepStderr?: string;
  stepStdout?: string;
  /** The Spark driver's container (cluster mode: the YARN application master). */
  containerStderr?: string;
  containerStdout?: string;
  /** A bootstrap action's stderr, read instead of the step's when the cluster failed at bootstrap. */
  bootstrapStderr?: string;
  /** S3 URIs of what was read. */
  sources: string[];
}

export type LogsApi = Pick<S3, "getObject" | "listObjectsV2">;

/** s3://logs/emr/ + j-123 + s-456 → s3://logs/emr/j-123/steps/s-456/ */
export function stepLogPrefix(logUri: string, clusterId: string, stepId: string): string {
  return `${logUri.replace(/\/?$/, "/")}${clusterId}/steps/${stepId}/`;
}

export function containerLogPrefix(logUri: string, clusterId: string): string {
  return `${logUri.replace(/\/?$/, "/")}${clusterId}/containers/`;
}

/** Reads whatever step and driver-container logs exist now; missing ones stay undefined. */
export async function readStepLogs(
  s3: LogsApi,
  logUri: string,
  clusterId: string,
  stepId: string,
): Promise<StepLogs> {
  const logs: StepLogs = { sources: [] };
  const stepPrefix = stepLogPrefix(logUri, clusterId, stepId);
  const read = async (uri: string): Promise<string | undefined> => {
    const text = await readGzipObject(s3, uri);
    if (text !== undefined) logs.sources.push(uri);
    return text;
  };
  const stepStderr = await read(`${stepPrefix}stderr.gz`);
  const stepStdout = await read(`${stepPrefix}stdout.gz`);
  if (stepStderr !== undefined) logs.stepStderr = stepStderr;
  if (stepStdout !== undefined) logs.stepStdout = stepStdout;
  const driver = await findDriverContainer(s3, containerLogPrefix(logUri, clusterId), stepStderr);
  if (driver) {
    const stderr = await read(`${driver}stderr.gz`);
    const stdout = await read(`${driver}stdout.gz`);
    if (stderr !== undefined) logs.containerStderr = stderr;
    if (stdout !== undefined) logs.containerStdout = stdout;
  }
  return logs;
}

/** s3://logs/emr/ + j-123 → s3://logs/emr/j-123/node/ (each instance's logs, bootstrap actions' among them) */
export function nodeLogPrefix(logUri: string, clusterId: string): string {
  return `${logUri.replace(/\/?$/, "/")}${clusterId}/node/`;
}

/**
 * The stderr of the bootstrap action that failed: EMR writes each node's under
 * node/<instance-id>/bootstrap-actions/<n>/. The first found with content is read.
 */
export async function readBootstrapLogs(s3: LogsApi, logUri: string, clusterId: string): Promise<StepLogs> {
  const logs: StepLogs = { sources: [] };
  const { bucket, key } = parseS3Uri(nodeLogPrefix(logUri, clusterId));
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.listObjectsV2({ Bucket: bucket, Prefix: key, ContinuationToken: token });
    for (const o of page?.Contents ?? []) {
      if (o.Key && /\/bootstrap-actions\/\d+\/stderr\.gz$/.test(o.Key)) keys.push(o.Key);
    }
    token = page?.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  // Actions run in order and stop at the first that fails: the highest-numbered one that logged is it.
  const number = (k: string) => Number(/bootstrap-actions\/(\d+)\//.exec(k)?.[1] ?? 0);
  for (const found of keys.sort((a, b) => number(b) - number(a) || a.localeCompare(b))) {
    const uri = `s3://${bucket}/${found}`;
    const text = await readGzipObject(s3, uri);
    if (text === undefined) continue;
    // Found is enough, even empty (an action may fail without a word on stderr): an earlier action's
    // log would only show one that succeeded.
    logs.bootstrapStderr = text;
    logs.sources.push(uri);
    break;
  }
  return logs;
}

/**
 * Fetches the step's logs after a failure. EMR pushes them to S3 minutes late, so this retries within
 * a bound and says that it is waiting; it returns what has arrived when the bound is reached.
 */
export async function fetchFailureLogs(options: {
  s3: LogsApi;
  logUri: string;
  clusterId: string;
  stepId: string | undefined;
  io: IoHost;
  sleep: Sleep;
  /** Reads in all. Default 10. */
  attempts?: number;
  /** Between reads. Default 30 s. */
  intervalMs?: number;
  signal?: AbortSignal;
  /**
   * The cluster failed at bootstrap: the step never started, so it has no logs to wait for; the
   * bootstrap actions' are read instead.
   */
  bootstrapFailed?: boolean;
}): Promise<StepLogs> {
  const { io } = options;
  const { stepId } = options;
  if (!stepId && !options.bootstrapFailed) return { sources: [] };
  const attempts = options.attempts ?? 10;
  const interval = options.intervalMs ?? 30_000;
  const what = options.bootstrapFailed
    ? { name: "bootstrap actions' logs", at: nodeLogPrefix(options.logUri, options.clusterId) }
    : { name: "step's logs", at: stepLogPrefix(options.logUri, options.clusterId, stepId as string) };
  const read = () =>
    options.bootstrapFailed
      ? readBootstrapLogs(options.s3, options.logUri, options.clusterId)
      : readStepLogs(options.s3, options.logUri, options.clusterId, stepId as string);
  const done = (logs: StepLogs) =>
    options.bootstrapFailed ? logs.bootstrapStderr !== undefined : complete(logs);
  let logs: StepLogs = { sources: [] };
  for (let attempt = 1; attempt <= attempts; attempt++) {
    logs = await read();
    if (done(logs) || attempt === attempts || options.signal?.aborted) break;
    if (attempt === 1) {
      io.notify(
        CODES.EMR_LOG_WAIT.msg(
          `Waiting for the ${what.name} at ${what.at} ` +
            `(EMR uploads them a few minutes after a failure; giving up after ${formatDuration(((attempts - 1) * interval) / 1000)})…`,
          { attempt, of: attempts },
        ),
      );
    }
    await options.sleep(interval, options.signal);
  }
  if (!done(logs)) {
    const missing = options.bootstrapFailed
      ? "The bootstrap actions' logs have not arrived yet"
      : logs.stepStderr === undefined
        ? "The step's logs have not arrived yet"
        : "The driver's container logs have not arrived yet";
    io.notify(
      CODES.EMR_LOGS_MISSING.msg(`${missing}; \`kindling logs <run>\` fetches them later.`, {
        logUri: options.logUri,
      }),
    );
  }
  return logs;
}

/** Step stderr is there, and the driver's logs too when the step got as far as a YARN application. */
function complete(logs: StepLogs): boolean {
  if (logs.stepStderr === undefined) return false;
  const launchedApp = /application_\d+_\d+/.test(logs.stepStderr);
  return !launchedApp || logs.containerStderr !== undefined;
}

/** The job's error event, from the driver's stdout (cluster mode) or the step's stdout. */
export function jobErrorEvent(logs: StepLogs): Extract<JobEvent, { event: "error" }> | undefined {
  for (const text of [logs.containerStdout, logs.stepStdout]) {
    for (const line of (text ?? "").split("\n").reverse()) {
      const event = parseEventLine(line.trim());
      if (event?.event === "error") return event;
    }
  }
  return undefined;
}

/** A log4j line of Spark's below WARN ("26/12/07 10:15:02 INFO SparkContext: …"): start-up chatter. */
const CHATTER = /^\d{2}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}(?:[.,]\d+)? (?:INFO|DEBUG|TRACE) /;

/**
 * The part of a failed driver's stderr that says why: its last lines once Spark's INFO and DEBUG lines
 * are left out, so the traceback, the ERROR lines and the JVM's "Caused by:" lines are what is shown,
 * not the start-up log that fills the end of the file. A log of nothing but such lines keeps its tail.
 */
export function failureTail(text: string | undefined, lines = 25): string {
  const kept = (text ?? "").split("\n").filter((line) => !CHATTER.test(line));
  return tail(kept.join("\n"), lines) || tail(text, lines);
}

/** The last `lines` lines of a log, without trailing blank lines. */
export function tail(text: string | undefined, lines = 30): string {
  if (!text) return "";
  const all = text.replace(/\s+$/, "").split("\n");
  return all.slice(-lines).join("\n");
}

async function findDriverContainer(
  s3: LogsApi,
  prefixUri: string,
  stepStderr: string | undefined,
): Promise<string | undefined> {
  const { bucket, key } = parseS3Uri(prefixUri);
  const app = /application_\d+_\d+/.exec(stepStderr ?? "")?.[0];
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.listObjectsV2({
      Bucket: bucket,
      Prefix: app ? `${key}${app}/` : key,
      ContinuationToken: token,
    });
    for (const o of page?.Contents ?? []) if (o.Key?.endsWith("/stderr.gz")) keys.push(o.Key);
    token = page?.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  if (keys.length === 0) return undefined;
  // The application master (the driver in cluster mode) is the application's first container; of
  // several applications (YARN retries), the last one.
  const sorted = keys.sort();
  const driver =
    sorted.filter((k) => /_0*1\/stderr\.gz$/.test(k)).pop() ?? (sorted[sorted.length - 1] as string);
  return s3Uri(bucket, driver.slice(0, -"stderr.gz".length));
}

async function readGzipObject(s3: LogsApi, uri: string): Promise<string | undefined> {
  const { bucket, key } = parseS3Uri(uri);
  try {
    const res = await s3.getObject({ Bucket: bucket, Key: key });
    const bytes = Buffer.from((await res.Body?.transformToByteArray()) ?? new Uint8Array());
    try {
      return gunzipSync(bytes).toString("utf8");
    } catch {
      return bytes.toString("utf8");
    }
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}
