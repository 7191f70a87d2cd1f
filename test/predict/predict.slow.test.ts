import { execFileSync } from "node:child_process";
import { cpSync, existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parse } from "csv-parse/sync";
import { beforeAll, describe, expect, it } from "vitest";
import { buildCli, kindling, ROOT } from "../helpers/cli.js";
import { tfidfOnlyConfig, writeCorpusSlice } from "../helpers/corpus.js";

/**
 * Train on a slice of the real corpus, then score the rows the run held out for its test split: the
 * predictions must reproduce the run's own confusion matrix for that feature set, exactly. One feature set
 * and one grid point keep the training short; spark.partitions is fixed so the split can be rebuilt.
 */
const CONFIG = tfidfOnlyConfig("predict", 4);

let dir: string;
let runId: string;
let runDir: string;

beforeAll(async () => {
  buildCli();
  dir = await mkdtemp(path.join(os.tmpdir(), "kindling-predict-"));
  await writeCorpusSlice(path.join(dir, "slice.csv"), 20);
  await writeFile(path.join(dir, "kindling.yaml"), CONFIG);
  const run = await kindling(["run", "--json"], { cwd: dir });
  expect(run.code, run.stderr).toBe(0);
  ({ run_id: runId, run_dir: runDir } = JSON.parse(run.stdout));
  // The test split, rebuilt by the job's own functions (spark/tests/held_out_rows.py).
  execFileSync(
    path.join(ROOT, ".venv", "bin", "python"),
    [
      path.join(ROOT, "spark", "tests", "held_out_rows.py"),
      "--spec",
      path.join(runDir, "spec.json"),
      "--out",
      path.join(dir, "held_out.csv"),
    ],
    {
      env: {
        ...process.env,
        PYTHONPATH: path.join(ROOT, "spark"),
        PATH: `${path.join(ROOT, ".venv", "bin")}:${process.env.PATH}`,
      },
      stdio: "ignore",
    },
  );
});

function readCsv(file: string): Array<Record<string, string>> {
  return parse(readFileSync(file, "utf8"), { columns: true }) as Array<Record<string, string>>;
}

describe("kindling predict (local Spark, real corpus slice)", () => {
  it("scores held-out rows exactly as the run's evaluation did", async () => {
    const held = readCsv(path.join(dir, "held_out.csv"));
    const result = await kindling(
      ["predict", "--run", runId, "--input", "held_out.csv", "--output", "scored.csv", "--json"],
      { cwd: dir },
    );
    expect(result.code, result.stderr).toBe(0);
    const out = JSON.parse(result.stdout);
    expect(out).toMatchObject({ run_id: runId, feature_set: "tfidf", rows: held.length, format: "csv" });

    const scored = readCsv(path.join(dir, "scored.csv"));
    expect(Object.keys(scored[0] ?? {})).toEqual([
      "text",
      "label",
      "predicted_label",
      "probability",
      "probability_ham",
      "probability_spam",
    ]);
    expect(scored.map((r) => r.text)).toEqual(held.map((r) => r.text)); // raw emails survive, in order

    const metrics = JSON.parse(readFileSync(path.join(runDir, "metrics.json"), "utf8"));
    const { labels, matrix } = metrics.feature_sets.tfidf.confusion_matrix as {
      labels: string[];
      matrix: number[][];
    };
    const ours = labels.map((actual) =>
      labels.map(
        (predicted) => scored.filter((r) => r.label === actual && r.predicted_label === predicted).length,
      ),
    );
    expect(ours).toEqual(matrix);
    expect(out.predicted).toEqual(
      Object.fromEntries(labels.map((l) => [l, scored.filter((r) => r.predicted_label === l).length])),
    );
    for (const r of scored) {
      expect(Number(r.probability_ham) + Number(r.probability_spam)).toBeCloseTo(1, 6);
    }
  });

  it("words joined by line breaks or punctuation score like the same words spaced (the seed's cleaning glued them)", async () => {
    await writeFile(
      path.join(dir, "joined.csv"),
      'text\n"refund invoice charged twice"\n"refund\ninvoice\ncharged\ntwice"\n"refund,invoice,charged,twice"\n""\n',
    );
    const result = await kindling(
      ["predict", "--run", runId, "--input", "joined.csv", "--output", "joined-scored.csv"],
      { cwd: dir },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/1 row has no text \(null or blank\): training dropped such rows/);
    const [spaced, lines, commas, empty] = readCsv(path.join(dir, "joined-scored.csv")).map(
      (r) => r.probability_spam,
    );
    expect([lines, commas]).toEqual([spaced, spaced]);
    expect(spaced).not.toBe(empty); // the words count: the default cleaning kept them
  });

  it("never overwrites without --force, and leaves no scratch files behind", async () => {
    const before = readFileSync(path.join(dir, "scored.csv"), "utf8");
    const again = await kindling(
      ["predict", "--run", runId, "--input", "held_out.csv", "--output", "scored.csv"],
      { cwd: dir },
    );
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists/);
    expect(again.stderr).toMatch(/--force/);
    expect(readFileSync(path.join(dir, "scored.csv"), "utf8")).toBe(before);
    expect(readdirSync(dir).filter((f) => f.includes(".kindling-"))).toEqual([]);
  });

  it("refuses input without the text column before Spark starts, listing its columns", async () => {
    await writeFile(path.join(dir, "wrong.csv"), "id,body\n1,hello\n");
    const result = await kindling(
      ["predict", "--run", runId, "--input", "wrong.csv", "--output", "never.csv"],
      { cwd: dir },
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/has no "text" column .* its columns are: id, body/);
    expect(result.stderr).not.toMatch(/Start Spark/);
    expect(existsSync(path.join(dir, "never.csv"))).toBe(false);
  });

  it("has a report, and lists and compares the run without Spark", async () => {
    expect(readFileSync(path.join(runDir, "report.html"), "utf8")).toContain("<svg");
    const report = await kindling(["report", "latest", "--json"], { cwd: dir });
    expect(report.code, report.stderr).toBe(0);
    expect(JSON.parse(report.stdout)).toMatchObject({ run_id: runId, status: "succeeded" });
    const runs = await kindling(["runs", "--json"], { cwd: dir });
    expect(JSON.parse(runs.stdout)[0]).toMatchObject({ id: runId, best: "tfidf", status: "succeeded" });
    // The same run under a second id: the same config, data and versions.
    const twin = `${runId.slice(0, -4)}0000`;
    cpSync(runDir, path.join(dir, "runs", twin), { recursive: true });
    const compare = await kindling(["compare", runId, twin], { cwd: dir });
    expect(compare.code, compare.stderr).toBe(0);
    expect(compare.stdout).toMatch(/Same config/);
    const twice = await kindling(["compare", runId, runId], { cwd: dir });
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain("named twice");
  });
});
