import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Metrics } from "../../src/runs/metrics.js";
import type { ExportResult } from "../../src/tracking/mlflowExport.js";
import { buildCli, kindling } from "../helpers/cli.js";
import { tfidfOnlyConfig, writeCorpusSlice } from "../helpers/corpus.js";
import { MLFLOW_VENV, type MlflowServer, startMlflow } from "./server.js";

// `kindling export mlflow` against a real MLflow tracking server, read back with MLflow's own client; the
// model is loaded with mlflow.spark.load_model and must predict what `kindling predict` predicts.
const run = promisify(execFile);
let mlflow: MlflowServer;
let dir: string;
let runId: string;

interface ReadBack {
  status: string;
  params: Record<string, string>;
  metrics: Record<string, number>;
  history: Record<string, number>;
  tags: Record<string, string>;
  artifacts: string[];
  experiment_runs: number;
  labels: string[];
}

async function readBack(mlflowRunId: string): Promise<ReadBack> {
  const { stdout } = await run(
    path.join(MLFLOW_VENV, "bin", "python"),
    [path.join(import.meta.dirname, "read_back.py"), mlflow.uri, mlflowRunId, path.join(dir, "slice.csv")],
    { maxBuffer: 64 * 1024 * 1024, timeout: 300_000 },
  );
  return JSON.parse(stdout.trim().split("\n").at(-1) as string) as ReadBack;
}

beforeAll(async () => {
  buildCli();
  mlflow = await startMlflow();
  dir = await mkdtemp(path.join(os.tmpdir(), "kmlflow-"));
  await writeCorpusSlice(path.join(dir, "slice.csv"), 30);
  await writeFile(path.join(dir, "kindling.yaml"), tfidfOnlyConfig("mlx", 2));
  const trained = await kindling(["--json", "run", "--tag", "team=search", "--note", "first try"], {
    cwd: dir,
    timeoutMs: 600_000,
  });
  if (trained.code !== 0) throw new Error(trained.stderr);
  runId = JSON.parse(trained.stdout).run_id;
}, 900_000);

afterAll(async () => {
  await mlflow?.stop();
});

describe("kindling export mlflow (real MLflow server)", () => {
  it("exports settings, metrics, tags, files and a model MLflow loads and that predicts like kindling predict", async () => {
    const exported = await kindling(["--json", "export", "mlflow", runId, "--tracking-uri", mlflow.uri], {
      cwd: dir,
    });
    expect(exported.code, exported.stderr).toBe(0);
    const [result] = JSON.parse(exported.stdout) as ExportResult[];
    expect(result).toMatchObject({ runId, existing: false, experimentId: expect.any(String) });

    // Twice is still one MLflow run.
    const again = await kindling(["export", "mlflow", runId, "--tracking-uri", mlflow.uri], { cwd: dir });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(`was exported before: MLflow run ${result?.mlflowRunId}`);

    const back = await readBack(result?.mlflowRunId as string);
    expect(back.status).toBe("FINISHED");
    expect(back.experiment_runs).toBe(1);
    expect(back.tags).toMatchObject({
      "kindling.run_id": runId,
      "kindling.target": "local",
      team: "search",
      "mlflow.note.content": "first try",
    });
    expect(back.tags["kindling.input_sha256"]).toMatch(/^[0-9a-f]{64}$/);
    expect(back.params["features.tfidf.num_features"]).toBe("250");
    expect(back.params["train.folds"]).toBe("2");
    const metrics = JSON.parse(
      readFileSync(path.join(dir, "runs", runId, "metrics.json"), "utf8"),
    ) as Metrics;
    const tfidf = metrics.feature_sets.tfidf;
    expect(back.metrics["tfidf.accuracy"]).toBeCloseTo(tfidf?.accuracy as number, 12);
    expect(back.metrics.accuracy).toBeCloseTo(tfidf?.accuracy as number, 12);
    expect(back.history[`tfidf.cv_${tfidf?.cv_metric}`]).toBe(tfidf?.cv_scores.length);
    expect(back.artifacts).toEqual([
      "job.json",
      "manifest.json",
      "metrics.json",
      "model",
      "report.html",
      "spec.json",
    ]);

    // The model, loaded by MLflow, labels the rows as `kindling predict` does.
    const predicted = await kindling(
      ["predict", "--run", runId, "--input", "slice.csv", "--output", "scored.csv"],
      { cwd: dir, timeoutMs: 600_000 },
    );
    expect(predicted.code, predicted.stderr).toBe(0);
    const rows = parse(readFileSync(path.join(dir, "scored.csv")), { columns: true }) as Array<{
      predicted_label: string;
    }>;
    expect(back.labels).toHaveLength(rows.length);
    expect(back.labels).toEqual(rows.map((r) => r.predicted_label));
  }, 900_000);

  it("a run exports itself when MLFLOW_TRACKING_URI is set; an export to a server that is down fails, saying so", async () => {
    const env = { MLFLOW_TRACKING_URI: mlflow.uri, MLFLOW_EXPERIMENT_NAME: "auto" };
    const trained = await kindling(["run"], { cwd: dir, env, timeoutMs: 600_000 });
    expect(trained.code, trained.stderr).toBe(0);
    expect(trained.stdout + trained.stderr).toMatch(
      new RegExp(`MLflow: ${mlflow.uri}/#/experiments/\\d+/runs/[0-9a-f]{32}`),
    );

    const down = await kindling(["export", "mlflow", "latest", "--tracking-uri", "http://127.0.0.1:9"], {
      cwd: dir,
    });
    expect(down.code).toBe(1);
    expect(down.stderr).toContain("cannot reach the MLflow server at http://127.0.0.1:9");
  }, 900_000);
});
