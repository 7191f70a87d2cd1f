import { fieldTable, type JsonSchemaNode } from "./docTable.js";
import { jobSpecJsonSchema } from "./jsonSchema.js";

/**
 * The contract's generated artifacts: schema/job-spec.schema.json and the field tables of
 * docs/job-spec.md. `npm run spec` writes them after a change to src/spec; tests fail while either is stale.
 */

export const JOB_SPEC_DOC_FILE = "docs/job-spec.md";

export function jobSpecSchemaText(): string {
  return `${JSON.stringify(jobSpecJsonSchema(), null, 2)}\n`;
}

// `<!-- fields:train_spec -->` … `<!-- /fields:train_spec -->` in the doc hold the table of $defs.train_spec.
const TABLE = /(<!-- fields:(\w+) -->)[\s\S]*?(<!-- \/fields:\2 -->)/g;

/** The doc with every generated table replaced by the current rendering of the schema. */
export function withFieldTables(doc: string): string {
  const schema = jobSpecJsonSchema() as { $defs: Record<string, JsonSchemaNode> };
  return doc.replace(TABLE, (_, open: string, id: string, close: string) =>
    [open, fieldTable(schema, id), close].join("\n"),
  );
}

/** The ids of the tables the doc holds. */
export function fieldTableIds(doc: string): string[] {
  return [...doc.matchAll(TABLE)].map((m) => m[2] as string);
}
