import { z } from "zod";
import { predictSpecSchema } from "./predictSchema.js";
import { MAX_CLASSES } from "./reserved.js";
import { jobSpecSchema } from "./schema.js";

/** Where the committed JSON Schema lives, relative to the repository root. */
export const JOB_SPEC_SCHEMA_FILE = "schema/job-spec.schema.json";

/**
 * Not part of any spec, but a limit of the contract all the same: the job refuses data with more labels
 * (TooManyClasses) or fewer than two (SingleClass). Kept in $defs so the Python tests can read it.
 */
const labelValuesSchema = z
  .array(z.string())
  .min(2)
  .max(MAX_CLASSES)
  .meta({
    id: "label_values",
    description: `The distinct label values the job trains on (metrics.json label_values): at least 2, at most ${MAX_CLASSES}.`,
  });

/** Either spec the job reads: a training spec, or a predict spec (`"kind": "predict"`). */
const specDocumentSchema = z.union([jobSpecSchema, predictSpecSchema]);

/**
 * The JSON Schema of the job spec, committed as schema/job-spec.schema.json. `io: "input"` describes what
 * the job accepts: a key with a default (input.max_reject_fraction) is optional there, though the CLI
 * always writes it.
 */
export function jobSpecJsonSchema(): Record<string, unknown> {
  const spec = z.toJSONSchema(specDocumentSchema, { io: "input" }) as Record<string, unknown> & {
    $defs: Record<string, unknown>;
  };
  const labels = z.toJSONSchema(labelValuesSchema) as { $defs: Record<string, unknown> };
  return {
    $schema: spec.$schema,
    title: "Kindling job spec (v1)",
    description:
      "The only input of the Spark job (spark/kindling_job): generated from src/spec/schema.ts by `npm run spec`; docs/job-spec.md explains it.",
    anyOf: spec.anyOf,
    $defs: { ...spec.$defs, ...labels.$defs },
  };
}
