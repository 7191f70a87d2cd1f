import { stat } from "node:fs/promises";
import path from "node:path";
import { loadConfig, loadOptionsOf } from "../config/load.js";
import { UsageError } from "../errors.js";
import { CODES } from "../ui/codes.js";
import type { IoHost } from "../ui/io.js";
import { exists } from "./files.js";
import { RUN_ID_PATTERN } from "./runId.js";
import { RunStore, type RunSummary, runsDirOf } from "./store.js";

/** Where runs live: the config's output.dir (in the chosen environment) when the config exists, else ./runs. */
export async function runsRoot(options: { config: string; env?: string }, cwd: string): Promise<string> {
  const file = path.resolve(cwd, options.config);
  if (!(await exists(file))) return path.resolve(cwd, "runs");
  return runsDirOf(await loadConfig(file, loadOptionsOf(options)));
}

export interface FindRunOptions {
  /** The command needs a complete run: `latest` skips runs without _SUCCESS, and says so. */
  complete?: boolean;
  /** Told which run `latest` resolved to when it is not simply the newest. */
  io?: IoHost;
}

const LATEST = /^latest(?:~(\d+))?$/;
/** A prefix shorter than the date would match too much to mean one run. */
const MIN_PREFIX = 8;

/**
 * A run named by a person, the same way for every command: its id, a unique prefix of its id, `latest`
 * (`latest~1` the one before it), or the path of its directory. A name that matches nothing, or more than
 * one run, is a usage error that says where it looked and what matched.
 */
export async function findRun(
  ref: string,
  root: string,
  cwd: string,
  options: FindRunOptions = {},
): Promise<RunSummary> {
  const store = new RunStore(root);
  const latest = LATEST.exec(ref);
  if (latest) return nthLatest(store, Number(latest[1] ?? 0), ref, options);
  if (RUN_ID_PATTERN.test(ref) && (await isDir(store.dirOf(ref)))) return store.read(ref);
  const asPath = path.resolve(cwd, ref);
  if (ref.includes(path.sep) || ref.startsWith(".")) {
    if (await isDir(asPath)) return new RunStore(path.dirname(asPath)).read(path.basename(asPath));
  }
  if (ref.length >= MIN_PREFIX) {
    const matches = (await store.ids()).filter((id) => id.startsWith(ref));
    if (matches.length === 1) return store.read(matches[0] as string);
    if (matches.length > 1) {
      throw new UsageError(
        `"${ref}" names ${matches.length} runs in ${root}: ${matches.slice(0, 5).join(", ")}${matches.length > 5 ? ", …" : ""}`,
        {
          hint: "Give more of the id.",
        },
      );
    }
  }
  if (await isDir(asPath)) return new RunStore(path.dirname(asPath)).read(path.basename(asPath));
  throw new UsageError(`run ${ref} not found in ${root}`, {
    hint: "`kindling runs` lists the runs; pass an id (or its start), `latest`, `latest~1`, or a run directory (and -c if the config puts runs elsewhere).",
  });
}

async function nthLatest(
  store: RunStore,
  n: number,
  ref: string,
  options: FindRunOptions,
): Promise<RunSummary> {
  const all = await store.list();
  if (all.length === 0) {
    throw new UsageError(`there are no runs in ${store.root}`, { hint: "Train one with `kindling run`." });
  }
  const candidates = options.complete ? all.filter((r) => r.complete) : all;
  const run = candidates[n];
  if (!run) {
    throw new UsageError(
      `${ref}: there ${candidates.length === 1 ? "is 1" : `are ${candidates.length}`}${options.complete ? " complete" : ""} run(s) in ${store.root}`,
      {
        hint: options.complete
          ? "Train one with `kindling run`; `kindling runs` shows how the others ended."
          : "`kindling runs` lists them.",
      },
    );
  }
  const newest = all[0] as RunSummary;
  if (options.complete && newest.id !== candidates[0]?.id) {
    options.io?.notify(
      CODES.RUN_LOOKUP.msg(
        `The newest run, ${newest.id}, is not complete (${newest.manifest?.status ?? "no manifest"}); ${ref} is ${run.id}, counting complete runs only.`,
        { asked: ref, runId: run.id, why: "newest run not complete" },
      ),
    );
  }
  return run;
}

async function isDir(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}
