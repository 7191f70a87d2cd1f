import { readFileSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { RunRow } from "../../src/cli/commands/runs.js";
import type { Manifest } from "../../src/runs/manifest.js";
import { buildCli, kindling } from "../helpers/cli.js";
import { tfidfOnlyConfig, writeCorpusSlice } from "../helpers/corpus.js";

// A 2 × 2 sweep on a slice of the demo corpus, with real Spark: four ordinary runs and their comparison.
let dir: string;

beforeAll(async () => {
  buildCli();
  dir = await mkdtemp(path.join(os.tmpdir(), "ksweep-"));
  await writeCorpusSlice(path.join(dir, "slice.csv"), 30);
  await writeFile(path.join(dir, "kindling.yaml"), tfidfOnlyConfig("sweep", 2));
}, 120_000);

describe("kindling sweep (real Spark)", () => {
  it("checks every combination first, then trains each as a tagged run and compares them", async () => {
    // A bad value in any combination stops the sweep before the first run, naming the --set.
    const bad = await kindling(["sweep", "--set", "train.folds=2,1", "--set", "train.grid.reg_param=0"], {
      cwd: dir,
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--set train.folds=1");
    expect((await kindling(["--json", "runs"], { cwd: dir })).stdout.trim()).toBe("[]");

    const sweep = await kindling(
      [
        "--json",
        "sweep",
        "--set",
        "features.tfidf.num_features=256,4096",
        "--set",
        "train.grid.reg_param=0,0.1",
        "--tag",
        "question=size",
      ],
      { cwd: dir, timeoutMs: 900_000 },
    );
    expect(sweep.code, sweep.stderr).toBe(0);
    const result = JSON.parse(sweep.stdout) as {
      sweep_id: string;
      runs: Array<{ run_id: string; overrides: string[]; status: string }>;
      comparison_html: string;
    };
    expect(result.runs.map((r) => [r.status, r.overrides])).toEqual([
      ["succeeded", ["--set features.tfidf.num_features=256", "--set train.grid.reg_param=0"]],
      ["succeeded", ["--set features.tfidf.num_features=256", "--set train.grid.reg_param=0.1"]],
      ["succeeded", ["--set features.tfidf.num_features=4096", "--set train.grid.reg_param=0"]],
      ["succeeded", ["--set features.tfidf.num_features=4096", "--set train.grid.reg_param=0.1"]],
    ]);
    // Each run is an ordinary run: tagged, its overrides in the manifest and its spec.
    const listed = JSON.parse(
      (await kindling(["--json", "runs", "--tag", `sweep=${result.sweep_id}`], { cwd: dir })).stdout,
    ) as RunRow[];
    expect(listed).toHaveLength(4);
    expect(listed.every((r) => r.tags.question === "size" && r.status === "succeeded")).toBe(true);
    const last = result.runs[3] as { run_id: string };
    const manifest = JSON.parse(
      readFileSync(path.join(dir, "runs", last.run_id, "manifest.json"), "utf8"),
    ) as Manifest;
    expect(manifest.overrides).toEqual([
      "--set features.tfidf.num_features=4096",
      "--set train.grid.reg_param=0.1",
    ]);
    const spec = JSON.parse(readFileSync(path.join(dir, "runs", last.run_id, "spec.json"), "utf8"));
    expect(spec.feature_sets[0].num_features).toBe(4096);
    expect(spec.training.model[0].grid.reg_param).toEqual([0.1]);

    // The comparison: four columns, the two settings that differ, and its page.
    const compare = await kindling(["compare", ...result.runs.map((r) => r.run_id)], { cwd: dir });
    expect(compare.stdout).toMatch(/features\.tfidf\.num_features: A 256 · B 256 · C 4096 · D 4096/);
    expect(compare.stdout).toMatch(/train\.grid\.reg_param: A \[0\] · B \[0\.1\] · C \[0\] · D \[0\.1\]/);
    const html = readFileSync(result.comparison_html, "utf8");
    expect(html).toContain("<h1>4 runs</h1>");
  }, 900_000);
});
