import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliResult, ROOT, runCommand } from "../helpers/cli.js";
import { writeCorpusSlice } from "../helpers/corpus.js";

const exec = promisify(execFile);

// Kindling as a user gets it: `npm pack` of this checkout, installed into an empty prefix, run from a
// project folder outside the repository, with a per-user cache of its own (so the Python environment is
// made on first use, as on a new machine; pip's own wheel cache still saves the download).
let scratch: string;
let tarball: string;
let bin: string;
let project: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  scratch = mkdtempSync(path.join(os.tmpdir(), "kindling-install-"));
  // dist/ is built by the test set-up; --ignore-scripts keeps prepack from rebuilding it under other tests.
  const { stdout } = await exec(
    "npm",
    ["pack", "--ignore-scripts", "--json", "--pack-destination", scratch],
    { cwd: ROOT },
  );
  const packed = JSON.parse(stdout)[0] as { filename: string };
  tarball = path.join(scratch, packed.filename);
  const prefix = path.join(scratch, "prefix");
  await exec(
    "npm",
    ["install", "--global", "--prefix", prefix, "--no-audit", "--no-fund", "--prefer-offline", tarball],
    { cwd: scratch },
  );
  bin = path.join(prefix, "bin", "kindling");
  project = path.join(scratch, "project");
  env = { KINDLING_CACHE_DIR: path.join(scratch, "cache"), KINDLING_VENV: "" };
}, 300_000);

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const cli = (args: string[], cwd = project): Promise<CliResult> =>
  runCommand(bin, args, { cwd, env, timeoutMs: 600_000 });

describe("the npm package, installed outside the repository", () => {
  it("ships what runs and nothing of the checkout", async () => {
    const { stdout } = await exec("tar", ["-tzf", tarball]);
    const files = stdout.trim().split("\n");
    expect(files).toContain("package/bin/kindling.js");
    expect(files).toContain("package/dist/cli/main.js");
    expect(files).toContain("package/dist/targets/emr/prices.json");
    expect(files).toContain("package/spark/kindling_job/__init__.py");
    expect(files).toContain("package/spark/requirements.txt");
    expect(files).toContain("package/schema/kindling.schema.json");
    expect(files).toContain("package/versions.json");
    const leaked = files.filter((f) =>
      /^package\/(src|test|scripts|bench|infra|\.venv|spark\/tests)\/|\.map$|tsbuildinfo/.test(f),
    );
    expect(leaked).toEqual([]);
    const manifest = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8"));
    expect(manifest.private).toBeUndefined();
  });

  it("validates and trains in a project folder of its own, making its Python on first use", async () => {
    mkdirSync(project, { recursive: true });
    await writeCorpusSlice(path.join(project, "slice.csv"), 40);
    writeFileSync(
      path.join(project, "kindling.yaml"),
      [
        "project: installed",
        "data: { path: slice.csv }",
        "features: { tfidf: { enabled: false }, word2vec: { enabled: false } }",
        "train: { grid: { max_iter: [10] } }",
        "",
      ].join("\n"),
    );

    const validated = await cli(["validate"]);
    expect(validated.code, validated.stderr).toBe(0);

    // Not made yet: doctor says so, and how (under --json the error carries every check).
    const doctorBefore = await cli(["doctor", "--json"]);
    expect(doctorBefore.code).toBe(1);
    const before = JSON.parse(doctorBefore.stdout).error.checks.find(
      (c: { name: string }) => c.name === "PySpark",
    );
    expect(before).toMatchObject({ status: "fail", fix: expect.stringMatching(/kindling setup/) });

    const run = await cli(["run", "--events", "jsonl"]);
    expect(run.code, run.stderr).toBe(0);
    const events = run.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { code: string; span?: string; data: Record<string, unknown> });
    const install = events.filter((e) => e.code === "KND_I1015").map((e) => e.span);
    expect(install).toEqual(["start", "end"]);
    const result = events.find((e) => e.code === "KND_R9001")?.data as {
      run_dir: string;
      best: { accuracy: number };
    };
    expect(result.run_dir.startsWith(project)).toBe(true);
    expect(existsSync(path.join(result.run_dir, "_SUCCESS"))).toBe(true);
    expect(result.best.accuracy).toBeGreaterThan(0.5);
    // Progress inside cross-validation: every fit it evaluated, on the training stage's span.
    const fits = events
      .filter((e) => e.code === "KND_I3001" && e.span === "update" && e.data.event === "cv_progress")
      .map((e) => e.data as { stage: string; done: number; total: number });
    expect(fits.length).toBeGreaterThan(0);
    expect(fits.every((f) => f.stage.startsWith("train:"))).toBe(true);
    expect(fits.filter((f) => f.done === f.total).length).toBe(new Set(fits.map((f) => f.stage)).size);

    // Made once: the next command finds it in the cache, and doctor says where it is.
    const doctor = await cli(["doctor", "--json"]);
    const check = JSON.parse(doctor.stdout).checks.find((c: { name: string }) => c.name === "PySpark");
    expect(check).toMatchObject({ status: "ok" });
    expect(check.detail).toMatch(/per-user cache/);
    const again = await cli(["setup"]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).not.toMatch(/Installing PySpark/);
  });
});
