import { ensureSparkEnv } from "../../targets/local/pythonEnv.js";
import { VERSIONS } from "../../versions.js";
import type { CommandIO } from "../io.js";
import type { SetupOptions } from "../options.js";

/** `kindling setup`: the local Python with PySpark, made (or made again) now rather than on first use. */
export async function setupCommand(options: SetupOptions, io: CommandIO): Promise<void> {
  const env = await ensureSparkEnv({ io: io.host, recreate: options.recreate, signal: io.signal });
  io.emitJson({ dir: env.dir, python: env.python, source: env.source, pyspark: VERSIONS.spark });
  io.print(`PySpark ${VERSIONS.spark} is ready in ${env.dir}.`);
}
