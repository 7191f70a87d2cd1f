import type { LoadedConfig } from "../config/load.js";
import type { RunInput } from "../targets/target.js";
import { formatBytes, formatDuration } from "../ui/format.js";
import { RunStore, runsDirOf } from "./store.js";

/** The job's expected running time for a cost estimate, and where that number comes from (said with it). */
export interface RuntimeBasis {
  minutes: number;
  /** Completes "… min running <source>", e.g. "as set by emr.estimated_runtime_minutes". */
  source: string;
}

/** What a cloud estimate assumes when nothing better is known. */
export const ASSUMED_RUNTIME_MINUTES = 20;

/** Targets whose runs measure the job on this machine. */
const LOCAL_TARGETS = new Set(["local", "spark", "standalone"]);

/**
 * The running time a cost estimate uses: the config's own setting when there is one; else the newest
 * succeeded local run in this config's runs folder, scaled linearly by input size (the job's stages are
 * linear in rows — the benchmark measured 20× the documents in 11.7× the time, so this errs high); else
 * the default assumption. A local machine is usually slower than a cluster, so a measured figure is an
 * upper bound more than a prediction; the source says which it is.
 */
export async function expectedRuntime(options: {
  runsRoot: string;
  /** This run's input size; undefined for an s3:// input (not read by the CLI). */
  inputBytes: number | undefined;
  /** The config's setting, when given. */
  configured: number | undefined;
  /** Its key path, named in the source. */
  key: string;
}): Promise<RuntimeBasis> {
  const { configured, key, inputBytes } = options;
  if (configured !== undefined) return { minutes: configured, source: `as set by ${key}` };
  const store = new RunStore(options.runsRoot);
  // Newest first, read one at a time: the first local success ends the search.
  for (const id of await store.ids()) {
    const run = await store.read(id);
    const m = run.manifest;
    if (!run.complete || !m || !LOCAL_TARGETS.has(m.target) || !m.duration_seconds) continue;
    const measured = `${run.id} took ${formatDuration(m.duration_seconds)} on ${formatBytes(m.input.bytes)}`;
    if (inputBytes === undefined || !(m.input.bytes > 0)) {
      return {
        minutes: roundUp(m.duration_seconds / 60),
        source: `as local run ${measured} (not scaled: this input's size is not known here; set ${key} to override)`,
      };
    }
    return {
      minutes: roundUp(((m.duration_seconds / 60) * inputBytes) / m.input.bytes),
      source: `from local run ${measured}, scaled to this input's ${formatBytes(inputBytes)} (set ${key} to override)`,
    };
  }
  return {
    minutes: ASSUMED_RUNTIME_MINUTES,
    source: `as assumed with no local run to measure from (set ${key}, or run locally once)`,
  };
}

/** Up to a tenth of a minute, at least one: estimates need no false precision. */
function roundUp(minutes: number): number {
  return Math.max(1, Math.ceil(minutes * 10) / 10);
}

/** expectedRuntime for a run of this config on this input; `section` is the config section holding the setting. */
export function runtimeForRun(
  loaded: LoadedConfig,
  input: RunInput,
  section: "emr" | "serverless",
): Promise<RuntimeBasis> {
  return expectedRuntime({
    runsRoot: runsDirOf(loaded),
    inputBytes: input.digest?.bytes,
    configured: loaded.config[section].estimated_runtime_minutes,
    key: `${section}.estimated_runtime_minutes`,
  });
}
