import { z } from "zod";
import { UsageError } from "../errors.js";
import { environmentName } from "./deploy.js";
import { isPlainObject, overlay } from "./presets.js";
import { didYouMean } from "./suggest.js";

/**
 * `environments:` in kindling.yaml: named overlays (dev, prod, …) over the rest of the file, chosen with
 * `--env NAME` or KINDLING_ENV. The chosen name becomes aws.environment, so the foundation stack, its
 * buckets and tags, the clusters' tags and the run's record all carry it.
 */

/** Commands an environment can ask to be confirmed before they start (`confirm:`). */
export const CONFIRMABLE = ["deploy", "destroy", "run", "sweep", "cluster"] as const;
export type Confirmable = (typeof CONFIRMABLE)[number];

/** The config keys an environment may change: everything but the format's own keys. */
const OVERLAY_KEYS = [
  "preset",
  "project",
  "data",
  "text",
  "features",
  "train",
  "output",
  "spark",
  "aws",
  "emr",
  "serverless",
  "python",
] as const;

const mapping = z.record(z.string(), z.unknown());
const overlayKeys = Object.fromEntries(
  OVERLAY_KEYS.map((key) => [
    key,
    (key === "preset" || key === "project" ? z.string() : mapping)
      .optional()
      .describe(`Changes ${key} in this environment; checked with the rest of the file.`),
  ]),
);

const environmentEntry = z.strictObject({
  default: z
    .boolean()
    .optional()
    .describe("Used when neither --env nor KINDLING_ENV names an environment (at most one)."),
  confirm: z
    .array(z.enum(CONFIRMABLE))
    .optional()
    .describe(
      "Commands that ask before they start in this environment, or need --yes without a terminal (run and sweep: on AWS targets).",
    ),
  ...overlayKeys,
});

export const environmentsSection = z
  .record(environmentName, environmentEntry)
  .superRefine((environments, ctx) => {
    const defaults = Object.entries(environments).filter(([, e]) => e.default);
    for (const [name] of defaults.slice(1)) {
      ctx.addIssue({
        code: "custom",
        path: [name, "default"],
        message: `${defaults[0]?.[0]} is already the default environment: mark only one default: true`,
      });
    }
  })
  .optional()
  .describe(
    "Named overlays over this file (dev, prod, …), chosen with --env NAME or KINDLING_ENV; the name becomes aws.environment.",
  );

/** The environment a command works in. */
export interface Environment {
  name: string;
  /** Marked `default: true`, or the file's only environment. */
  isDefault: boolean;
  /** Commands that ask first in it. */
  confirm: Confirmable[];
  /** The keys it changes, as written. */
  overlay: Record<string, unknown>;
}

/**
 * The environment to work in: the one `requested` (--env or KINDLING_ENV), else the one marked default,
 * else the only one. Undefined when the file has no environments. Problems with the section's shape are
 * left to the schema; a choice that cannot be made is an error here.
 */
export function selectEnvironment(
  input: Record<string, unknown>,
  requested: string | undefined,
  file: string,
): Environment | undefined {
  const section = input.environments;
  if (section === undefined || section === null) {
    if (requested === undefined) return undefined;
    throw new UsageError(`--env ${requested}: ${file} has no environments: section`, {
      hint: 'Add one (environments: {dev: {}, prod: {aws: {account: "…"}}}; see the README), or drop --env / unset KINDLING_ENV.',
    });
  }
  if (!isPlainObject(section)) return undefined;
  const names = Object.keys(section);
  const entry = (name: string) => (isPlainObject(section[name]) ? section[name] : {});
  const marked = names.filter((n) => entry(n).default === true);
  // Two marked default: the schema reports it at the second one's line, so pick the first meanwhile.
  const byDefault = marked[0] ?? (names.length === 1 ? names[0] : undefined);
  const name = requested ?? byDefault;
  if (name === undefined) {
    throw new UsageError(
      `${file} has ${names.length} environments (${names.join(", ")}) and none is chosen`,
      {
        hint: "Pass --env NAME (or set KINDLING_ENV), or mark one with default: true.",
      },
    );
  }
  if (!names.includes(name)) {
    const guess = didYouMean(name, names);
    throw new UsageError(
      `--env ${name}: ${file} has no such environment${guess ? ` (did you mean "${guess}"?)` : ""}; it has ${names.join(", ") || "none"}`,
      { hint: "Name one of them, or add it under environments:." },
    );
  }
  const { default: _default, confirm, ...changes } = entry(name);
  return {
    name,
    isDefault: name === byDefault,
    confirm: Array.isArray(confirm) ? (confirm.filter((c) => CONFIRMABLE.includes(c)) as Confirmable[]) : [],
    overlay: changes,
  };
}

/**
 * The file's keys with the environment's over them; aws.environment becomes its name. A name written in
 * aws.environment as well would be overruled, which is a mistake the person should hear about.
 */
export function applyEnvironment(
  input: Record<string, unknown>,
  environment: Environment,
): { merged: Record<string, unknown>; conflicts: string[][] } {
  const conflicts = [input, environment.overlay]
    .map((layer, i) => (isPlainObject(layer.aws) && layer.aws.environment !== undefined ? i : -1))
    .filter((i) => i >= 0)
    .map((i) =>
      i === 0 ? ["aws", "environment"] : ["environments", environment.name, "aws", "environment"],
    );
  const merged = overlay(input, environment.overlay);
  merged.aws = { ...(isPlainObject(merged.aws) ? merged.aws : {}), environment: environment.name };
  return { merged, conflicts };
}

/**
 * Whether the environment wrote the value at `path`: the whole path is in its overlay, or a value above it
 * that is not a mapping (a list or value it replaced).
 */
export function setByEnvironment(environment: Environment, path: readonly string[]): boolean {
  if (path.length === 0) return false;
  let node: unknown = environment.overlay;
  for (const segment of path) {
    if (!isPlainObject(node)) return true;
    if (!(segment in node)) return false;
    node = node[segment];
  }
  return true;
}
