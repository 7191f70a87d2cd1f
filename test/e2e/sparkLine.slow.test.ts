import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { buildCli, kindling } from "../helpers/cli.js";
import { tfidfOnlyConfig, writeCorpusSlice } from "../helpers/corpus.js";

/**
 * The Spark 4 line end to end on this machine: a config that picks it trains with PySpark 4.0 (the
 * checkout's .venv-spark-4.0, made by `npm test`'s set-up), its models record the line, and a config of the
 * other line refuses to score them before any Spark starts.
 */
const config = (line: string) => tfidfOnlyConfig("spark4", 2, [line]);

let dir: string;
let runId: string;
let runDir: string;

beforeAll(async () => {
  buildCli();
  dir = await mkdtemp(path.join(os.tmpdir(), "kindling-spark4-"));
  await writeCorpusSlice(path.join(dir, "slice.csv"), 15);
  await writeFile(path.join(dir, "kindling.yaml"), config('line: "4.0"'));
  await writeFile(
    path.join(dir, "emails.csv"),
    'text\n"win a free prize, click now"\n"minutes of the meeting"\n',
  );
  const run = await kindling(["run", "--json"], { cwd: dir });
  expect(run.code, run.stderr).toBe(0);
  ({ run_id: runId, run_dir: runDir } = JSON.parse(run.stdout));
});

describe('spark.line: "4.0"', () => {
  it("trains with PySpark 4.0 and records the line in the spec and the manifest", () => {
    const manifest = JSON.parse(readFileSync(path.join(runDir, "manifest.json"), "utf8"));
    expect(manifest).toMatchObject({ status: "succeeded" });
    expect(manifest.versions.spark).toMatch(/^4\.0\.\d+$/);
    const spec = JSON.parse(readFileSync(path.join(runDir, "spec.json"), "utf8"));
    expect(spec.spark.line).toBe("4.0");
  });

  it("scores with the same line", async () => {
    const result = await kindling(
      ["predict", "--run", runId, "--input", "emails.csv", "--output", "scored4.csv", "--json"],
      { cwd: dir },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ run_id: runId, rows: 2 });
  });

  it("a config of the other line refuses its models before Spark starts, naming the fix", async () => {
    await writeFile(path.join(dir, "spark35.yaml"), config('line: "3.5"'));
    const result = await kindling(
      ["predict", "-c", "spark35.yaml", "--run", runId, "--input", "emails.csv", "--output", "never.csv"],
      { cwd: dir },
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /models were saved by Spark 4\.0\.\d+; spark35\.yaml's spark\.line scores with Spark 3\.5\.\d+ \(line 3\.5\)/,
    );
    expect(result.stderr).toMatch(/Set spark\.line: "4\.0" in kindling\.yaml/);
    expect(result.stderr).not.toMatch(/Start Spark/);
    expect(existsSync(path.join(dir, "never.csv"))).toBe(false);
  });

  it("without a project config, scores on the line the run was trained on", async () => {
    const result = await kindling(
      [
        "predict",
        "-c",
        "absent.yaml",
        "--run",
        runId,
        "--input",
        "emails.csv",
        "--output",
        "scored.csv",
        "--json",
      ],
      { cwd: dir },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ rows: 2 });
  });

  it("doctor checks the PySpark of the config's line", async () => {
    const result = await kindling(["doctor", "--json"], { cwd: dir });
    const pyspark = JSON.parse(result.stdout).checks.find((c: { name: string }) => c.name === "PySpark");
    expect(pyspark).toMatchObject({ status: "ok" });
    expect(pyspark.detail).toMatch(
      /^4\.0\.\d+ on Python .*\.venv-spark-4\.0 .*same Spark as emr-spark-8\.0\.0/,
    );
  });
});
