import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { JOB_SPEC_SCHEMA_FILE, jobSpecJsonSchema } from "../../src/spec/jsonSchema.js";
import { MAX_CLASSES, RESERVED_COLUMNS, RESERVED_PREFIX } from "../../src/spec/reserved.js";

interface Node {
  properties?: Record<string, Node>;
  required?: string[];
  additionalProperties?: boolean;
  anyOf?: Node[];
  oneOf?: Node[];
  not?: Node;
  enum?: unknown[];
  pattern?: string;
  maxItems?: number;
}
const schema = jobSpecJsonSchema() as { anyOf: Node[]; $defs: Record<string, Node> };
const train = schema.$defs.train_spec as Node;
const predict = schema.$defs.predict_spec as Node;

it("the committed JSON Schema matches the zod schema (regenerate: npm run spec)", () => {
  const committed = JSON.parse(
    readFileSync(new URL(`../../${JOB_SPEC_SCHEMA_FILE}`, import.meta.url), "utf8"),
  );
  expect(committed).toEqual(jobSpecJsonSchema());
});

it("describes both entry modes, strictly", () => {
  expect(schema.anyOf).toEqual([{ $ref: "#/$defs/train_spec" }, { $ref: "#/$defs/predict_spec" }]);
  for (const spec of [train, predict]) expect(spec.additionalProperties).toBe(false);
  // Optional only where the job has a default for older v1 specs.
  expect(train.properties?.input?.required).not.toContain("max_reject_fraction");
  expect(train.properties?.run?.required).toEqual(["id", "created_at", "kindling_version", "target"]);
});

it("carries the reserved columns and the class limit for the Python side to read", () => {
  const textColumns = [
    train.properties?.input?.properties?.text_column,
    ...(predict.properties?.input?.oneOf ?? []).map((form) => form.properties?.text_column),
  ];
  expect(textColumns).toHaveLength(3);
  for (const column of textColumns) {
    expect(column?.not).toEqual({ anyOf: [{ enum: RESERVED_COLUMNS }, { pattern: `^${RESERVED_PREFIX}` }] });
  }
  expect(schema.$defs.label_values?.maxItems).toBe(MAX_CLASSES);
});
