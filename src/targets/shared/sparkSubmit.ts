/**
 * The one builder of spark-submit arguments, used by every target: local and standalone masters run it
 * as a process, EMR puts the same arguments in a step (`command-runner.jar spark-submit …`).
 */
type SparkConf = Record<string, string | number | boolean>;

export interface SparkSubmitOptions {
  /** --master URL; omitted on EMR where YARN is implied. */
  master?: string;
  /** client (default) or cluster (EMR). */
  deployMode?: "client" | "cluster";
  appName: string;
  /** The Python entry script (path or URI). */
  entry: string;
  /** Zip(s) holding the job package. */
  pyFiles: string[];
  /** Archives Spark unpacks next to the driver and executors, as `uri#folder` (the job's Python packages). */
  archives?: string[];
  /** URI of the job spec. */
  specUri: string;
  driverMemory?: string;
  executorMemory?: string;
  /** Spark settings, passed as --conf key=value in key order so the command is stable. */
  conf?: SparkConf;
  /**
   * A properties file read instead of spark-defaults.conf: settings that must not be on a command line
   * (a standalone cluster's shared secret). Only its path is.
   */
  propertiesFile?: string;
  /**
   * JVM options the config already gives stay alone, without the Vector API module ahead of them: EMR
   * Serverless splits its parameters at spaces, so a setting cannot take a second option there.
   */
  keepGivenJavaOptions?: boolean;
}

/**
 * Spark ML's BLAS (dev.ludovic.netlib) runs on the JDK's Vector API only when the JVM reads this
 * incubator module. Spark 4.0 adds it to every JVM it starts (SPARK-48021); Spark 3.5 does not, and
 * Word2Vec's fit, one sdot and saxpy per word and context, then took twice as long. Every target runs
 * Java 17 or newer (local set-up checks it; emr-7.x and emr-spark-8.x ship it), where the module exists.
 */
export const VECTOR_API_OPTION = "--add-modules=jdk.incubator.vector";
const JAVA_OPTIONS_KEYS = ["spark.driver.extraJavaOptions", "spark.executor.extraJavaOptions"] as const;

/** conf with the Vector API module ahead of the JVM options it gives for the driver and executors. */
export function withVectorApi(conf: SparkConf, keepGiven = false): SparkConf {
  const out = { ...conf };
  for (const key of JAVA_OPTIONS_KEYS) {
    const given = out[key] === undefined ? "" : String(out[key]).trim();
    if (given === "") out[key] = VECTOR_API_OPTION;
    else if (!keepGiven && !given.includes("jdk.incubator.vector"))
      out[key] = `${VECTOR_API_OPTION} ${given}`;
  }
  return out;
}

export function buildSparkSubmitArgs(options: SparkSubmitOptions): string[] {
  const args: string[] = [];
  if (options.master) args.push("--master", options.master);
  if (options.deployMode) args.push("--deploy-mode", options.deployMode);
  if (options.propertiesFile) args.push("--properties-file", options.propertiesFile);
  args.push("--name", options.appName);
  if (options.driverMemory) args.push("--driver-memory", options.driverMemory);
  if (options.executorMemory) args.push("--executor-memory", options.executorMemory);
  const conf = withVectorApi(options.conf ?? {}, options.keepGivenJavaOptions);
  for (const key of Object.keys(conf).sort()) {
    args.push("--conf", `${key}=${String(conf[key])}`);
  }
  if (options.pyFiles.length > 0) args.push("--py-files", options.pyFiles.join(","));
  if (options.archives && options.archives.length > 0) args.push("--archives", options.archives.join(","));
  args.push(options.entry, "--spec", options.specUri);
  return args;
}
