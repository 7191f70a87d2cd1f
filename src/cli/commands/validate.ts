import path from "node:path";
import { loadConfig } from "../../config/load.js";
import { checkInput } from "../../data/inspect.js";
import type { CommandIO } from "../io.js";
import type { ValidateOptions } from "../options.js";

/** `kindling validate`: config and data checks; starts no Spark job and touches no cloud resource. */
export async function validateCommand(options: ValidateOptions, io: CommandIO): Promise<void> {
  const loaded = await loadConfig(options.config);
  const input = path.resolve(loaded.dir, loaded.config.data.path);
  const { columns } = await checkInput(input, loaded.config.data);
  io.emitJson({ valid: true, config: loaded.file, input, columns });
  io.reporter.print(`${options.config} is valid; ${input} has columns ${columns.join(", ")}.`);
}
