import path from "node:path";
import { loadConfig, loadOptionsOf } from "../../config/load.js";
import { configuredLine } from "../../config/sparkLine.js";
import { exists } from "../../runs/files.js";
import { ensureSparkEnv } from "../../targets/local/pythonEnv.js";
import { type SparkLine, sparkLine, VERSIONS } from "../../versions.js";
import type { CommandIO } from "../io.js";
import type { SetupOptions } from "../options.js";

/** `kindling setup`: the local Python with PySpark, made (or made again) now rather than on first use. */
export async function setupCommand(options: SetupOptions, io: CommandIO): Promise<void> {
  const line = sparkLine(options.sparkLine ?? (await projectLine(options, io.cwd)));
  const env = await ensureSparkEnv({
    io: io.host,
    recreate: options.recreate,
    signal: io.signal,
    line: line.line,
  });
  io.emitJson({ dir: env.dir, python: env.python, source: env.source, pyspark: line.spark });
  io.print(`PySpark ${line.spark} is ready in ${env.dir}.`);
}

/** The project's spark.line when a kindling.yaml is there, else the default line. */
async function projectLine(options: SetupOptions, cwd: string): Promise<SparkLine> {
  const file = path.resolve(cwd, options.config);
  if (!(await exists(file))) return VERSIONS.line;
  return configuredLine((await loadConfig(file, loadOptionsOf(options))).config).line;
}
