import path from "node:path";
import { pathToFileURL } from "node:url";
import { openLocalPreparedStore } from "../../cache/preparedText.js";
import { configuredLine } from "../../config/sparkLine.js";
import type { DataLocation } from "../../data/validate.js";
import { UsageError } from "../../errors.js";
import type { PredictOutcome } from "../../predict/outcome.js";
import type { PredictPlan } from "../../predict/plan.js";
import { TargetFailure } from "../../runs/failure.js";
import { exists } from "../../runs/files.js";
import type { RunDir } from "../../runs/store.js";
import { CODES } from "../../ui/codes.js";
import type {
  Placement,
  RunInput,
  Target,
  TargetContext,
  TargetName,
  TrainJob,
  TrainOutcome,
} from "../target.js";
import { sparkFailure } from "./failure.js";
import { prepareLaunch, writeCommandFile } from "./launch.js";
import { predictLocally } from "./predict.js";
import { detectJava } from "./prerequisites.js";
import { killRunProcesses } from "./processes.js";
import { ensureSparkEnv, requireSparkEnv, type SparkEnv } from "./pythonEnv.js";
import { runSparkProcess } from "./sparkProcess.js";

export interface LocalTargetOptions {
  /** Spark master URL (--master). Default: spark.master from the config. */
  master?: string;
}

/**
 * Runs the job with spark-submit from the project's PySpark, on `local[*]` or any Spark master, reading
 * and writing the local disk: the run directory is the job's output.
 */
export class LocalTarget implements Target {
  protected venv: SparkEnv | undefined;
  private java: string | undefined;

  constructor(
    protected readonly context: TargetContext,
    protected readonly options: LocalTargetOptions = {},
  ) {}

  get name(): TargetName {
    return this.master().startsWith("spark://") ? "spark" : "local";
  }

  async check(input?: DataLocation): Promise<void> {
    if (input && input.kind !== "local") {
      throw new UsageError(
        `data.path: ${input.uri} is on S3; the ${this.name} target reads local files only`,
        {
          hint: "Run it on EMR (`kindling run --target emr`), or copy the file here and point data.path at it.",
        },
      );
    }
    this.java = (await detectJava()).version;
    // An installed package makes its Python on first use (once per machine).
    this.venv = await ensureSparkEnv({
      io: this.context.io,
      signal: this.context.signal,
      line: configuredLine(this.context.loaded.config).line,
    });
  }

  async prepare(): Promise<void> {}

  async place(run: RunDir, input: RunInput): Promise<Placement> {
    if (input.location.kind !== "local") throw new Error("prepare() refuses a remote input");
    const cache = this.context.loaded.config.cache.prepared_text ? await openLocalPreparedStore() : undefined;
    return {
      inputUri: pathToFileURL(input.location.path).href,
      outputUri: pathToFileURL(run.dir).href,
      successMarker: false,
      master: this.master(),
      manifest: this.java ? { versions: { java: this.java } } : {},
      ...(cache ? { preparedCache: cache } : {}),
    };
  }

  async train(job: TrainJob): Promise<TrainOutcome> {
    const { config } = this.context.loaded;
    const { run } = job;
    const launch = await prepareLaunch({
      venv: this.requireVenv(),
      runId: run.id,
      specFile: job.specFile,
      codeDir: path.join(run.dir, "code"),
      cwd: run.dir,
      master: this.master(),
      ...this.submitProperties(),
      appName: `kindling ${run.id}`,
      driverMemory: config.spark.driver_memory,
      ...(config.spark.executor_memory ? { executorMemory: config.spark.executor_memory } : {}),
      conf: {
        "spark.ui.showConsoleProgress": false,
        // Kept with the run for `kindling history` (compressed: a run's log is then a few MB at most).
        "spark.eventLog.enabled": true,
        "spark.eventLog.dir": pathToFileURL(path.join(run.dir, "logs")).href,
        "spark.eventLog.compress": true,
        ...config.spark.conf,
      },
    });
    await writeCommandFile(path.join(run.dir, "logs", "command.txt"), launch);
    const spark = await runSparkProcess({
      launch,
      jobLog: path.join(run.dir, "logs", "job.log"),
      sparkLog: path.join(run.dir, "logs", "spark.log"),
      io: this.context.io,
      verbose: this.context.verbose,
      signal: this.context.signal,
    });
    // Nothing started for this run may outlive it (e.g. a Python worker that left the process group).
    const swept = await killRunProcesses(run.id);
    if (swept.length > 0) {
      this.context.io.notify(
        CODES.SWEPT_PROCESSES.msg(`killed ${swept.length} leftover process(es) of ${run.id}`, {
          runId: run.id,
          pids: swept,
        }),
      );
    }
    const ended = spark.exitCode === 0 && !spark.interrupted && !spark.signal;
    if (!ended || !(await exists(path.join(run.dir, "job.json")))) {
      throw new TargetFailure(
        sparkFailure(spark, run.dir),
        spark.rows ? { manifest: { rows: spark.rows } } : {},
      );
    }
    return {};
  }

  async predict(plan: PredictPlan): Promise<PredictOutcome> {
    return predictLocally(plan, {
      venv: this.requireVenv(),
      master: this.predictMaster(),
      ...this.submitProperties(),
      io: this.context.io,
      verbose: this.context.verbose,
      signal: this.context.signal,
    });
  }

  async teardown(): Promise<void> {}

  /** Scoring does not follow spark.master (a config's cluster may be gone): local[*] unless --master. */
  protected predictMaster(): string {
    return this.options.master ?? "local[*]";
  }

  /** A properties file spark-submit reads (settings kept off its command line); none for local masters. */
  protected submitProperties(): { propertiesFile?: string } {
    return {};
  }

  /** The Spark master the job is submitted to. */
  protected master(): string {
    return this.options.master ?? this.context.loaded.config.spark.master;
  }

  /** The local environment of the config's Spark line. */
  protected requireVenv(): SparkEnv {
    this.venv ??= requireSparkEnv({ line: configuredLine(this.context.loaded.config).line });
    return this.venv;
  }
}
