import { spawn } from "node:child_process";
import { createWriteStream, type WriteStream } from "node:fs";
import { createInterface } from "node:readline";
import { CODES } from "../../ui/codes.js";
import { formatDuration } from "../../ui/format.js";
import type { IoHost, Span } from "../../ui/io.js";
import { cacheMessage, cvProgressText, type JobEvent, parseEventLine, stageLabel } from "./events.js";
import type { Launch } from "./launch.js";

export interface SparkProcessOptions {
  launch: Launch;
  /** Receives every line the job prints on stdout (protocol events included: `kindling logs` renders them). */
  jobLog: string;
  sparkLog: string;
  io: IoHost;
  /** Echo Spark's own log as debug messages. */
  verbose: boolean;
  signal?: AbortSignal;
  /** After abort, how long Spark's shutdown hooks get before SIGKILL. Default 5 s. */
  graceMs?: number;
}

export interface SparkProcessResult {
  exitCode: number | null;
  /** The signal that ended spark-submit (the JVM), e.g. SIGKILL from the OOM killer. */
  signal: NodeJS.Signals | null;
  /** The stage that had started and not ended when the process stopped. */
  lastStage: string | null;
  error: Extract<JobEvent, { event: "error" }> | undefined;
  /** Row counts, once the job has counted its input (also on failure after `prepare` counted). */
  rows: Omit<Extract<JobEvent, { event: "rows" }>, "event"> | undefined;
  interrupted: boolean;
  /** The last lines Spark printed on stderr, kept in memory: the log file may be on a full disk. */
  stderrTail: string[];
  /** Why writing the log files failed (e.g. ENOSPC), if it did. */
  logError: NodeJS.ErrnoException | undefined;
  /** Could not be started at all (e.g. ENOENT). */
  spawnError: NodeJS.ErrnoException | undefined;
}

const TAIL_LINES = 60;
/** After the JVM exits, how long its children (the Python driver) get to close the pipes. */
const DRAIN_MS = 5_000;

/**
 * Runs spark-submit as its own process group, turns protocol events into spans and keeps
 * Spark's log noise in the run's log files. On abort the whole group (JVM and Python workers) gets SIGTERM,
 * then SIGKILL; when the JVM ends for any reason, whatever is left of the group is killed.
 */
export async function runSparkProcess(options: SparkProcessOptions): Promise<SparkProcessResult> {
  const { io, launch } = options;
  const result: SparkProcessResult = {
    exitCode: null,
    signal: null,
    lastStage: null,
    error: undefined,
    rows: undefined,
    interrupted: false,
    stderrTail: [],
    logError: undefined,
    spawnError: undefined,
  };
  const jobLog = logStream(options.jobLog, result);
  const sparkLog = logStream(options.sparkLog, result);
  const child = spawn(launch.command, launch.args, {
    cwd: launch.cwd,
    env: { ...process.env, ...launch.env },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  // If Node itself exits (a second Ctrl-C calls process.exit), the group must not outlive it.
  const onExit = () => killGroup(child.pid, "SIGKILL");
  process.once("exit", onExit);

  let starting: Span | undefined = io.span(CODES.SPARK_START.msg("Start Spark", { command: launch.command }));
  // Stages by name: Word2Vec's feature set trains beside the others, so two can run at once.
  const running = new Map<string, Span>();
  const endAll = (ok: boolean, detail?: string) => {
    for (const span of [starting, ...running.values()]) {
      if (ok) span?.succeed(detail);
      else span?.fail(detail);
    }
    starting = undefined;
    running.clear();
  };

  const onAbort = () => {
    result.interrupted = true;
    killGroup(child.pid, "SIGTERM");
    // Spark's shutdown hooks get a moment; a JVM that ignores SIGTERM is killed.
    setTimeout(() => killGroup(child.pid, "SIGKILL"), options.graceMs ?? 5_000).unref();
  };
  options.signal?.addEventListener("abort", onAbort, { once: true });
  if (options.signal?.aborted) onAbort();

  const startedAt = Date.now();
  createInterface({ input: child.stdout }).on("line", (line) => {
    write(jobLog, line);
    const event = parseEventLine(line);
    if (!event) return;
    if (event.event === "stage_start") {
      starting?.succeed(formatDuration((Date.now() - startedAt) / 1000));
      starting = undefined;
      result.lastStage = event.stage;
      running.set(event.stage, io.span(CODES.JOB_STAGE.msg(stageLabel(event.stage), { stage: event.stage })));
    } else if (event.event === "stage_end") {
      running.get(event.stage)?.succeed(formatDuration(event.seconds));
      running.delete(event.stage);
    } else if (event.event === "cv_progress") {
      running.get(event.stage)?.update(cvProgressText(event), event);
    } else if (event.event === "cache") {
      io.notify(cacheMessage(event));
    } else if (event.event === "rows") {
      const { event: _, ...rows } = event;
      result.rows = rows;
    } else {
      result.error = event;
    }
  });
  createInterface({ input: child.stderr }).on("line", (line) => {
    write(sparkLog, line);
    result.stderrTail.push(line);
    if (result.stderrTail.length > TAIL_LINES) result.stderrTail.shift();
    if (options.verbose) io.notify(CODES.JOB_LOG.msg(line, { stream: "stderr", line }));
  });

  const closed = new Promise<void>((resolve) => child.once("close", () => resolve()));
  await new Promise<void>((resolve) => {
    child.once("error", (error: NodeJS.ErrnoException) => {
      result.spawnError = error;
      resolve();
    });
    child.once("exit", (code, signal) => {
      result.exitCode = code;
      result.signal = signal;
      resolve();
    });
  });
  // The JVM is gone; its Python driver may still hold the pipes open. Give it a moment, then end the group.
  if (!result.spawnError) {
    await Promise.race([closed, new Promise((r) => setTimeout(r, DRAIN_MS).unref())]);
  }
  killGroup(child.pid, "SIGKILL");
  options.signal?.removeEventListener("abort", onAbort);
  process.off("exit", onExit);
  const ok = result.exitCode === 0 && !result.interrupted;
  endAll(ok, ok ? undefined : result.interrupted ? "interrupted" : "failed");
  await Promise.all([closeStream(jobLog), closeStream(sparkLog)]);
  return result;
}

/** A log file that stops quietly (remembering why) when the disk is full: the run's outcome matters more. */
function logStream(file: string, result: SparkProcessResult): WriteStream {
  const stream = createWriteStream(file, { flags: "a" });
  stream.on("error", (error: NodeJS.ErrnoException) => {
    result.logError ??= error;
  });
  return stream;
}

function write(stream: WriteStream, line: string): void {
  if (!stream.destroyed && !stream.errored) stream.write(`${line}\n`);
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

function closeStream(stream: WriteStream): Promise<void> {
  if (stream.destroyed || stream.errored) return Promise.resolve();
  return new Promise((resolve) => {
    stream.once("error", () => resolve());
    stream.end(resolve);
  });
}
