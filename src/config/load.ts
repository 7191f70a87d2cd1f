import { readFile } from "node:fs/promises";
import path from "node:path";
import { LineCounter, parseDocument } from "yaml";
import { ConfigError, type ConfigIssue, UsageError } from "../errors.js";
import { applyEnvironment, type Environment, selectEnvironment, setByEnvironment } from "./environments.js";
import { describeIssues } from "./issues.js";
import { locate } from "./locate.js";
import { applyOverrides, type Override, overrideAt } from "./overrides.js";
import { isPlainObject, withPreset } from "./presets.js";
import { type Config, configSchema } from "./schema.js";

/** A validated config and where it came from (relative paths inside it resolve against `dir`). */
export interface LoadedConfig {
  config: Config;
  file: string;
  dir: string;
  /** The `--set` arguments applied over the file, as typed (absent when none). */
  overrides?: string[];
  /** The environment of the file's `environments:` the config is for (absent when it has none). */
  environment?: Environment;
}

export interface LoadOptions {
  /** `--set key.path=value` arguments, applied over the file (and environment) before validation. */
  overrides?: readonly Override[];
  /** `--env NAME` or KINDLING_ENV: the environment of `environments:` to apply. */
  env?: string;
}

/** The load options of a command's `--set` and `--env`. */
export function loadOptionsOf(options: { set?: Override[]; env?: string }): LoadOptions {
  return {
    ...(options.set?.length ? { overrides: options.set } : {}),
    ...(options.env !== undefined ? { env: options.env } : {}),
  };
}

/**
 * Reads and validates a kindling.yaml; every problem is reported at once, with its line (or the `--set`
 * argument that put the bad value there).
 */
export async function loadConfig(file: string, options: LoadOptions = {}): Promise<LoadedConfig> {
  const absolute = path.resolve(file);
  let text: string;
  try {
    text = await readFile(absolute, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(
      code === "ENOENT"
        ? `config file not found: ${file}`
        : `cannot read config file ${file}: ${String(error)}`,
      { hint: "Pass one with -c FILE, or run `kindling init` to write kindling.yaml here." },
    );
  }
  const overrides = options.overrides ?? [];
  const { config, environment } = parseLayers(text, file, options);
  return {
    config,
    file: absolute,
    dir: path.dirname(absolute),
    ...(overrides.length ? { overrides: overrides.map((o) => o.argument) } : {}),
    ...(environment ? { environment } : {}),
  };
}

/** Parses config text; `file` is only used in messages. */
export function parseConfig(text: string, file: string, options: LoadOptions = {}): Config {
  return parseLayers(text, file, options).config;
}

/** The config the file, its chosen environment and the `--set` arguments make, checked as one. */
function parseLayers(
  text: string,
  file: string,
  options: LoadOptions,
): { config: Config; environment?: Environment } {
  const overrides = options.overrides ?? [];
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        return {
          path: "",
          message: `YAML syntax: ${(e.message.split("\n")[0] ?? "").replace(/ at line \d+, column \d+:$/, "")}`,
          ...(pos ? { line: pos.line, column: pos.col } : {}),
        };
      }),
    );
  }
  let input: unknown;
  try {
    input = doc.toJS() ?? {};
  } catch (error) {
    // e.g. an alias (*name) whose anchor (&name) is missing: the parser accepts it, resolving fails.
    throw new ConfigError(file, [{ path: "", message: `YAML: ${(error as Error).message}` }]);
  }
  if (typeof input !== "object" || Array.isArray(input)) {
    throw new ConfigError(file, [
      { path: "", message: "the file must be a mapping of keys (data:, train:, …)" },
    ]);
  }
  const environment = selectEnvironment(input as Record<string, unknown>, options.env, file);
  const layered = environment
    ? applyEnvironment(input as Record<string, unknown>, environment)
    : { merged: input as Record<string, unknown>, conflicts: [] };
  const withDefaults = withPreset(applyOverrides(layered.merged, overrides));
  const result = configSchema.safeParse(withDefaults);
  if (result.success && layered.conflicts.length === 0) {
    return { config: result.data, ...(environment ? { environment } : {}) };
  }
  const at = (segments: readonly PropertyKey[], keyOf?: string) => {
    const pos = locate(doc, counter, segments, keyOf);
    return pos ? { line: pos.line, column: pos.column } : {};
  };
  const conflicts: ConfigIssue[] = layered.conflicts.map((segments) => ({
    path: segments.join("."),
    message: `is the environment's name when environments: is used (here ${environment?.name}): remove this key`,
    ...at(segments),
  }));
  const schemaIssues = result.success
    ? []
    : describeIssues(configSchema, withDefaults, result.error.issues).map(({ segments, keyOf, ...issue }) => {
        const path = segments.map(String);
        if (keyOf && path.at(-1) !== keyOf) path.push(keyOf);
        const set = overrideAt(overrides, path, Boolean(keyOf));
        if (set) return { ...issue, source: set.argument };
        if (environment && path[0] === "aws" && path[1] === "environment") {
          // The environment's name is the value: point at where the environment is named.
          return { ...issue, ...at(["environments"], environment.name) };
        }
        if (environment && setByEnvironment(environment, path)) {
          return { ...issue, ...at(["environments", environment.name, ...segments], keyOf) };
        }
        return { ...issue, ...at(segments, keyOf) };
      });
  const issues = [...conflicts, ...schemaIssues];
  // The file's problems in line order, then the command line's.
  issues.sort(
    (a, b) => Number(Boolean(a.source)) - Number(Boolean(b.source)) || (a.line ?? 0) - (b.line ?? 0),
  );
  throw new ConfigError(file, issues, environment?.name);
}

/** The names under the file's `environments:`, in file order (none when it has no such section). */
export async function environmentsOf(file: string): Promise<string[]> {
  let input: unknown;
  try {
    input = parseDocument(await readFile(file, "utf8")).toJS();
  } catch {
    return []; // loadConfig says what is wrong with the file
  }
  const section = isPlainObject(input) ? input.environments : undefined;
  return isPlainObject(section) ? Object.keys(section) : [];
}
