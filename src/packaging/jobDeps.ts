import type { Config } from "../config/schema.js";
import { configuredLine, emrReleaseOf, serverlessReleaseOf } from "../config/sparkLine.js";
import { UsageError } from "../errors.js";
import { ensureSparkEnv } from "../targets/local/pythonEnv.js";
import type { IoHost } from "../ui/io.js";
import { cacheDir, ownRequirements } from "./cache.js";
import { archOfInstanceTypes, type PythonPlatform, pythonForRelease } from "./platform.js";
import { buildDepsArchive, type DepsArchive } from "./pythonDeps.js";

/** The folder name the archive is unpacked as, next to the driver and every executor. */
export const DEPS_ALIAS = "pydeps";

/** What the cluster's archive holds: the job's own requirements (the cluster has PySpark) and the user's. */
export function jobRequirements(config: Config): string[] {
  return [...ownRequirements(), ...config.python.packages];
}

/** The platform of an EMR cluster: the release's Python (or python.version) on the instances' CPU. */
export function emrPythonPlatform(config: Config): PythonPlatform {
  const release = emrReleaseOf(config);
  const python = config.python.version ?? pythonForRelease(release);
  if (!python) {
    throw new UsageError(`Kindling does not know which Python ${release} runs PySpark with`, {
      hint: "Set python.version to the cluster's Python (e.g. 3.9).",
    });
  }
  const { primary, core, task } = config.emr;
  const types = [
    ...primary.instance_types,
    ...core.instance_types,
    ...(task.count > 0 ? task.instance_types : []),
  ];
  return { python, arch: archOfInstanceTypes(types) };
}

/** The platform of the EMR Serverless application: its release's Python on its architecture. */
export function serverlessPythonPlatform(config: Config): PythonPlatform {
  const release = serverlessReleaseOf(config);
  const python = config.python.version ?? pythonForRelease(release);
  if (!python) {
    throw new UsageError(`Kindling does not know which Python ${release} runs PySpark with`, {
      hint: "Set python.version to the application's Python (e.g. 3.9).",
    });
  }
  return { python, arch: config.serverless.architecture === "arm64" ? "aarch64" : "x86_64" };
}

/**
 * The job's packages for this platform, built once per exact set and cached. pip runs from the local
 * environment of the config's Spark line (made first if this is an installed package's first use).
 */
export async function jobDepsArchive(
  config: Config,
  platform: PythonPlatform,
  options: { io: IoHost; signal?: AbortSignal | undefined },
): Promise<DepsArchive> {
  const local = await ensureSparkEnv({
    io: options.io,
    line: configuredLine(config).line,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return buildDepsArchive({
    requirements: jobRequirements(config),
    platform,
    cacheDir: cacheDir(),
    pip: local.python,
    io: options.io,
    ...(options.signal ? { signal: options.signal } : {}),
  });
}

/**
 * What a spark-submit needs to use the archive (`uri` where the cluster reads it): Spark unpacks it as
 * `pydeps` in each container's working folder, and PYTHONPATH points there, for the driver (YARN's
 * application master in cluster mode) and for every executor's Python workers.
 */
export function depsSparkSettings(uri: string): { archives: string[]; conf: Record<string, string> } {
  return {
    archives: [`${uri}#${DEPS_ALIAS}`],
    conf: {
      "spark.executorEnv.PYTHONPATH": DEPS_ALIAS,
      "spark.yarn.appMasterEnv.PYTHONPATH": DEPS_ALIAS,
    },
  };
}
