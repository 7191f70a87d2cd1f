import { UsageError } from "../errors.js";

/** A run's labels: `key=value` pairs a person sets with `run --tag` or `kindling tag`. */
export type Tags = Record<string, string>;

/**
 * The keys MLflow, S3 object tags and cost-allocation tags all accept, so a tag can travel to any of them
 * unchanged: letters, digits and `_ . : / - @`, at most 128 characters; values at most 256.
 */
const KEY = /^[A-Za-z0-9_.:/@-]{1,128}$/;
const MAX_VALUE = 256;
/** Names every JavaScript object already answers to: a tag of that name would not be a plain entry. */
export const UNSAFE_KEYS = new Set(["__proto__", "constructor", "prototype"]);
/** A note is a sentence or a paragraph, not a document. */
export const MAX_NOTE = 2_000;

/** One `key=value` argument, checked; `flag` names where it came from in the error. */
export function parseTag(argument: string, flag = "--tag"): [string, string] {
  const eq = argument.indexOf("=");
  const key = eq < 0 ? argument : argument.slice(0, eq);
  if (eq < 0) {
    throw new UsageError(`${flag} ${JSON.stringify(argument)}: expected key=value`, {
      hint: `For example ${flag} dataset=v2 (a value may be empty: ${flag} ${key}=).`,
    });
  }
  const value = argument.slice(eq + 1);
  if (!KEY.test(key) || UNSAFE_KEYS.has(key)) {
    throw new UsageError(
      `${flag} ${JSON.stringify(argument)}: the key ${JSON.stringify(key)} must be 1–128 letters, digits or _ . : / - @`,
    );
  }
  if (value.length > MAX_VALUE) {
    throw new UsageError(`${flag} ${key}=…: the value has ${value.length} characters; at most ${MAX_VALUE}`);
  }
  return [key, value];
}

/** Several `key=value` arguments; a key given twice is a mistake worth naming. */
export function parseTags(argumentsGiven: readonly string[], flag = "--tag"): Tags {
  const tags: Tags = {};
  for (const argument of argumentsGiven) {
    const [key, value] = parseTag(argument, flag);
    if (Object.hasOwn(tags, key) && tags[key] !== value) {
      throw new UsageError(
        `${flag} ${key} is given twice, as ${JSON.stringify(tags[key])} and ${JSON.stringify(value)}`,
      );
    }
    tags[key] = value;
  }
  return tags;
}

export function checkNote(note: string): string {
  if (note.length > MAX_NOTE) {
    throw new UsageError(`--note has ${note.length} characters; at most ${MAX_NOTE}`, {
      hint: "Keep the note short; longer write-ups belong beside the run, e.g. in a file you tag with its path.",
    });
  }
  return note;
}

/** Whether a run's tags hold every wanted pair; `key=` wants the key with an empty value, `key` alone any value. */
export function hasTags(
  tags: Tags | undefined,
  wanted: ReadonlyArray<{ key: string; value?: string }>,
): boolean {
  return wanted.every(
    ({ key, value }) =>
      tags !== undefined && Object.hasOwn(tags, key) && (value === undefined || tags[key] === value),
  );
}

/** `--tag` filters of `kindling runs`: `key=value`, or just `key` for any value. */
export function parseTagFilter(argument: string): { key: string; value?: string } {
  if (!argument.includes("=")) {
    if (!KEY.test(argument) || UNSAFE_KEYS.has(argument)) {
      throw new UsageError(`--tag ${JSON.stringify(argument)}: not a tag key`);
    }
    return { key: argument };
  }
  const [key, value] = parseTag(argument);
  return { key, value };
}

/** `key=value, key=value` for tables. */
export function formatTags(tags: Tags | undefined): string {
  const entries = Object.entries(tags ?? {});
  return entries.length ? entries.map(([k, v]) => `${k}=${v}`).join(", ") : "";
}
