import { chmod, mkdir, mkdtemp, readdir, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  clearPreparedEntries,
  evictPreparedEntries,
  LocalPreparedStore,
  openLocalPreparedStore,
  preparedTextKey,
  withPreparedCache,
} from "../../src/cache/preparedText.js";
import { parseConfig } from "../../src/config/load.js";
import { compileSpec } from "../../src/spec/compile.js";
import type { JobSpec } from "../../src/spec/types.js";

function spec(yaml = "", runId = "20261207-120000-a"): JobSpec {
  const text = yaml.startsWith("data:") ? yaml : `data: { path: spam.csv }\n${yaml}`;
  return compileSpec(parseConfig(text, "k.yaml"), {
    runId,
    createdAt: new Date("2026-12-07T12:00:00Z"),
    kindlingVersion: "0.1.0",
    target: "local",
    inputUri: `file:///runs/${runId}/spam.csv`,
    outputUri: `file:///runs/${runId}`,
    successMarker: false,
  });
}

const SHA = "a".repeat(64);

describe("the prepared-text key", () => {
  const base = preparedTextKey(spec(), SHA);

  it("is the same for runs that differ only in what comes after the prepared text", () => {
    for (const yaml of [
      "features: { tfidf: { num_features: 1024 }, word2vec: { enabled: false } }",
      "train: { folds: 3, grid: { max_iter: [5] }, metric: accuracy, classifiers: [naive_bayes] }",
      "output: { write_features: true }",
      "data: { path: spam.csv, max_reject_fraction: 0.5 }",
    ]) {
      expect([yaml, preparedTextKey(spec(yaml), SHA)]).toEqual([yaml, base]);
    }
    expect(preparedTextKey(spec("", "20261207-130000-b"), SHA)).toBe(base);
  });

  it("changes with the input, its reading, the text settings, the split, the Spark line and Kindling", () => {
    const changed = (s: JobSpec, sha = SHA) => preparedTextKey(s, sha);
    expect(changed(spec(), "b".repeat(64))).not.toBe(base);
    for (const yaml of [
      "data: { path: spam.csv, text: body }",
      "data: { path: spam.csv, csv: { delimiter: ';' } }",
      "text: { lowercase: false }",
      "text: { stop_words: none }",
      "train: { train_fraction: 0.8 }",
      "train: { seed: 12 }",
      "train: { split: stratified }",
      'spark: { line: "4.0" }',
      "spark: { partitions: 8 }",
    ]) {
      expect([yaml, changed(spec(yaml))]).not.toEqual([yaml, base]);
    }
    const newer = spec();
    expect(changed({ ...newer, run: { ...newer.run, kindling_version: "0.2.0" } })).not.toBe(base);
  });

  it("names the entry under the cache root", () => {
    expect(withPreparedCache(spec(), "file:///c/prepared-text/", SHA).prepared_cache).toEqual({
      uri: `file:///c/prepared-text/${base}`,
    });
  });
});

async function entry(root: string, key: string, options: { createdAt?: string; bytes: number }) {
  await mkdir(path.join(root, key, "train"), { recursive: true });
  await writeFile(path.join(root, key, "train", "part-00000.parquet"), Buffer.alloc(options.bytes));
  if (options.createdAt) {
    const doc = { created_at: options.createdAt, run_id: `run-${key}` };
    await writeFile(path.join(root, key, "entry.json"), JSON.stringify(doc));
  }
}

describe("the local cache's entries", () => {
  it("live in a folder only the user reads (they hold the tokens of the user's data)", async () => {
    const scratch = await mkdtemp(path.join(os.tmpdir(), "kprep-"));
    const root = path.join(scratch, "kindling", "prepared-text");
    expect((await openLocalPreparedStore(root))?.uri).toBe(`file://${root}`);
    expect((await stat(root)).mode & 0o777).toBe(0o700);
    await chmod(root, 0o755);
    await openLocalPreparedStore(root);
    expect((await stat(root)).mode & 0o777).toBe(0o700);
    // A cache that cannot be made leaves the run uncached rather than failing it.
    await writeFile(path.join(scratch, "file"), "");
    expect(await openLocalPreparedStore(path.join(scratch, "file", "prepared-text"))).toBeUndefined();
  });

  it("lists complete and partial entries oldest first, with their size and builder", async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), "kprep-"));
    await entry(root, "new", { createdAt: "2026-12-07T10:00:00Z", bytes: 100 });
    await entry(root, "old", { createdAt: "2026-01-01T10:00:00Z", bytes: 200 });
    await entry(root, "partial", { bytes: 50 });

    const entries = await new LocalPreparedStore(root).list();

    expect(entries.map((e) => [e.key, e.complete, e.builtBy])).toEqual([
      ["old", true, "run-old"],
      ["new", true, "run-new"],
      ["partial", false, undefined], // its folder's time: now
    ]);
    expect(entries[0]?.bytes).toBeGreaterThan(200);
    expect(await new LocalPreparedStore(path.join(root, "missing")).list()).toEqual([]);
  });

  it("evicts the oldest first until the rest fit, the run's own entry last", async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), "kprep-"));
    await entry(root, "a", { createdAt: "2026-01-01T00:00:00Z", bytes: 1000 });
    await entry(root, "b", { createdAt: "2026-02-01T00:00:00Z", bytes: 1000 });
    await entry(root, "c", { createdAt: "2026-03-01T00:00:00Z", bytes: 1000 });

    expect((await evictPreparedEntries(new LocalPreparedStore(root), 10_000)).map((e) => e.key)).toEqual([]);
    // The run reused "a", the oldest: it is kept, the next oldest go.
    expect((await evictPreparedEntries(new LocalPreparedStore(root), 1500, "a")).map((e) => e.key)).toEqual([
      "b",
      "c",
    ]);
    expect(await readdir(root)).toEqual(["a"]);
    // An entry larger than the limit by itself goes too.
    expect((await evictPreparedEntries(new LocalPreparedStore(root), 10, "a")).map((e) => e.key)).toEqual([
      "a",
    ]);
    expect(await readdir(root)).toEqual([]);
  });

  it("clears every entry, or those whose keys start as given", async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), "kprep-"));
    for (const key of ["1a2b", "1a3c", "9f00"])
      await entry(root, key, { createdAt: "2026-01-01T00:00:00Z", bytes: 1 });

    // A start that names several entries, or none, removes nothing.
    await expect(clearPreparedEntries(new LocalPreparedStore(root), ["9f00", "1a"])).rejects.toThrow(
      /2 prepared-text cache entries' keys start with "1a": 1a2b, 1a3c/,
    );
    await expect(clearPreparedEntries(new LocalPreparedStore(root), [""])).rejects.toThrow(
      /No prepared-text cache entry/,
    );
    expect(await readdir(root)).toEqual(["1a2b", "1a3c", "9f00"]);
    expect((await clearPreparedEntries(new LocalPreparedStore(root), ["1a3"])).map((e) => e.key)).toEqual([
      "1a3c",
    ]);
    expect((await clearPreparedEntries(new LocalPreparedStore(root))).map((e) => e.key)).toEqual([
      "1a2b",
      "9f00",
    ]);
    expect(await readdir(root)).toEqual([]);
  });
});
