import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/errors.js";
import { MlflowClient } from "../../src/tracking/mlflowClient.js";
import { mlflowKey, mlflowModelFiles } from "../../src/tracking/mlflowExport.js";
import { fixtureSources } from "../report/fixtures.js";

/** A fetch that records each request and answers from a script. */
function scripted(answer: (url: string, init: RequestInit) => Response) {
  const calls: Array<{ url: string; init: RequestInit }> = [];
  const fetchFn = (async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    return answer(url, init);
  }) as unknown as typeof fetch;
  return { calls, fetchFn };
}

describe("MlflowClient", () => {
  it("talks to http(s) servers only, and says how to start one", () => {
    expect(() => new MlflowClient("file:///tmp/mlruns")).toThrow(UsageError);
    expect(() => new MlflowClient("databricks")).toThrow(/over http\(s\)/);
  });

  it("sends MLflow's token as a header, never in the URL, and words a refusal without it", async () => {
    const { calls, fetchFn } = scripted(
      () => new Response('{"error_code":"UNAUTHENTICATED"}', { status: 401 }),
    );
    const client = new MlflowClient("https://mlflow.example/", { MLFLOW_TRACKING_TOKEN: "s3cr3t" }, fetchFn);
    const error = await client.experimentId("spam").catch((e: Error) => e);
    expect((error as Error).message).toMatch(
      /refused the credentials \(HTTP 401\); set MLFLOW_TRACKING_TOKEN/,
    );
    expect((error as Error).message).not.toContain("s3cr3t");
    expect(calls[0]?.url).toBe(
      "https://mlflow.example/api/2.0/mlflow/experiments/get-by-name?experiment_name=spam",
    );
    const headers = calls[0]?.init.headers as Record<string, string> | undefined;
    expect(headers?.authorization).toBe("Bearer s3cr3t");
  });

  it("moves credentials written in the URI into the header, so no URL shown or fetched carries them", async () => {
    const { calls, fetchFn } = scripted(() => new Response('{"experiment":{"experiment_id":"3"}}'));
    const client = new MlflowClient("https://alice:s3cr%40t@mlflow.example:8443", {}, fetchFn);
    expect(client.uri).toBe("https://mlflow.example:8443");
    await client.experimentId("spam");
    expect(calls[0]?.url).not.toContain("s3cr");
    const headers = calls[0]?.init.headers as Record<string, string> | undefined;
    expect(headers?.authorization).toBe(`Basic ${Buffer.from("alice:s3cr@t").toString("base64")}`);
    expect(() => new MlflowClient("ftp://bob:hunter2@host")).toThrow(/bob:\*\*\*@host/);
  });

  it("creates the experiment when there is none of that name", async () => {
    const { calls, fetchFn } = scripted((url) =>
      url.includes("get-by-name")
        ? new Response('{"error_code":"RESOURCE_DOES_NOT_EXIST","message":"no"}', { status: 404 })
        : new Response('{"experiment_id":"7"}'),
    );
    expect(await new MlflowClient("http://127.0.0.1:5000", {}, fetchFn).experimentId("spam")).toBe("7");
    expect(JSON.parse(calls[1]?.init.body as string)).toEqual({ name: "spam" });
  });

  it("splits a batch at MLflow's limits: 100 params or tags, 1000 metrics per call", async () => {
    const { calls, fetchFn } = scripted(() => new Response("{}"));
    const client = new MlflowClient("http://127.0.0.1:5000", {}, fetchFn);
    await client.logBatch("r1", {
      params: Array.from({ length: 250 }, (_, i) => ({ key: `p${i}`, value: "1" })),
      metrics: Array.from({ length: 1500 }, (_, i) => ({ key: "m", value: i, timestamp: 0, step: i })),
    });
    const sizes = calls.map((c) => {
      const body = JSON.parse(c.init.body as string) as { params?: unknown[]; metrics?: unknown[] };
      return body.params?.length ?? body.metrics?.length;
    });
    expect(sizes).toEqual([100, 100, 50, 1000, 500]);
  });

  it("uploads artifacts through the server's proxy, and explains a store it cannot reach", async () => {
    const { calls, fetchFn } = scripted(() => new Response(""));
    const client = new MlflowClient("http://127.0.0.1:5000", {}, fetchFn);
    await client.uploadArtifact(
      "mlflow-artifacts:/1/abc/artifacts",
      "model/sparkml/metadata/part-00000",
      new Uint8Array([1]),
    );
    expect(calls[0]?.url).toBe(
      "http://127.0.0.1:5000/api/2.0/mlflow-artifacts/artifacts/1/abc/artifacts/model/sparkml/metadata/part-00000",
    );
    expect(calls[0]?.init.method).toBe("PUT");
    const error = await client
      .uploadArtifact("s3://bucket/1/abc/artifacts", "x", new Uint8Array())
      .catch((e) => e);
    expect((error as Error).message).toMatch(/stores this run's artifacts at s3:\/\/bucket/);
    expect((error as { hint: string }).hint).toMatch(/--serve-artifacts/);
  });
});

describe("what an export writes", () => {
  it("keys MLflow accepts", () => {
    expect(mlflowKey("text.clean[0].pattern")).toBe("text.clean.0.pattern");
    expect(mlflowKey("hashing_tf/naive_bayes.accuracy")).toBe("hashing_tf/naive_bayes.accuracy");
    expect(mlflowKey("owner@team")).toBe("owner_team");
  });

  it("an MLmodel with the spark and python_function flavors for the run's versions", async () => {
    const { manifest } = await fixtureSources();
    const files = mlflowModelFiles(
      { ...manifest, versions: { ...manifest.versions, spark: "3.5.6", python: "3.11.7" } },
      "abc",
      new Date("2026-12-07T01:02:03.456Z"),
    );
    expect(Object.keys(files).sort()).toEqual([
      "MLmodel",
      "conda.yaml",
      "python_env.yaml",
      "requirements.txt",
    ]);
    expect(files.MLmodel).toMatch(
      /spark:\n\s+code: null\n\s+model_class: pyspark\.ml\.pipeline\.PipelineModel\n\s+model_data: sparkml\n\s+pyspark_version: 3\.5\.6/,
    );
    expect(files.MLmodel).toMatch(/loader_module: mlflow\.spark/);
    expect(files.MLmodel).toContain("utc_time_created: 2026-12-07 01:02:03.456");
    expect(files["requirements.txt"]).toBe("pyspark==3.5.6\n");
  });
});
