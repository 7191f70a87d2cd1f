import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { fieldTableIds, JOB_SPEC_DOC_FILE, withFieldTables } from "../../src/spec/artifacts.js";
import { JOB_SPEC_SCHEMA_FILE, jobSpecJsonSchema } from "../../src/spec/jsonSchema.js";
import { predictSpecSchema } from "../../src/spec/predictSchema.js";
import { MAX_CLASSES, MODEL_COLUMNS, RESERVED_PREFIX } from "../../src/spec/reserved.js";
import { jobSpecSchema } from "../../src/spec/schema.js";

const doc = readFileSync(new URL(`../../${JOB_SPEC_DOC_FILE}`, import.meta.url), "utf8");

interface Node {
  $ref?: string;
  anyOf?: Node[];
  oneOf?: Node[];
  properties?: Record<string, Node>;
  items?: Node;
}
const schema = jobSpecJsonSchema() as { $defs: Record<string, Node> };

/** Every field path of one spec, walked independently of the doc's renderer. */
function fieldPaths(node: Node, prefix: string, out: Set<string>): Set<string> {
  const target = node.$ref ? (schema.$defs[node.$ref.replace("#/$defs/", "")] as Node) : node;
  for (const alt of [...(target.anyOf ?? []), ...(target.oneOf ?? [])]) fieldPaths(alt, prefix, out);
  for (const [key, child] of Object.entries(target.properties ?? {})) {
    const path = prefix ? `${prefix}.${key}` : key;
    out.add(path);
    fieldPaths(child, path, out);
  }
  if (target.items) fieldPaths(target.items, `${prefix}[]`, out);
  return out;
}

/** The fields listed by the doc's table of one spec. */
function tableFields(id: string): Set<string> {
  const table = doc.split(`<!-- fields:${id} -->`)[1]?.split(`<!-- /fields:${id} -->`)[0] ?? "";
  return new Set([...table.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1] as string));
}

/** The doc's ```jsonc examples, comments removed (not inside strings). */
function examples(): unknown[] {
  return [...doc.matchAll(/```jsonc\n([\s\S]*?)```/g)].map((m) => {
    const text = (m[1] as string).replace(
      /("(?:[^"\\]|\\.)*")|\/\/[^\n]*/g,
      (_, str: string | undefined) => str ?? "",
    );
    return JSON.parse(text);
  });
}

/** The backticked names in the doc between two markers (after the first one). */
function namesBetween(start: string, end: string): Set<string> {
  const from = doc.indexOf(start);
  expect(from, start).toBeGreaterThan(-1);
  const text = doc.slice(from + start.length, doc.indexOf(end, from));
  return new Set([...text.matchAll(/`([^`]+)`/g)].map((m) => m[1] as string));
}

describe(`${JOB_SPEC_DOC_FILE} agrees with ${JOB_SPEC_SCHEMA_FILE}`, () => {
  it("says the JSON Schema file is the contract", () => {
    expect(doc).toContain(`**The contract is [\`${JOB_SPEC_SCHEMA_FILE}\`]`);
  });

  it("has current field tables of both specs (regenerate: npm run spec)", () => {
    expect(fieldTableIds(doc)).toEqual(["train_spec", "predict_spec"]);
    expect(doc).toBe(withFieldTables(doc));
  });

  it.each(["train_spec", "predict_spec"])("lists exactly the fields of %s", (id) => {
    expect(tableFields(id)).toEqual(fieldPaths(schema.$defs[id] as Node, "", new Set()));
  });

  it("has examples that are valid specs", () => {
    const [train, predict, ...rest] = examples();
    expect(rest).toEqual([]);
    expect(jobSpecSchema.safeParse(train).error?.issues ?? []).toEqual([]);
    expect(predictSpecSchema.safeParse(predict).error?.issues ?? []).toEqual([]);
  });

  it("states the job's class limit and reserved columns", () => {
    const limit = /More than ([\d,]+) distinct labels is an error/.exec(doc)?.[1];
    expect(Number(limit?.replace(/,/g, ""))).toBe(MAX_CLASSES);
    const modelAdds = new Set([...MODEL_COLUMNS, `${RESERVED_PREFIX}*`]);
    expect(namesBetween("**Saved model input.**", "\n\n")).toEqual(new Set([...modelAdds]));
    expect(namesBetween("`ColumnConflict` (the", "a `label` column is fine")).toEqual(
      new Set([...modelAdds, "probability_<label>"]),
    );
  });
});
