import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { configJsonSchema } from "../../src/config/jsonSchema.js";

it("the committed JSON Schema matches the zod schema (regenerate: kindling schema --out schema/kindling.schema.json)", () => {
  const committed = JSON.parse(
    readFileSync(new URL("../../schema/kindling.schema.json", import.meta.url), "utf8"),
  );
  expect(committed).toEqual(configJsonSchema());
});

it("exposes defaults and descriptions to editors, and rejects unknown keys", () => {
  const schema = configJsonSchema() as {
    additionalProperties: boolean;
    required: string[];
    properties: Record<string, { properties?: Record<string, { default?: unknown; description?: string }> }>;
  };
  expect(schema.additionalProperties).toBe(false);
  expect(schema.required).toContain("data");
  expect(schema.properties.train?.properties?.train_fraction?.default).toBe(0.7);
  expect(schema.properties.data?.properties?.path?.description).toMatch(/relative to this config/);
});
