import { type LinePairing, sparkLine, VERSIONS } from "../versions.js";
import type { Config } from "./schema.js";

/** The Spark line a config runs the job on (spark.line, else versions.json's default line). */
export function configuredLine(config: Config): LinePairing {
  return sparkLine(config.spark.line ?? VERSIONS.line);
}

/** The EMR release a cluster of this config runs: emr.release_label, else the line's. */
export function emrReleaseOf(config: Config): string {
  return config.emr.release_label ?? configuredLine(config).emrRelease;
}

/** The release an EMR Serverless application of this config runs: its own, else the EMR target's. */
export function serverlessReleaseOf(config: Config): string {
  return config.serverless.release_label ?? emrReleaseOf(config);
}
