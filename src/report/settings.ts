import type { JobSpec } from "../spec/types.js";

/**
 * A job spec as `key.path → value` lines, in document order: what a report shows as the configuration and
 * what `kindling compare` diffs. The run's identity and output location are left out (they always differ);
 * lists of plain values stay one value (`[10, 15, 20]`), lists of objects are indexed (`text.clean[0].pattern`), by name when they have one
 * (`feature_sets[tfidf].num_features`).
 */
export function flattenConfig(spec: JobSpec): Array<[string, string]> {
  const { run: _run, output, ...rest } = spec;
  const { uri: _uri, ...outputRest } = output;
  const out: Array<[string, string]> = [];
  walk({ ...rest, output: outputRest }, "", out);
  return out;
}

function walk(value: unknown, key: string, out: Array<[string, string]>): void {
  if (Array.isArray(value)) {
    if (value.every((v) => v === null || typeof v !== "object")) {
      out.push([key, `[${value.map((v) => JSON.stringify(v)).join(", ")}]`]);
      return;
    }
    // Named items (feature sets) are keyed by name, so reordering them is not a difference.
    const named = value.every((v) => typeof (v as { name?: unknown } | null)?.name === "string");
    value.forEach((v, i) => {
      if (named) {
        const { name, ...fields } = v as { name: string };
        walk(fields, `${key}[${name}]`, out);
      } else {
        walk(v, `${key}[${i}]`, out);
      }
    });
    return;
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    if (entries.length === 0) out.push([key, "{}"]);
    for (const [k, v] of entries) walk(v, key ? `${key}.${k}` : k, out);
    return;
  }
  out.push([key, JSON.stringify(value)]);
}
