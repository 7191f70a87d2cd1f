/**
 * The one builder of spark-submit arguments, used by every target: local and standalone masters run it
 * as a process, EMR puts the same arguments in a step (`command-runner.jar spark-submit …`).
 */
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
  conf?: Record<string, string | number | boolean>;
  /**
   * A properties file read instead of spark-defaults.conf: settings that must not be on a command line
   * (a standalone cluster's shared secret). Only its path is.
   */
  propertiesFile?: string;
}

export function buildSparkSubmitArgs(options: SparkSubmitOptions): string[] {
  const args: string[] = [];
  if (options.master) args.push("--master", options.master);
  if (options.deployMode) args.push("--deploy-mode", options.deployMode);
  if (options.propertiesFile) args.push("--properties-file", options.propertiesFile);
  args.push("--name", options.appName);
  if (options.driverMemory) args.push("--driver-memory", options.driverMemory);
  if (options.executorMemory) args.push("--executor-memory", options.executorMemory);
  for (const key of Object.keys(options.conf ?? {}).sort()) {
    args.push("--conf", `${key}=${String(options.conf?.[key])}`);
  }
  if (options.pyFiles.length > 0) args.push("--py-files", options.pyFiles.join(","));
  if (options.archives && options.archives.length > 0) args.push("--archives", options.archives.join(","));
  args.push(options.entry, "--spec", options.specUri);
  return args;
}
