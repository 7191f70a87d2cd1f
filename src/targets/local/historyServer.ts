import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { KindlingError } from "../../errors.js";
import { freePorts, LOOPBACK } from "../standalone/ports.js";
import { venvSparkHome } from "../standalone/sparkHome.js";
import type { SparkEnv } from "./pythonEnv.js";

/** Spark's event log of an application: its id (local-…, app-…), with a compression codec suffix. */
const EVENT_LOG = /^(local|app|application)[-_][\w-]+(\.(zstd|lz4|snappy|lzf))?$/;

/** The event logs a run kept in its logs/ folder (spark.eventLog.dir). */
export async function eventLogsOf(runDir: string): Promise<string[]> {
  const entries = await readdir(path.join(runDir, "logs")).catch(() => [] as string[]);
  return entries.filter((name) => EVENT_LOG.test(name)).sort();
}

export interface HistoryServer {
  url: string;
  /** Stops the server and the JVM it started (idempotent). */
  stop(): Promise<void>;
  /** Resolves when the server's process ends, for whatever reason. */
  ended: Promise<string>;
}

/**
 * Starts Spark's History Server over one run's event logs, on 127.0.0.1 only (the UI has no
 * authentication), and resolves once its REST API answers. No machine Spark config leaks in: an empty
 * SPARK_CONF_DIR, settings by -D in SPARK_HISTORY_OPTS, which Spark's launcher reads for this class.
 */
export async function startHistoryServer(
  env: SparkEnv,
  runDir: string,
  options: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<HistoryServer> {
  const [port] = await freePorts(1);
  const conf = await mkdtemp(path.join(os.tmpdir(), "kindling-history-"));
  const logDir = pathToFileURL(path.join(runDir, "logs")).href;
  const sparkHome = venvSparkHome(env.dir);
  const child: ChildProcess = spawn(
    path.join(sparkHome, "bin", "spark-class"),
    ["org.apache.spark.deploy.history.HistoryServer"],
    {
      env: {
        ...process.env,
        SPARK_HOME: sparkHome,
        SPARK_CONF_DIR: conf,
        SPARK_LOCAL_IP: LOOPBACK,
        SPARK_HISTORY_OPTS: [
          `-Dspark.history.fs.logDirectory=${logDir}`,
          `-Dspark.history.ui.port=${port}`,
          "-Dspark.port.maxRetries=0",
        ].join(" "),
      },
      detached: true,
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  let stderr = "";
  child.stderr?.on("data", (d) => {
    stderr = (stderr + d).slice(-4000);
  });
  const ended = new Promise<string>((resolve) => {
    child.once("error", (error) => resolve(`could not be started: ${error.message}`));
    child.once("exit", (code, sig) => resolve(sig ? `killed by ${sig}` : `exit code ${code}`));
  });
  let stopped = false;
  const stop = async () => {
    if (!stopped && child.pid !== undefined) {
      stopped = true;
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        // already gone
      }
      await Promise.race([ended, new Promise((r) => setTimeout(r, 10_000))]);
    }
    await rm(conf, { recursive: true, force: true });
  };
  const url = `http://${LOOPBACK}:${port}`;
  const deadline = Date.now() + (options.timeoutMs ?? 90_000);
  let exit: string | undefined;
  void ended.then((why) => {
    exit = why;
  });
  for (;;) {
    if (exit !== undefined) {
      await stop();
      throw new KindlingError(`Spark's History Server ended before it answered (${exit}).`, {
        hint: stderr.trim().split("\n").slice(-5).join("\n") || "Run `kindling doctor` to check Java.",
      });
    }
    if (options.signal?.aborted || Date.now() >= deadline) {
      await stop();
      if (options.signal?.aborted) throw new KindlingError("Interrupted before the History Server answered.");
      throw new KindlingError(`Spark's History Server did not answer at ${url} in time.`);
    }
    const answered = await fetch(`${url}/api/v1/applications`, { signal: AbortSignal.timeout(2_000) })
      .then((r) => r.ok)
      .catch(() => false);
    if (answered) return { url, stop, ended };
    await new Promise((r) => setTimeout(r, 250));
  }
}
