/**
 * Markdown tables of the job spec's fields, rendered from the JSON Schema (not from zod): docs/job-spec.md
 * shows what the committed contract says, and a test keeps the two equal. Only the keywords the
 * generated schema uses are rendered; an unknown one fails loudly instead of vanishing from the doc.
 */

export interface JsonSchemaNode {
  type?: string;
  $ref?: string;
  anyOf?: JsonSchemaNode[];
  oneOf?: JsonSchemaNode[];
  properties?: Record<string, JsonSchemaNode>;
  required?: string[];
  additionalProperties?: boolean;
  items?: JsonSchemaNode;
  const?: unknown;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minItems?: number;
  not?: JsonSchemaNode;
  default?: unknown;
  description?: string;
  title?: string;
}

type Defs = Record<string, JsonSchemaNode>;
interface Row {
  field: string;
  type: string;
  rule: string;
  meaning: string;
}

const RENDERED = new Set([
  ...["type", "$ref", "anyOf", "oneOf", "properties", "required", "additionalProperties", "items"],
  ...["const", "enum", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength"],
  ...["maxLength", "pattern", "minItems", "not", "default", "description", "title"],
]);
// zod bounds every int to JavaScript's safe integers; the doc says so once instead of on every row.
const SAFE = Number.MAX_SAFE_INTEGER;

const code = (v: unknown) => `\`${typeof v === "string" ? v : JSON.stringify(v)}\``;

function resolve(node: JsonSchemaNode, defs: Defs): JsonSchemaNode {
  const unknown = Object.keys(node).filter((k) => !RENDERED.has(k));
  if (unknown.length) throw new Error(`docTable: cannot render keyword(s) ${unknown.join(", ")}`);
  if (!node.$ref) return node;
  const target = defs[node.$ref.replace("#/$defs/", "")];
  if (!target) throw new Error(`docTable: unresolved ${node.$ref}`);
  return resolve(target, defs);
}

function alternatives(node: JsonSchemaNode, defs: Defs): JsonSchemaNode[] {
  const n = resolve(node, defs);
  const alts = n.anyOf ?? n.oneOf;
  return alts ? alts.flatMap((a) => alternatives(a, defs)) : [n];
}

/** How one object alternative is told apart: its constants (`format: csv`), else its required keys. */
function branchLabel(o: JsonSchemaNode): string {
  const consts = Object.entries(o.properties ?? {}).filter(([, p]) => p.const !== undefined);
  if (consts.length) return consts.map(([k, p]) => `${k}: ${String(p.const)}`).join(", ");
  return (o.required ?? []).join(", ");
}

function range(n: JsonSchemaNode): string[] {
  const low = n.minimum === -SAFE ? undefined : n.minimum;
  const high = n.maximum === SAFE ? undefined : n.maximum;
  const xLow = n.exclusiveMinimum;
  const xHigh = n.exclusiveMaximum;
  if (xLow !== undefined && xHigh !== undefined) return [`strictly between ${xLow} and ${xHigh}`];
  if (low !== undefined && high !== undefined) return [`${low} to ${high}`];
  const out: string[] = [];
  if (low !== undefined) out.push(`≥ ${low}`);
  if (xLow !== undefined) out.push(`> ${xLow}`);
  if (high !== undefined) out.push(`≤ ${high}`);
  if (xHigh !== undefined) out.push(`< ${xHigh}`);
  return out;
}

/** The rules of one scalar schema, in words. */
function scalarRules(n: JsonSchemaNode, defs: Defs): string[] {
  const out: string[] = [];
  if (n.const !== undefined) out.push(code(n.const));
  if (n.enum) out.push(`one of ${n.enum.map(code).join(", ")}`);
  out.push(...range(n));
  if (n.minLength === 1 && n.maxLength === 1) out.push("one character");
  else {
    if (n.minLength === 1) out.push("non-empty");
    else if (n.minLength !== undefined) out.push(`at least ${n.minLength} characters`);
    if (n.maxLength !== undefined) out.push(`at most ${n.maxLength} characters`);
  }
  if (n.pattern) out.push(`matches ${code(n.pattern)}`);
  if (n.not) {
    const banned = alternatives(n.not, defs);
    const names = banned.flatMap((b) => b.enum ?? []);
    const prefixes = banned.flatMap((b) => (b.pattern ? [b.pattern.replace(/^\^/, "")] : []));
    out.push(`not ${[...names.map(code), ...prefixes.map((p) => `\`${p}*\``)].join(", ")}`);
  }
  return out;
}

function typeName(alts: JsonSchemaNode[]): string {
  const names = [...new Set(alts.map((a) => (a.type === "array" ? "list" : (a.type ?? "any"))))];
  return names.join(" or ");
}

function fieldRows(node: JsonSchemaNode, field: string, presence: string[], defs: Defs): Row[] {
  const alts = alternatives(node, defs);
  const concrete = alts.filter((a) => a.type !== "null");
  const objects = concrete.filter((a) => a.type === "object");
  const rules = [...presence];
  const children: Row[] = [];
  if (objects.length > 1) rules.push(`one of: ${objects.map((o) => code(branchLabel(o))).join("; ")}`);
  if (objects.length) children.push(...objectRows(objects, field, defs));
  for (const a of concrete) {
    if (a.type === "array") {
      if (a.minItems) rules.push(a.minItems === 1 ? "non-empty" : `at least ${a.minItems} items`);
      if (!a.items) continue;
      const items = alternatives(a.items, defs);
      const itemObjects = items.filter((i) => i.type === "object");
      if (itemObjects.length > 1) {
        rules.push(`each one of: ${itemObjects.map((o) => code(branchLabel(o))).join("; ")}`);
      }
      if (itemObjects.length) children.push(...objectRows(itemObjects, `${field}[]`, defs));
      const each = items.filter((i) => i.type !== "object").flatMap((i) => scalarRules(i, defs));
      const itemTypes = typeName(items);
      if (each.length || !itemObjects.length) rules.push(`each: ${[itemTypes, ...each].join(", ")}`);
    } else if (a.type !== "object") {
      rules.push(...scalarRules(a, defs));
    }
  }
  const description = resolve(node, defs).description ?? concrete.find((a) => a.description)?.description;
  const type = typeName(alts);
  return [{ field, type, rule: rules.join("; "), meaning: description ?? "" }, ...children];
}

/** The fields of one or more object alternatives (a union lists each key once, saying where it applies). */
function objectRows(objects: JsonSchemaNode[], prefix: string, defs: Defs): Row[] {
  const keys = [...new Set(objects.flatMap((o) => Object.keys(o.properties ?? {})))];
  return keys.flatMap((key) => {
    const holders = objects.filter((o) => o.properties?.[key] !== undefined);
    const schemas = holders.map((o) => o.properties?.[key] as JsonSchemaNode);
    const first = schemas[0] as JsonSchemaNode;
    const same = schemas.every((s) => JSON.stringify(s) === JSON.stringify(first));
    // A discriminator has one constant per alternative: shown as the list of them.
    const field = prefix ? `${prefix}.${key}` : key;
    // A key whose schema differs by alternative (each classifier's grid): rows for each alternative.
    if (!same && schemas.some((s) => s.const === undefined)) {
      return holders.flatMap((holder, i) => {
        const schema = schemas[i] as JsonSchemaNode;
        const presence = [`with ${code(branchLabel(holder))}`];
        if (!holder.required?.includes(key)) {
          presence.push(
            schema.default === undefined ? "optional" : `optional (default ${code(schema.default)})`,
          );
        }
        return fieldRows(schema, field, presence, defs);
      });
    }
    const merged = same ? first : { ...first, const: undefined, enum: schemas.map((s) => s.const) };
    const required = holders.every((o) => o.required?.includes(key));
    const presence: string[] = [];
    if (holders.length < objects.length) {
      presence.push(`only with ${holders.map((h) => code(branchLabel(h))).join(", ")}`);
    }
    if (!required) {
      presence.push(first.default === undefined ? "optional" : `optional (default ${code(first.default)})`);
    }
    return fieldRows(merged, field, presence, defs);
  });
}

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** The Markdown table of one spec ($defs id) of the JSON Schema. */
export function fieldTable(schema: { $defs: Defs }, id: string): string {
  const spec = schema.$defs[id];
  if (!spec) throw new Error(`docTable: no $defs.${id}`);
  const rows = objectRows([resolve(spec, schema.$defs)], "", schema.$defs);
  const lines = rows.map((r) => `| \`${r.field}\` | ${r.type} | ${cell(r.rule)} | ${cell(r.meaning)} |`);
  return ["| Field | Type | Rule | Meaning |", "| --- | --- | --- | --- |", ...lines].join("\n");
}
