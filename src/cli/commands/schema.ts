import { writeFile } from "node:fs/promises";
import { configJsonSchema } from "../../config/jsonSchema.js";
import type { CommandIO } from "../io.js";
import type { SchemaOptions } from "../options.js";

/** `kindling schema`: the JSON Schema of kindling.yaml (the committed copy is schema/kindling.schema.json). */
export async function schemaCommand(options: SchemaOptions, io: CommandIO): Promise<void> {
  const text = `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
  if (options.out) {
    await writeFile(options.out, text);
    io.emitJson({ schema: options.out });
    io.print(`Wrote ${options.out}.`);
  } else {
    io.emitJson(configJsonSchema());
    io.print(text);
  }
}
