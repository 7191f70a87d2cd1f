import { readFile } from "node:fs/promises";
import path from "node:path";
import { LineCounter, parseDocument } from "yaml";
import { ConfigError, type ConfigIssue, UsageError } from "../errors.js";
import { describeIssues } from "./issues.js";
import { locate } from "./locate.js";
import { applyOverrides, type Override, overrideAt } from "./overrides.js";
import { withPreset } from "./presets.js";
import { type Config, configSchema } from "./schema.js";

/** A validated config and where it came from (relative paths inside it resolve against `dir`). */
export interface LoadedConfig {
  config: Config;
  file: string;
  dir: string;
  /** The `--set` arguments applied over the file, as typed (absent when none). */
  overrides?: string[];
}

export interface LoadOptions {
  /** `--set key.path=value` arguments, applied over the file before validation. */
  overrides?: readonly Override[];
}

/** The load options of a command's `--set` arguments. */
export function overridesOf(options: { set?: Override[] }): LoadOptions {
  return options.set?.length ? { overrides: options.set } : {};
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
  return {
    config: parseConfig(text, file, overrides),
    file: absolute,
    dir: path.dirname(absolute),
    ...(overrides.length ? { overrides: overrides.map((o) => o.argument) } : {}),
  };
}

/** Parses config text; `file` is only used in messages. */
export function parseConfig(text: string, file: string, overrides: readonly Override[] = []): Config {
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
  const withDefaults = withPreset(applyOverrides(input as Record<string, unknown>, overrides));
  const result = configSchema.safeParse(withDefaults);
  if (result.success) return result.data;
  const issues: ConfigIssue[] = describeIssues(configSchema, withDefaults, result.error.issues).map(
    ({ segments, keyOf, ...issue }) => {
      const at = segments.map(String);
      if (keyOf && at.at(-1) !== keyOf) at.push(keyOf);
      const set = overrideAt(overrides, at, Boolean(keyOf));
      if (set) return { ...issue, source: set.argument };
      const pos = locate(doc, counter, segments, keyOf);
      return pos ? { ...issue, line: pos.line, column: pos.column } : issue;
    },
  );
  // The file's problems in line order, then the command line's.
  issues.sort(
    (a, b) => Number(Boolean(a.source)) - Number(Boolean(b.source)) || (a.line ?? 0) - (b.line ?? 0),
  );
  throw new ConfigError(file, issues);
}
