import type { z } from "zod";
import type { ConfigIssue } from "../errors.js";
import { isSecretSetting } from "./secrets.js";
import { didYouMean } from "./suggest.js";

/** Allowed keys of the object schema found at `path` (unwrapping defaults and optionals). */
export function keysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let current: unknown = schema;
  for (const segment of [undefined, ...path]) {
    current = unwrap(current);
    if (segment === undefined) continue;
    const def = defOf(current);
    if (def?.type === "object") current = (def.shape as Record<string, unknown>)[String(segment)];
    else if (def?.type === "array") current = def.element;
    else if (def?.type === "record") current = def.valueType;
    else return [];
  }
  const def = defOf(unwrap(current));
  return def?.type === "object" ? Object.keys(def.shape as object) : [];
}

/** The kind of value the schema takes at `path` (object, array, number, …), or undefined off the schema. */
export function typeAt(schema: z.ZodType, path: readonly PropertyKey[]): string | undefined {
  let current: unknown = schema;
  for (const segment of path) {
    const def = defOf(unwrap(current));
    if (def?.type === "object") current = (def.shape as Record<string, unknown>)[String(segment)];
    else if (def?.type === "record") current = def.valueType;
    else return undefined;
    if (current === undefined) return undefined;
  }
  return defOf(unwrap(current))?.type;
}

interface Def {
  type: string;
  [k: string]: unknown;
}

function defOf(schema: unknown): Def | undefined {
  return (schema as { _zod?: { def?: Def } } | undefined)?._zod?.def;
}

function unwrap(schema: unknown): unknown {
  let current = schema;
  for (;;) {
    const def = defOf(current);
    if (!def) return current;
    if (["default", "prefault", "optional", "nullable", "readonly", "catch"].includes(def.type)) {
      current = def.innerType;
    } else if (def.type === "pipe") {
      current = def.in;
    } else {
      return current;
    }
  }
}

/** Describes a value the way a person reads YAML. */
/** Stands for a value that is not repeated in messages (a secret-looking Spark setting). */
const WITHHELD = Symbol("withheld");

export function show(value: unknown): string {
  if (value === WITHHELD) return "a value not repeated here";
  if (value === undefined) return "nothing";
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return value.length === 0 ? "an empty list" : "a list";
  if (value === null) return "null";
  if (typeof value === "object") return "a mapping";
  return String(value);
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current = input;
  for (const segment of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment as string];
  }
  return current;
}

const YAML_TYPE: Record<string, string> = {
  number: "a number",
  int: "a whole number",
  string: "a string",
  boolean: "true or false",
  object: "a mapping (key: value lines)",
  array: "a list",
};

function bound(issue: z.core.$ZodIssue & { code: "too_small" | "too_big" }): string {
  const limit = issue.code === "too_small" ? issue.minimum : issue.maximum;
  if (issue.origin === "array") {
    return issue.code === "too_small"
      ? `must have at least ${limit} item(s)`
      : `must have at most ${limit} item(s)`;
  }
  if (issue.origin === "string") {
    return issue.code === "too_small"
      ? `must have at least ${limit} character(s)`
      : `must have at most ${limit} character(s)`;
  }
  const op = issue.code === "too_small" ? (issue.inclusive ? "≥" : ">") : issue.inclusive ? "≤" : "<";
  return `must be ${op} ${limit}`;
}

/** Turns zod issues into messages that name the key path, the bad value and what is allowed. */
export function describeIssues(
  schema: z.ZodType,
  input: unknown,
  issues: readonly z.core.$ZodIssue[],
): Array<ConfigIssue & { keyOf?: string; segments: PropertyKey[] }> {
  const out: Array<ConfigIssue & { keyOf?: string; segments: PropertyKey[] }> = [];
  for (const issue of issues) {
    const segments = issue.path;
    const path = segments.map(String).join(".");
    const value = isSecretSetting(segments) ? WITHHELD : valueAt(input, segments);
    switch (issue.code) {
      case "unrecognized_keys": {
        const allowed = keysAt(schema, segments).filter((k) => k !== "$schema");
        for (const key of issue.keys) {
          const guess = didYouMean(key, allowed);
          out.push({
            path: path ? `${path}.${key}` : key,
            segments,
            keyOf: key,
            message: `unknown key${guess ? ` (did you mean "${guess}"?)` : ""}; allowed here: ${allowed.join(", ")}`,
          });
        }
        break;
      }
      case "invalid_type": {
        const expected = YAML_TYPE[issue.expected] ?? issue.expected;
        out.push({
          path,
          segments,
          message:
            value === undefined ? `is required (${expected})` : `expected ${expected}, got ${show(value)}`,
        });
        break;
      }
      case "too_small":
      case "too_big":
        out.push({ path, segments, message: `${bound(issue)}, got ${show(value)}` });
        break;
      case "invalid_value": {
        const allowed = issue.values.map((v) => JSON.stringify(v));
        const guess = typeof value === "string" ? didYouMean(value, issue.values.map(String)) : undefined;
        // YAML reads `4.0` as the number 4: a version-like choice needs quotes.
        const unquoted =
          typeof value === "number" && issue.values.some((v) => typeof v === "string" && Number(v) === value);
        out.push({
          path,
          segments,
          message: `must be one of ${allowed.join(", ")}, got ${show(value)}${guess ? ` (did you mean "${guess}"?)` : ""}${unquoted ? " (a number: quote it, YAML reads 4.0 as 4)" : ""}`,
        });
        break;
      }
      case "invalid_union": {
        out.push({ path, segments, message: `${issue.message}, got ${show(value)}` });
        break;
      }
      case "invalid_key": {
        const reason = issue.issues[0]?.message ?? issue.message;
        out.push({ path, segments, message: `key "${String(segments.at(-1))}" is not allowed: ${reason}` });
        break;
      }
      default:
        out.push({
          path,
          segments,
          message: `${issue.message}${value !== undefined ? `, got ${show(value)}` : ""}`,
        });
    }
  }
  return out;
}
