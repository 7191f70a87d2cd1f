import { KindlingError } from "../../errors.js";
import { CODES } from "../../ui/codes.js";
import { formatDuration } from "../../ui/format.js";
import { LocalTarget } from "../local/target.js";
import type { TargetContext, TargetName } from "../target.js";
import { type StandaloneCluster, startStandaloneCluster } from "./cluster.js";
import { LOOPBACK } from "./ports.js";
import { venvSparkHome } from "./sparkHome.js";

export interface StandaloneTargetOptions {
  /** Workers to start. Default 2. */
  workers?: number;
  /** Cores per worker. Default 1. */
  coresPerWorker?: number;
  /** Memory per worker. Default: spark.executor_memory from the config, else "2g". */
  memoryPerWorker?: string;
}

/**
 * The local target on a Spark standalone cluster (master + workers on 127.0.0.1) that prepare starts once
 * the input and prerequisites are checked, and teardown stops: after success, failure and interrupt.
 */
export class StandaloneTarget extends LocalTarget {
  private cluster: StandaloneCluster | undefined;

  constructor(
    context: TargetContext,
    private readonly standalone: StandaloneTargetOptions = {},
  ) {
    super(context);
  }

  override get name(): TargetName {
    return "standalone";
  }

  override async prepare(): Promise<void> {
    const { io, signal, loaded } = this.context;
    const workers = this.standalone.workers ?? 2;
    const span = io.span(
      CODES.CLUSTER_START.msg(
        `Start a Spark standalone cluster on ${LOOPBACK} (master + ${workers} worker${workers === 1 ? "" : "s"})`,
        { workers },
      ),
    );
    const started = Date.now();
    try {
      const venv = this.requireVenv();
      this.cluster = await startStandaloneCluster({
        sparkHome: venvSparkHome(venv.dir),
        python: venv.python,
        workers,
        coresPerWorker: this.standalone.coresPerWorker ?? 1,
        memoryPerWorker: this.standalone.memoryPerWorker ?? loaded.config.spark.executor_memory ?? "2g",
        io,
        signal,
      });
    } catch (error) {
      span.fail(signal.aborted ? "interrupted" : "failed");
      throw error;
    }
    span.succeed(formatDuration((Date.now() - started) / 1000));
    const { masterUrl, webUiUrl } = this.cluster;
    io.notify(
      CODES.CLUSTER_READY.msg(`Spark master ${masterUrl} (web UI ${webUiUrl})`, { masterUrl, webUiUrl }),
    );
  }

  override async teardown(): Promise<void> {
    const cluster = this.cluster;
    if (!cluster) return;
    this.cluster = undefined;
    const span = this.context.io.span(CODES.CLUSTER_STOP.msg("Stop the standalone cluster"));
    await cluster.stop();
    span.succeed();
  }

  protected override master(): string {
    if (!this.cluster)
      throw new KindlingError("the standalone cluster is not running (prepare() was not called)");
    return this.cluster.masterUrl;
  }

  protected override predictMaster(): string {
    return this.master();
  }

  /** The cluster's secret goes to the driver in its 0600 properties file, never on a command line. */
  protected override submitProperties(): { propertiesFile?: string } {
    if (!this.cluster)
      throw new KindlingError("the standalone cluster is not running (prepare() was not called)");
    return { propertiesFile: this.cluster.propertiesFile };
  }
}
