import { writeFile } from "node:fs/promises";
import path from "node:path";
import { schemaPathFrom } from "../../config/jsonSchema.js";
import { configTemplate } from "../../config/template.js";
import { UsageError } from "../../errors.js";
import type { CommandIO } from "../io.js";
import type { InitOptions } from "../options.js";

/** `kindling init`: a commented kindling.yaml; never overwrites one without --force. */
export async function initCommand(options: InitOptions, io: CommandIO): Promise<void> {
  const file = path.resolve(io.cwd, options.dir, "kindling.yaml");
  try {
    await writeFile(
      file,
      configTemplate({
        project: "kindling",
        dataPath: "dataset.csv",
        text: "review",
        label: "sentiment",
        schemaPath: schemaPathFrom(path.dirname(file)),
      }),
      { flag: options.force ? "w" : "wx" },
    );
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") {
      throw new UsageError(`${file} already exists`, { hint: "Pass --force to overwrite it." });
    }
    throw error;
  }
  io.emitJson({ config: file });
  io.print(`Wrote ${file}. Set data.path, data.text and data.label, then run \`kindling validate\`.`);
}
