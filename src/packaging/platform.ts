import { UsageError } from "../errors.js";

/** CPU architectures as pip and manylinux name them. */
export type Arch = "x86_64" | "aarch64";

/** What the job's Python packages must be built for: the cluster's CPython version and CPU. */
export interface PythonPlatform {
  /** "3.9" */
  python: string;
  arch: Arch;
}

/**
 * The system Python an EMR release runs PySpark with, from the EMR release guide: 3.9 on Amazon Linux 2023
 * for emr-7.x, 3.7 on Amazon Linux 2 for emr-6.x, and for the emr-spark-8.x runtimes (Python 3.11, 3.12
 * and 3.13 listed) the oldest, 3.11, whose wheels the newer ones do not run; undefined for a release this
 * table does not know.
 */
export function pythonForRelease(releaseLabel: string): string | undefined {
  if (/^emr-spark-8\./.test(releaseLabel)) return "3.11";
  const major = Number(/^emr-(\d+)\./.exec(releaseLabel)?.[1]);
  if (major === 7) return "3.9";
  if (major === 6) return "3.7";
  return undefined;
}

/** Graviton instance families carry a "g" after the generation: m6g, c7gn, r6gd, x2gd. */
export function archOfInstanceType(type: string): Arch {
  return /^[a-z]+\d+g[a-z]*\./.test(type) ? "aarch64" : "x86_64";
}

/** The one architecture of a set of instance types; a mix cannot share one archive of wheels. */
export function archOfInstanceTypes(types: readonly string[]): Arch {
  const arches = new Set(types.map(archOfInstanceType));
  if (arches.size > 1) {
    throw new UsageError(
      `emr instance types mix x86_64 and Graviton (arm64) instances (${types.join(", ")}); the job's Python packages are built for one CPU`,
      { hint: "Use instance types of one architecture for every role." },
    );
  }
  return [...arches][0] ?? "x86_64";
}

/**
 * pip's --platform tags for Linux wheels of an architecture: every manylinux level Amazon Linux 2023's
 * glibc (2.34) runs, newest first.
 */
export function manylinuxTags(arch: Arch): string[] {
  return ["2_34", "2_28", "2_24", "2_17"]
    .map((v) => `manylinux_${v}_${arch}`)
    .concat(`manylinux2014_${arch}`);
}

/** "3.9" on x86_64 → "CPython 3.9 on manylinux x86_64". */
export function describePlatform(p: PythonPlatform): string {
  return `CPython ${p.python} on manylinux ${p.arch}`;
}
