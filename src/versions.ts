import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** Where the package lives on disk (the repo root, or the installed package root). */
export const PACKAGE_ROOT = fileURLToPath(new URL("../", import.meta.url));

/** A Spark line Kindling runs the job on: its minor version ("3.5", "4.0"). */
export type SparkLine = "3.5" | "4.0";
export const SPARK_LINES: readonly SparkLine[] = ["3.5", "4.0"];

/** What one line pairs: the local PySpark, the EMR release with the same Spark, the Pythons PySpark runs on. */
export interface LinePairing {
  line: SparkLine;
  spark: string;
  emrRelease: string;
  python: { min: string; max: string };
}

interface VersionsFile {
  sparkLines: Record<SparkLine, Omit<LinePairing, "line">>;
  sparkLine: SparkLine;
  java: number;
  python: string;
  testNode: string;
}

const FILE: VersionsFile = JSON.parse(readFileSync(new URL("../versions.json", import.meta.url), "utf8"));

/** The pairing of a Spark line, from versions.json. */
export function sparkLine(line: SparkLine): LinePairing {
  return { line, ...FILE.sparkLines[line] };
}

/**
 * versions.json is the one place that pairs each line's local PySpark with its EMR release; `spark` and
 * `emrRelease` here are the default line's (a config picks another with spark.line).
 */
export const VERSIONS: LinePairing & { java: number } = { ...sparkLine(FILE.sparkLine), java: FILE.java };

/** "4.0.2" → "4.0"; undefined for a version of no line Kindling runs. */
export function lineOfSparkVersion(version: string): SparkLine | undefined {
  const minor = version.split(".").slice(0, 2).join(".");
  return SPARK_LINES.find((l) => l === minor);
}

/**
 * The Spark line an EMR release runs (EMR's release guide: every emr-7.x has Spark 3.5, the
 * emr-spark-8.x runtimes Spark 4.0); undefined for a release of no line Kindling runs (emr-6.x: ≤ 3.4).
 */
export function lineOfRelease(releaseLabel: string): SparkLine | undefined {
  if (/^emr-7\.\d+\.\d+$/.test(releaseLabel)) return "3.5";
  if (/^emr-spark-8\.\d+\.\d+$/.test(releaseLabel)) return "4.0";
  return undefined;
}

export const KINDLING_VERSION: string = JSON.parse(
  readFileSync(new URL("../package.json", import.meta.url), "utf8"),
).version;
