import path from "node:path";
import { z } from "zod";
import { PACKAGE_ROOT } from "../versions.js";
import { configSchema } from "./schema.js";

/** JSON Schema of kindling.yaml for editors (completion, hover docs, squiggles). */
export function configJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(configSchema, { io: "input", unrepresentable: "any" }),
    title: "Kindling config (kindling.yaml)",
  };
}

/** Where the committed schema lives, relative to a config written in `dir` (for the yaml-language-server line). */
export function schemaPathFrom(dir: string): string {
  const relative = path.relative(dir, path.join(PACKAGE_ROOT, "schema", "kindling.schema.json"));
  return relative.startsWith(".") ? relative : `./${relative}`;
}
