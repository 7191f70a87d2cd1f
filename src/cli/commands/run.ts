import path from "node:path";
import { loadConfig } from "../../config/load.js";
import { type RunResult, runLocal } from "../../targets/local/runLocal.js";
import { runStandalone } from "../../targets/standalone/runStandalone.js";
import { metricsTable } from "../../ui/metricsTable.js";
import type { CommandIO } from "../io.js";
import type { RunOptions } from "../options.js";
import { runJson } from "./result.js";
import { runEmrCommand } from "./runEmr.js";

/** `kindling run`: train on the chosen target and print the metrics table (or one JSON result). */
export async function runCommand(options: RunOptions, io: CommandIO): Promise<RunResult | undefined> {
  if (options.target === "emr") return runEmrCommand(options, await loadConfig(options.config), io);
  if (options.target === "standalone") return trainOnStandalone(options, io);
  return trainLocally(options.config, options, io);
}

/** Trains on a Spark standalone cluster started (and stopped) for this run. */
async function trainOnStandalone(options: RunOptions, io: CommandIO): Promise<RunResult> {
  const result = await runStandalone({
    loaded: await loadConfig(options.config),
    verbose: options.verbose,
    reporter: io.reporter,
    signal: io.signal,
    ...(options.workers !== undefined ? { workers: options.workers } : {}),
  });
  reportResult(result, io);
  return result;
}

/** Loads a config, trains on local Spark (or the given master) and reports the result; shared with `demo`. */
export async function trainLocally(
  configFile: string,
  options: { master?: string; verbose: boolean },
  io: CommandIO,
): Promise<RunResult> {
  const result = await runLocal({
    loaded: await loadConfig(configFile),
    verbose: options.verbose,
    reporter: io.reporter,
    signal: io.signal,
    ...(options.master ? { master: options.master } : {}),
  });
  reportResult(result, io);
  return result;
}

export function reportResult(result: RunResult, io: CommandIO): void {
  const { manifest, metrics } = result;
  io.emitJson(runJson(result));
  io.reporter.print(metricsTable(metrics));
  const rows = manifest.rows;
  io.reporter.print(
    `${rows ? `${rows.used.toLocaleString("en-US")} rows used (${rows.null_dropped} dropped for nulls${rows.rejected ? `, ${rows.rejected} rejected as malformed: ${path.join(result.runDir, "rejects")}` : ""}). ` : ""}` +
      `Best: ${metrics.best_feature_set}. Finished in ${manifest.duration_seconds?.toFixed(1)}s.\nRun: ${result.runDir}`,
  );
}
