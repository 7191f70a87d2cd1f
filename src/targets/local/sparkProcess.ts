import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { createInterface } from "node:readline";
import type { Reporter, StageHandle } from "../../ui/reporter.js";
import { type JobEvent, parseEventLine, stageLabel } from "./events.js";

export interface SparkProcessOptions {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Receives everything the job and Spark print that is not a protocol event. */
  jobLog: string;
  sparkLog: string;
  reporter: Reporter;
  /** Echo Spark's own log to the reporter's debug channel. */
  verbose: boolean;
  signal?: AbortSignal;
}

export interface SparkProcessResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** The stage that had started and not ended when the process stopped. */
  lastStage: string | null;
  error: Extract<JobEvent, { event: "error" }> | undefined;
  interrupted: boolean;
}

/**
 * Runs spark-submit as its own process group, turns protocol events into reporter stages and keeps
 * Spark's log noise in the run's log files. On abort the whole group (JVM and Python workers) is stopped.
 */
export async function runSparkProcess(options: SparkProcessOptions): Promise<SparkProcessResult> {
  const { reporter } = options;
  const jobLog = createWriteStream(options.jobLog, { flags: "a" });
  const sparkLog = createWriteStream(options.sparkLog, { flags: "a" });
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });

  let current: { name: string; handle: StageHandle } | undefined = {
    name: "start",
    handle: reporter.stage("Start Spark"),
  };
  let lastStage: string | null = null;
  let error: SparkProcessResult["error"];
  let interrupted = false;

  const endCurrent = (ok: boolean, detail?: string) => {
    if (!current) return;
    if (ok) current.handle.succeed(detail);
    else current.handle.fail(detail);
    current = undefined;
  };

  const onAbort = () => {
    interrupted = true;
    killGroup(child.pid, "SIGTERM");
    // Spark's shutdown hooks get a moment; a JVM that ignores SIGTERM is killed.
    setTimeout(() => killGroup(child.pid, "SIGKILL"), 5_000).unref();
  };
  options.signal?.addEventListener("abort", onAbort, { once: true });
  if (options.signal?.aborted) onAbort();

  const startedAt = Date.now();
  createInterface({ input: child.stdout }).on("line", (line) => {
    const event = parseEventLine(line);
    if (!event) {
      jobLog.write(`${line}\n`);
      return;
    }
    jobLog.write(`${line}\n`);
    if (event.event === "stage_start") {
      if (current?.name === "start") endCurrent(true, `${((Date.now() - startedAt) / 1000).toFixed(1)}s`);
      else endCurrent(true);
      lastStage = event.stage;
      current = { name: event.stage, handle: reporter.stage(stageLabel(event.stage)) };
    } else if (event.event === "stage_end") {
      if (current?.name === event.stage) endCurrent(true, `${event.seconds.toFixed(1)}s`);
    } else {
      error = event;
    }
  });
  createInterface({ input: child.stderr }).on("line", (line) => {
    sparkLog.write(`${line}\n`);
    if (options.verbose) reporter.debug(line);
  });

  const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code, sig) => resolve([code, sig]));
  });
  options.signal?.removeEventListener("abort", onAbort);
  // Python workers may outlive the JVM by a moment; leave nothing behind.
  killGroup(child.pid, "SIGKILL");
  const ok = exitCode === 0 && !interrupted;
  endCurrent(ok, ok ? undefined : interrupted ? "interrupted" : "failed");
  await Promise.all([closeStream(jobLog), closeStream(sparkLog)]);
  return { exitCode, signal, lastStage, error, interrupted };
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

function closeStream(stream: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => stream.end(resolve));
}
