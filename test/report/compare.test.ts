import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { renderComparison } from "../../src/cli/commands/compare.js";
import { type runRow, runsCommand } from "../../src/cli/commands/runs.js";
import { compareRuns } from "../../src/report/compare.js";
import { RunStore } from "../../src/runs/store.js";
import { recordingIo } from "../helpers/io.js";
import { clone, fixtureSources } from "./fixtures.js";

describe("compareRuns", () => {
  it("puts two runs side by side with B − A and lists changed settings A → B", async () => {
    const a = await fixtureSources();
    const b = clone(a);
    b.manifest.run_id = "20261128-090000-spam-0b0b";
    b.manifest.config_hash = "different";
    b.manifest.input.sha256 = "f".repeat(64);
    b.manifest.duration_seconds = (a.manifest.duration_seconds ?? 0) + 30;
    const tfidf = b.metrics?.feature_sets.tfidf;
    if (!tfidf || !b.metrics) throw new Error("fixture has tfidf");
    tfidf.accuracy += 0.02;
    const tfidfSpec = b.spec.feature_sets.find((f) => f.name === "tfidf");
    if (tfidfSpec?.kind !== "tfidf") throw new Error("fixture has tfidf");
    tfidfSpec.num_features = 1000;
    b.spec.training.cv.folds = 3;
    b.spec.run.id = b.manifest.run_id; // identity is not a difference

    const c = compareRuns([a, b]);

    const accuracy = c.metrics.find((m) => m.model === "tfidf" && m.metric === "accuracy");
    expect(accuracy?.deltas[1]).toBeCloseTo(0.02);
    expect(accuracy?.best).toEqual([1]);
    const f1 = c.metrics.find((m) => m.model === "word2vec" && m.metric === "f1");
    expect(f1?.deltas).toEqual([0, 0]);
    expect(f1?.best).toEqual([]); // a tie has no winner
    expect(c.sameConfig).toBe(false);
    expect(c.differences).toEqual([
      { key: "features.tfidf.num_features", values: ["250", "1000"] },
      { key: "train.folds", values: ["2", "3"] },
      {
        key: "data.sha256",
        values: [JSON.stringify(a.manifest.input.sha256), JSON.stringify("f".repeat(64))],
      },
    ]);
    const cv = c.metrics.find((m) => m.model === "tfidf" && m.metric === "cv_best");
    expect(cv?.values[0]).toBe(a.metrics?.feature_sets.tfidf?.cv_best);
    const text = renderComparison(c);
    expect(text).toMatch(/tfidf\s*│\s*Accuracy\s*│\s*93\.9%\s*│\s*95\.9% \*\s*│\s*\+2\.0 pts/);
    expect(text).toMatch(/tfidf\s*│\s*CV f1\s*│\s*0\.\d{3}\s*│\s*0\.\d{3}\s*│\s*0\.000/);
    expect(text).toMatch(/Duration: A 49\.6 s, B 1 min 20 s \(\+30 s\)\./);
    expect(text).toContain("features.tfidf.num_features: 250 → 1000");
  });

  it("compares three runs: a column each, the best marked, every value that differs", async () => {
    const a = await fixtureSources();
    const runs = [250, 1000, 4000].map((n, i) => {
      const run = clone(a);
      run.manifest.run_id = `20261128-09000${i}-spam-0b0${i}`;
      run.manifest.tags = { sweep: `s${i}` };
      const set = run.spec.feature_sets.find((f) => f.name === "tfidf");
      if (set?.kind !== "tfidf" || !run.metrics?.feature_sets.tfidf) throw new Error("fixture has tfidf");
      set.num_features = n;
      run.metrics.feature_sets.tfidf.accuracy = [0.9, 0.95, 0.93][i] as number;
      return run;
    });
    const c = compareRuns(runs);
    const accuracy = c.metrics.find((m) => m.model === "tfidf" && m.metric === "accuracy");
    expect(accuracy?.values).toEqual([0.9, 0.95, 0.93]);
    expect(accuracy?.best).toEqual([1]);
    expect(accuracy?.deltas.map((d) => (d === null ? null : Number(d.toFixed(6))))).toEqual([0, 0.05, 0.03]);
    expect(c.differences).toEqual([{ key: "features.tfidf.num_features", values: ["250", "1000", "4000"] }]);
    expect(c.runs.map((r) => r.tags)).toEqual([{ sweep: "s0" }, { sweep: "s1" }, { sweep: "s2" }]);
    const text = renderComparison(c);
    expect(text).toMatch(/tfidf\s*│\s*Accuracy\s*│\s*90\.0%\s*│\s*95\.0% \*\s*│\s*93\.0%\s*│/);
    expect(text).not.toContain("B − A");
    expect(text).toContain("features.tfidf.num_features: A 250 · B 1000 · C 4000");
    expect(text).toMatch(/^C: 20261128-090002-spam-0b02 \(best \w+; sweep=s2\)$/m);
  });

  it("does not rank cross-validation scores of different metrics", async () => {
    const a = await fixtureSources();
    const b = clone(a);
    b.manifest.run_id = "20261128-090000-spam-0b0b";
    for (const set of Object.values(b.metrics?.feature_sets ?? {})) set.cv_metric = "areaUnderROC";
    const c = compareRuns([a, b]);
    const cv = c.metrics.find((m) => m.model === "tfidf" && m.metric === "cv_best");
    expect(cv?.best).toEqual([]);
    expect(cv?.deltas).toEqual([null, null]);
    expect(renderComparison(c)).toContain("CV score (f1 / areaUnderROC: not comparable)");
  });

  it("says so when the runs share their config, data and versions", async () => {
    const a = await fixtureSources();
    const c = compareRuns([a, clone(a)]);
    expect(c.differences).toEqual([]);
    expect(c.sameConfig).toBe(true);
    expect(renderComparison(c)).toMatch(/Same config \(hash [0-9a-f]{12}\), same data and versions\./);
  });

  it("shows a model only one run has, and runs without metrics", async () => {
    const a = await fixtureSources();
    const b = clone(a);
    if (!b.metrics) throw new Error("fixture has metrics");
    delete b.metrics.feature_sets.word2vec;
    const c = compareRuns([a, b]);
    const w2v = c.metrics.filter((m) => m.model === "word2vec");
    expect(w2v.every((m) => m.values[1] === null && m.deltas[1] === null && m.best.length === 0)).toBe(true);
    expect(
      compareRuns([
        { ...a, metrics: undefined },
        { ...b, metrics: undefined },
      ]).metrics,
    ).toEqual([]);
  });
});

describe("kindling runs", () => {
  it("lists runs newest first with best set, accuracy and duration (numbers in --json)", async () => {
    const cwd = await mkdtemp(path.join(os.tmpdir(), "kruns-"));
    const root = path.join(cwd, "runs"); // no config: runs/ under the working folder
    const store = new RunStore(root);
    const { manifest } = await fixtureSources();
    const older = await store.create("spam", new Date("2026-01-01T00:00:00Z"));
    const newer = await store.create("spam", new Date("2026-06-01T00:00:00Z"));
    await store.writeManifest(older.dir, { ...manifest, run_id: older.id });
    await writeFile(path.join(older.dir, "_SUCCESS"), "");
    await store.writeManifest(newer.dir, {
      ...manifest,
      run_id: newer.id,
      status: "failed",
      best: undefined,
      duration_seconds: 3,
      failure: { stage: "train:tfidf", kind: "Killed", message: "Spark's JVM was killed (SIGKILL)" },
    });
    await mkdir(path.join(root, "not-a-run"));

    const r = recordingIo(cwd);
    await runsCommand({ json: false, verbose: false, config: "absent.yaml" }, r.io);

    const rows = r.json<ReturnType<typeof runRow>[]>();
    expect(rows.map((r) => [r.id, r.status, r.best, r.accuracy, r.duration_seconds, r.failure])).toEqual([
      [newer.id, "failed", undefined, undefined, 3, { stage: "train:tfidf", kind: "Killed" }],
      [older.id, "succeeded", "hashing_tf", manifest.best?.accuracy, manifest.duration_seconds, undefined],
    ]);
    const table = r.host.text();
    expect(table).toMatch(/failed \(Killed at train:tfidf\)/);
    expect(table.indexOf(newer.id)).toBeLessThan(table.indexOf(older.id));
    expect(table).toMatch(/hashing_tf\s*│\s*93\.9%\s*│\s*49\.6 s/);
    expect(table).toContain("spam-assassin.csv");
  });
});
