import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, openSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { InterruptedError, KindlingError, UsageError } from "../../errors.js";
import { CODES } from "../../ui/codes.js";
import type { IoHost } from "../../ui/io.js";
import { requireSparkEnv } from "../local/pythonEnv.js";
import { processesWithEnv, signalGroup, signalProcess, waitUntilGone } from "../shared/processes.js";
import { freePorts, LOOPBACK } from "./ports.js";
import { venvSparkHome } from "./sparkHome.js";

/** In the environment of every cluster process; executors and Python workers inherit it (see stop()). */
export const CLUSTER_ID_ENV = "KINDLING_CLUSTER_ID";

const MASTER_CLASS = "org.apache.spark.deploy.master.Master";
const WORKER_CLASS = "org.apache.spark.deploy.worker.Worker";
const TAIL_LINES = 15;

export interface StandaloneClusterOptions {
  /** Worker processes. Default 2. */
  workers?: number;
  /** Cores each worker offers to executors. Default 1. */
  coresPerWorker?: number;
  /** Memory each worker offers to executors, e.g. "2g" (a bare number means MiB). Default "2g". */
  memoryPerWorker?: string;
  /** Receives debug messages (ports, log folder). Default: silent. */
  io?: IoHost;
  /** Aborting it during start-up stops what was started and throws InterruptedError. */
  signal?: AbortSignal;
  /** How long the master and all workers get to come up. Default 60 s. */
  readyTimeoutMs?: number;
  /** How long stop() waits after SIGTERM before SIGKILL. Default 10 s. */
  graceMs?: number;
  /** Spark installation with bin/spark-class. Default: the project venv's PySpark. */
  sparkHome?: string;
  /** Python for executors (PYSPARK_PYTHON). Default: the project venv's. */
  python?: string;
}

export interface ClusterProcess {
  pid: number;
  role: "master" | "worker";
  /** "master", "worker-1", "worker-2", …: also the name of its log file. */
  name: string;
}

/** A running standalone cluster on 127.0.0.1. Call stop() when done, also on failure. */
export interface StandaloneCluster {
  /** spark://127.0.0.1:<port>, for spark-submit --master. */
  masterUrl: string;
  /** http://127.0.0.1:<port>: the master's web UI (and /json/). */
  webUiUrl: string;
  workerCount: number;
  /** The master and worker daemons (each leads its own process group). */
  processes: ClusterProcess[];
  /** Temp folder with the logs, worker dirs and Spark local dirs; removed by stop(). */
  dir: string;
  /**
   * The cluster's settings, mode 0600, for `spark-submit --properties-file`: the shared secret every
   * daemon and application must present (spark.authenticate), which is on no command line.
   */
  propertiesFile: string;
  /** Every live process of the cluster: daemons, executors and their Python workers. */
  livePids(): Promise<number[]>;
  /** Stops all of it (workers, then master; SIGTERM, then SIGKILL) and removes `dir`. Idempotent. */
  stop(): Promise<void>;
}

/** The cluster did not come up; the message ends with the last lines of its processes' logs. */
export class StandaloneClusterError extends KindlingError {}

interface Launched extends ClusterProcess {
  log: string;
  /** Set when the process ended, e.g. "exit code 1". */
  ended?: string;
}

/**
 * Starts a Spark standalone master and `workers` workers as separate processes with `spark-class`,
 * everything bound to 127.0.0.1, and resolves once the master reports every worker alive. On any failure
 * (or abort) what was started is stopped before the error is thrown.
 */
export async function startStandaloneCluster(
  options: StandaloneClusterOptions = {},
): Promise<StandaloneCluster> {
  const workers = options.workers ?? 2;
  const cores = options.coresPerWorker ?? 1;
  const memory = workerMemory(options.memoryPerWorker ?? "2g");
  for (const [name, value] of [
    ["workers", workers],
    ["coresPerWorker", cores],
  ] as const) {
    if (!Number.isInteger(value) || value < 1) {
      throw new UsageError(`${name} must be a whole number of 1 or more, got ${value}`);
    }
  }
  const sparkHome = options.sparkHome ?? venvSparkHome();
  const python = options.python ?? requireSparkEnv().python;
  const { signal } = options;
  if (signal?.aborted) throw new InterruptedError("interrupted before the standalone cluster started");

  const dir = await mkdtemp(path.join(os.tmpdir(), "kindling-standalone-"));
  const cluster = new Cluster(dir, sparkHome, python, options.graceMs ?? 10_000);
  try {
    await Promise.all(["conf", "logs", "work", "local"].map((sub) => mkdir(path.join(dir, sub))));
    await writeClusterProperties(cluster.propertiesFile);
    const [port, webUiPort, ...workerUiPorts] = await freePorts(2 + workers);
    cluster.webUiUrl = `http://${LOOPBACK}:${webUiPort}`;
    options.io?.notify(
      CODES.CLUSTER_DETAIL.msg(
        `standalone cluster: ${dir}, master ${LOOPBACK}:${port}, web UI ${cluster.webUiUrl}`,
        {
          dir,
        },
      ),
    );
    const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
    cluster.launch("master", "master", [
      MASTER_CLASS,
      ...["--host", LOOPBACK, "--port", String(port), "--webui-port", String(webUiPort)],
    ]);
    // Workers started before the master listens back off for 5-15 s before retrying: wait for it first.
    const status = await cluster.waitFor("the master did not start", () => true, deadline, signal);
    workerUiPorts.forEach((uiPort, i) => {
      cluster.launch(`worker-${i + 1}`, "worker", [
        WORKER_CLASS,
        ...["--host", LOOPBACK, "--cores", String(cores), "--memory", memory],
        ...["--webui-port", String(uiPort), "--work-dir", path.join(dir, "work")],
        status.url,
      ]);
    });
    await cluster.waitFor(
      `not all ${workers} workers registered`,
      (s) => s.aliveworkers === workers,
      deadline,
      signal,
    );
    return cluster.handle(status.url, workers);
  } catch (error) {
    await cluster.stop();
    throw error;
  }
}

/**
 * spark-defaults.conf of the cluster's own conf folder, which the master and workers read at start, and
 * which spark-submit reads given --properties-file. Without a shared secret any local user could submit
 * code to the master (it runs as this user) or kill applications from its UI. The file is created 0600
 * in the 0700 temp folder; executors get the secret from their worker through the environment.
 */
async function writeClusterProperties(file: string): Promise<void> {
  const secret = randomBytes(32).toString("hex");
  const properties = [
    "# Written by Kindling for this cluster only; removed with it.",
    "spark.authenticate true",
    `spark.authenticate.secret ${secret}`,
    "spark.ui.killEnabled false",
    "",
  ].join("\n");
  await writeFile(file, properties, { mode: 0o600, flag: "wx" });
}

/** The worker's --memory needs a unit (a bare number would be bytes); Spark's memory settings mean MiB. */
function workerMemory(value: string): string {
  if (!/^\d+[kmgt]?$/i.test(value)) {
    throw new UsageError(`memory per worker must look like 512m or 4g, got ${JSON.stringify(value)}`);
  }
  return /\d$/.test(value) ? `${value}m` : value;
}

interface MasterStatus {
  url: string;
  status: string;
  aliveworkers: number;
}

class Cluster {
  readonly processes: Launched[] = [];
  webUiUrl = "";
  readonly propertiesFile: string;
  private readonly id: string;
  private readonly env: NodeJS.ProcessEnv;
  private stopping: Promise<void> | undefined;
  // If Node exits without stop() (e.g. a second Ctrl-C calls process.exit), the daemons must not outlive it.
  private readonly onExit = () => {
    for (const p of this.processes) signalGroup(p.pid, "SIGKILL");
  };

  constructor(
    readonly dir: string,
    private readonly sparkHome: string,
    python: string,
    private readonly graceMs: number,
  ) {
    this.id = path.basename(dir);
    this.propertiesFile = path.join(dir, "conf", "spark-defaults.conf");
    this.env = {
      ...process.env,
      PATH: `${path.dirname(python)}${path.delimiter}${process.env.PATH ?? ""}`,
      SPARK_HOME: sparkHome,
      // Without it the web UIs bind 0.0.0.0; with it every daemon and executor binds loopback only.
      SPARK_LOCAL_IP: LOOPBACK,
      // An empty conf folder: no spark-defaults.conf or spark-env.sh of the machine leaks in.
      SPARK_CONF_DIR: path.join(dir, "conf"),
      SPARK_LOG_DIR: path.join(dir, "logs"),
      SPARK_WORKER_DIR: path.join(dir, "work"),
      SPARK_LOCAL_DIRS: path.join(dir, "local"),
      PYSPARK_PYTHON: python,
      // A taken port is an error, not a silent move to the next one (the URLs above would be wrong).
      SPARK_MASTER_OPTS: "-Dspark.port.maxRetries=0",
      SPARK_WORKER_OPTS: "-Dspark.port.maxRetries=0",
      [CLUSTER_ID_ENV]: this.id,
    };
    process.once("exit", this.onExit);
  }

  launch(name: string, role: ClusterProcess["role"], args: string[]): void {
    const log = path.join(this.dir, "logs", `${name}.log`);
    const fd = openSync(log, "a");
    let child: ChildProcess;
    try {
      child = spawn(path.join(this.sparkHome, "bin", "spark-class"), args, {
        cwd: this.dir,
        env: this.env,
        detached: true,
        stdio: ["ignore", fd, fd],
      });
    } finally {
      closeSync(fd);
    }
    const launched: Launched = { pid: child.pid ?? -1, role, name, log };
    if (child.pid === undefined) launched.ended = "could not be started";
    child.once("error", (error) => {
      launched.ended = `could not be started: ${error.message}`;
    });
    child.once("exit", (code, sig) => {
      launched.ended = sig ? `killed by ${sig}` : `exit code ${code}`;
    });
    this.processes.push(launched);
  }

  /** Polls the master's JSON until `ready`; fails early when a process ends, on abort and at the deadline. */
  async waitFor(
    what: string,
    ready: (status: MasterStatus) => boolean,
    deadline: number,
    signal: AbortSignal | undefined,
  ): Promise<MasterStatus> {
    for (;;) {
      if (signal?.aborted) {
        throw new InterruptedError("interrupted while the standalone cluster started; it was stopped");
      }
      const ended = this.processes.find((p) => p.ended);
      if (ended)
        throw await this.failure(
          `the ${ended.name} process ended (${ended.ended}) before the cluster was ready`,
        );
      const status = await this.status();
      if (status && ready(status)) return status;
      if (Date.now() >= deadline) {
        const seen = status
          ? `${status.aliveworkers} alive worker(s) registered`
          : "the master's web UI did not answer";
        throw await this.failure(`${what} in time (${seen})`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  private async status(): Promise<MasterStatus | undefined> {
    try {
      const response = await fetch(`${this.webUiUrl}/json/`, { signal: AbortSignal.timeout(2_000) });
      if (!response.ok) return undefined;
      const body = (await response.json()) as Partial<MasterStatus>;
      if (typeof body.url !== "string" || typeof body.aliveworkers !== "number") return undefined;
      return { url: body.url, status: String(body.status), aliveworkers: body.aliveworkers };
    } catch {
      return undefined;
    }
  }

  /** The error for a cluster that did not come up, with the end of every log (they go with the temp dir). */
  private async failure(message: string): Promise<StandaloneClusterError> {
    const tails = await Promise.all(
      this.processes.map(async (p) => {
        const text = await readFile(p.log, "utf8").catch(() => "");
        const lines = text.trimEnd().split("\n").slice(-TAIL_LINES);
        return `--- ${p.name}.log (last ${lines.length} lines) ---\n${lines.join("\n")}`;
      }),
    );
    return new StandaloneClusterError(
      `the Spark standalone cluster did not start: ${message}\n${tails.join("\n")}`,
      {
        hint: "It needs Java 17 and the venv's PySpark (`kindling doctor`), free ports on 127.0.0.1 and memory for the workers; the logs above are all that is kept.",
      },
    );
  }

  handle(masterUrl: string, workerCount: number): StandaloneCluster {
    return {
      masterUrl,
      webUiUrl: this.webUiUrl,
      workerCount,
      processes: this.processes.map(({ pid, role, name }) => ({ pid, role, name })),
      dir: this.dir,
      propertiesFile: this.propertiesFile,
      livePids: () => processesWithEnv(CLUSTER_ID_ENV, this.id),
      stop: () => this.stop(),
    };
  }

  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    // Found before the daemons go: an executor's Python daemon leaves the worker's process group.
    const descendants = await processesWithEnv(CLUSTER_ID_ENV, this.id);
    await this.terminate(this.processes.filter((p) => p.role === "worker"));
    await this.terminate(this.processes.filter((p) => p.role === "master"));
    const left = [...new Set([...descendants, ...(await processesWithEnv(CLUSTER_ID_ENV, this.id))])];
    for (const pid of left) signalProcess(pid, "SIGKILL");
    await waitUntilGone(left, 5_000);
    process.off("exit", this.onExit);
    await rm(this.dir, { recursive: true, force: true }).catch(() => {});
  }

  /** SIGTERM to each group (executors are in their worker's), SIGKILL after the grace period. */
  private async terminate(processes: Launched[]): Promise<void> {
    const pids = processes.map((p) => p.pid).filter((pid) => pid > 0);
    for (const pid of pids) signalGroup(pid, "SIGTERM");
    const stubborn = await waitUntilGone(pids, this.graceMs);
    for (const pid of pids) signalGroup(pid, "SIGKILL");
    await waitUntilGone(stubborn, 5_000);
  }
}
