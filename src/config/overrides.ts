import { parse } from "yaml";
import { UsageError } from "../errors.js";
import { UNSAFE_KEYS } from "../runs/tags.js";
import { typeAt } from "./issues.js";
import { configSchema } from "./schema.js";
import { isSecretSetting } from "./secrets.js";

/** One `--set key.path=value`: where it goes, the value as YAML reads it, and the argument as typed. */
export interface Override {
  path: string[];
  value: unknown;
  /** `--set train.folds=3`, for messages and the run's record. */
  argument: string;
}

const KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/**
 * Parses `key.path=value`. The value is YAML (`3`, `true`, `[0, 0.01]`, `"text"`); a single value for a
 * key that takes a list becomes a one-item list, so `--set train.grid.reg_param=0.01` reads as written.
 * The key path is not checked here: the schema checks the merged config and names this argument.
 */
export function parseOverride(argument: string): Override {
  const eq = argument.indexOf("=");
  const key = eq < 0 ? "" : argument.slice(0, eq);
  if (eq < 0 || !KEY.test(key) || key.split(".").some((s) => s === "" || UNSAFE_KEYS.has(s))) {
    throw new UsageError(`--set ${JSON.stringify(argument)}: expected key.path=value`, {
      hint: "For example --set train.folds=3 or --set features.tfidf.num_features=4096 (keys as in kindling.yaml).",
    });
  }
  const path = pathOf(key.split("."));
  const text = argument.slice(eq + 1);
  // A value under a secret-looking key is never repeated in a message (the schema then refuses the key).
  const shown = isSecretSetting(path) ? `${key}=***` : argument;
  let value: unknown;
  try {
    value = text === "" ? "" : parse(text);
  } catch (error) {
    throw new UsageError(
      `--set ${shown}: the value is not valid YAML (${(error as Error).message.split("\n")[0]})`,
    );
  }
  if (typeAt(configSchema, path) === "array" && !Array.isArray(value)) value = [value];
  return { path, value, argument: `--set ${shown}` };
}

/** Key segments as the schema reads them: below a free-form mapping (spark.conf) the rest is one key. */
function pathOf(segments: string[]): string[] {
  for (let i = 0; i < segments.length - 1; i++) {
    if (typeAt(configSchema, segments.slice(0, i + 1)) === "record") {
      return [...segments.slice(0, i + 1), segments.slice(i + 1).join(".")];
    }
  }
  return segments;
}

/** The overrides a run recorded (`--set k=v` as typed), parsed again: commands that resume a run use them. */
export function recordedOverrides(recorded: readonly string[] | undefined): Override[] {
  return (recorded ?? []).map((argument) => parseOverride(argument.replace(/^--set /, "")));
}

/** The config with every override applied in order (a later one wins), creating mappings on the way. */
export function applyOverrides(
  input: Record<string, unknown>,
  overrides: readonly Override[],
): Record<string, unknown> {
  const root = structuredClone(input);
  for (const { path, value } of overrides) {
    let node: Record<string, unknown> = root;
    for (const segment of path.slice(0, -1)) {
      const next = node[segment];
      if (typeof next !== "object" || next === null || Array.isArray(next)) node[segment] = {};
      node = node[segment] as Record<string, unknown>;
    }
    node[path.at(-1) as string] = value;
  }
  return root;
}

/**
 * The override that put the value at `path` there, if any (the last one wins): one that set it or a
 * mapping above it; for an unknown key, also one that created it on the way to a key below it
 * (`--set train.gird.x=1`). A problem with a whole section the file wrote stays the file's.
 */
export function overrideAt(
  overrides: readonly Override[],
  path: readonly string[],
  unknownKey = false,
): Override | undefined {
  const prefix = (a: readonly string[], b: readonly string[]) => a.every((segment, i) => segment === b[i]);
  return overrides.findLast((o) =>
    o.path.length <= path.length ? prefix(o.path, path) : unknownKey && prefix(path, o.path),
  );
}
