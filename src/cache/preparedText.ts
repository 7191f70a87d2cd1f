import { chmod, mkdir, readdir, readFile, rm, stat } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { UsageError } from "../errors.js";
import { cacheDir } from "../packaging/cache.js";
import { hashJson, PRIVATE_DIR } from "../runs/files.js";
import type { JobSpec } from "../spec/types.js";
import { displayPath } from "../ui/format.js";

/**
 * The prepared-text cache (docs/job-spec.md): the split's label and tokens of earlier runs, reused by a
 * run whose input, text and split settings, Spark line and Kindling version are the same. The job reads,
 * checks and writes the entries; the CLI names them, lists them, and keeps the cache under its size limit.
 */

/** Bumped when what an entry holds changes in a way older entries cannot serve. */
const KEY_FORMAT = 1;
/** The file the job writes last: an entry without it is partial. */
export const ENTRY_FILE = "entry.json";

/** The folder of local (and standalone) runs' entries, in the per-user cache: shared across projects. */
export function localPreparedRoot(env = process.env): string {
  return path.join(cacheDir(env), "prepared-text");
}

/**
 * Where entries live and how they are listed and removed: a local folder (local and standalone runs) or
 * a prefix of the data bucket (cloud runs; s3PreparedStore.ts). The job reads and writes the entries.
 */
export interface PreparedStore {
  /** The root the job is given (file:// or s3://). */
  readonly uri: string;
  /** The root as a person reads it. */
  readonly display: string;
  /** The entries, oldest first. */
  list(): Promise<PreparedEntry[]>;
  remove(entry: PreparedEntry): Promise<void>;
}

/**
 * The local cache folder, made if need be and private (0700): entries hold the tokens of the user's data,
 * readable by no one else. Undefined when it cannot be made: the run goes on uncached.
 */
export async function openLocalPreparedStore(
  root = localPreparedRoot(),
): Promise<LocalPreparedStore | undefined> {
  try {
    await mkdir(root, { recursive: true, mode: PRIVATE_DIR });
    await chmod(root, PRIVATE_DIR);
    return new LocalPreparedStore(root);
  } catch {
    return undefined;
  }
}

/**
 * The entry's name: a hash of everything the prepared rows depend on that the CLI knows. The job checks
 * the rest (the exact Spark version, the partition count it computes from the cores it sees).
 */
export function preparedTextKey(spec: JobSpec, inputSha256: string): string {
  const { input, text, training, spark, run } = spec;
  return hashJson({
    format: KEY_FORMAT,
    input: {
      sha256: inputSha256,
      format: input.format,
      text_column: input.text_column,
      label_column: input.label_column,
      csv: input.csv,
    },
    text,
    split: training.split,
    spark: { line: spark.line, partitions: spark.partitions },
    kindling: run.kindling_version,
  }).slice(0, 32);
}

/** The spec with its prepared-text entry under `root` (a file:// or s3:// URI). */
export function withPreparedCache(spec: JobSpec, root: string, inputSha256: string): JobSpec {
  return {
    ...spec,
    prepared_cache: { uri: `${root.replace(/\/+$/, "")}/${preparedTextKey(spec, inputSha256)}` },
  };
}

export interface PreparedEntry {
  key: string;
  bytes: number;
  /** When the job stored it; for a partial entry, when its folder last changed. */
  createdAt: Date;
  /** The run that stored it; absent for a partial entry. */
  builtBy?: string;
  /** False for a partial or unreadable entry: the next run with its key rebuilds it. */
  complete: boolean;
}

/** Oldest first; the same age by key, so the order never depends on how a listing came back. */
export function oldestFirst(entries: PreparedEntry[]): PreparedEntry[] {
  return [...entries].sort(
    (a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.key.localeCompare(b.key),
  );
}

/** The entries of a folder, one subfolder each. */
export class LocalPreparedStore implements PreparedStore {
  readonly uri: string;
  readonly display: string;

  constructor(readonly root: string) {
    this.uri = pathToFileURL(root).href;
    this.display = displayPath(root);
  }

  async list(): Promise<PreparedEntry[]> {
    let names: string[];
    try {
      names = (await readdir(this.root, { withFileTypes: true }))
        .filter((d) => d.isDirectory())
        .map((d) => d.name);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw error;
    }
    // A folder that goes while being read (another run's eviction, `cache clear`) is simply not listed.
    const read = await Promise.all(names.map((key) => this.read(key).catch(ignoreGone)));
    return oldestFirst(read.filter((e): e is PreparedEntry => e !== undefined));
  }

  async remove(entry: PreparedEntry): Promise<void> {
    await rm(path.join(this.root, entry.key), { recursive: true, force: true });
  }

  private async read(key: string): Promise<PreparedEntry> {
    const dir = path.join(this.root, key);
    const bytes = await sizeOf(dir);
    const described = describedEntry(
      key,
      bytes,
      await readFile(path.join(dir, ENTRY_FILE), "utf8").catch(() => undefined),
    );
    return described ?? { key, bytes, createdAt: (await stat(dir)).mtime, complete: false };
  }
}

/**
 * A complete entry from its entry.json text; undefined without one (still being written, or a run stopped
 * while writing it) or with one that is not an entry's.
 */
export function describedEntry(
  key: string,
  bytes: number,
  text: string | undefined,
): PreparedEntry | undefined {
  if (text === undefined) return undefined;
  try {
    const entry = JSON.parse(text) as { created_at?: unknown; run_id?: unknown };
    const createdAt = new Date(String(entry.created_at));
    if (typeof entry.run_id === "string" && !Number.isNaN(createdAt.getTime())) {
      return { key, bytes, createdAt, builtBy: entry.run_id, complete: true };
    }
  } catch {
    // Not JSON: listed as partial.
  }
  return undefined;
}

function ignoreGone(error: unknown): undefined {
  if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
  throw error;
}

async function sizeOf(dir: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) total += (await stat(path.join(e.parentPath, e.name))).size;
  }
  return total;
}

/**
 * Removes the entries named by their keys or unique starts of them (every entry without names); returns
 * those removed. A start that names no entry, or several, is refused before anything is removed.
 */
export async function clearPreparedEntries(
  store: PreparedStore,
  keys?: readonly string[],
): Promise<PreparedEntry[]> {
  const entries = await store.list();
  const chosen = keys ? keys.map((k) => uniqueEntry(entries, k)) : entries;
  for (const entry of chosen) await store.remove(entry);
  return chosen;
}

function uniqueEntry(entries: PreparedEntry[], start: string): PreparedEntry {
  const matches = start ? entries.filter((e) => e.key.startsWith(start)) : [];
  if (matches.length === 1) return matches[0] as PreparedEntry;
  throw new UsageError(
    matches.length === 0
      ? `No prepared-text cache entry's key starts with ${JSON.stringify(start)}.`
      : `${matches.length} prepared-text cache entries' keys start with ${JSON.stringify(start)}: ${matches.map((e) => e.key.slice(0, 12)).join(", ")}.`,
    { hint: "Give more of the key; `kindling cache list` shows them." },
  );
}

/**
 * Keeps the cache within `maxBytes`: removes the oldest entries first until the rest fit. `keep` (the
 * entry the run just used or stored) goes last, so a cache larger than its limit keeps the newest work.
 */
export async function evictPreparedEntries(
  store: PreparedStore,
  maxBytes: number,
  keep?: string,
): Promise<PreparedEntry[]> {
  const entries = await store.list();
  const order = [...entries.filter((e) => e.key !== keep), ...entries.filter((e) => e.key === keep)];
  let total = entries.reduce((sum, e) => sum + e.bytes, 0);
  const removed: PreparedEntry[] = [];
  for (const entry of order) {
    if (total <= maxBytes) break;
    await store.remove(entry);
    total -= entry.bytes;
    removed.push(entry);
  }
  return removed;
}

/** The key of an entry URI: its last segment. */
export function entryKey(uri: string): string {
  return uri.replace(/\/+$/, "").split("/").at(-1) ?? "";
}
