import { existsSync, readdirSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import {
  DescribeClusterCommand,
  DescribeStepCommand,
  RunJobFlowCommand,
  TerminateJobFlowsCommand,
} from "@aws-sdk/client-emr";
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { afterEach, describe, expect, it } from "vitest";
import { InterruptedError, JobFailedError } from "../../src/errors.js";
import { predictOn } from "../../src/predict/execute.js";
import { planPredict } from "../../src/predict/plan.js";
import { RunStore } from "../../src/runs/store.js";
import type { JobSpec } from "../../src/spec/types.js";
import { predictEmrDryRun } from "../../src/targets/emr/predict.js";
import { awsError, body, cluster, mockedRun, step } from "../emr/mocks.js";
import { RecordingHost } from "../helpers/recordingHost.js";
import { copyFixtureRun } from "../report/fixtures.js";

// `predict --target emr` with scripted SDK answers (aws-sdk-client-mock): nothing waits, nothing leaves.
let cleanup: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanup) c();
  cleanup = [];
});

async function setup() {
  const m = await mockedRun();
  cleanup.push(m.restore);
  const runDir = await copyFixtureRun();
  const work = path.dirname(runDir);
  await mkdir(path.join(runDir, "models", "hashing_tf", "metadata"), { recursive: true });
  await writeFile(path.join(runDir, "models", "hashing_tf", "metadata", "part-00000"), "{}\n");
  await writeFile(path.join(runDir, "models", "hashing_tf", "metadata", ".part-00000.crc"), "x");
  await writeFile(path.join(runDir, "_SUCCESS"), "");
  await writeFile(path.join(work, "emails.csv"), 'id,text\n1,"free money, now"\n');
  const plan = await planPredict({
    run: await new RunStore(work).read(path.basename(runDir)),
    spec: JSON.parse(await readFile(path.join(runDir, "spec.json"), "utf8")) as JobSpec,
    input: path.join(work, "emails.csv"),
    output: path.join(work, "scored.csv"),
    force: false,
  });
  // Uploaded objects by key (the spec's text is kept to check its URIs).
  const puts = new Map<string, string>();
  m.s3Mock.on(PutObjectCommand).callsFake(async (input: { Key: string; Body: unknown }) => {
    const b = input.Body;
    let text = "";
    if (typeof b === "string") text = b;
    else if (b instanceof Uint8Array) text = Buffer.from(b).toString("utf8");
    else if (b) for await (const chunk of b as Readable) text += String(chunk);
    puts.set(input.Key, text);
    return {};
  });
  m.deps.logWait = { attempts: 2, intervalMs: 1000 };
  /** `kindling predict --target emr`: the plan scored through the EMR target's prepare/predict/teardown. */
  const predict = () => predictOn(m.target(), plan);
  return { ...m, runDir, work, plan, puts, predict };
}

describe("predict --target emr", () => {
  it("uploads model, input, code and spec, runs one predict step, and renames the one result file onto --output", async () => {
    const m = await setup();
    const runId = m.plan.runId;
    m.emrMock
      .on(DescribeClusterCommand)
      .resolvesOnce(cluster("RUNNING", { ready: 300 }))
      .resolves(cluster("TERMINATED", { ready: 300, ended: 800 }));
    m.emrMock.on(DescribeStepCommand).resolvesOnce(step("RUNNING")).resolves(step("COMPLETED"));
    m.s3Mock.on(HeadObjectCommand).callsFake(async (input: { Key: string }) => {
      if (input.Key.endsWith("/output/predict.json")) return {};
      throw awsError("NotFound", "Not Found", 404);
    });
    m.s3Mock.on(ListObjectsV2Command).callsFake(async (input: { Prefix: string }) => ({
      Contents: [{ Key: `${input.Prefix}_SUCCESS` }, { Key: `${input.Prefix}part-00000-abc.csv` }],
    }));
    m.s3Mock.on(GetObjectCommand).callsFake(async (input: { Key: string }) => {
      if (input.Key.endsWith("predict.json"))
        return {
          Body: body(
            Buffer.from(
              JSON.stringify({
                feature_set: "hashing_tf",
                labels: ["ham", "spam"],
                rows: 1,
                empty_text: 0,
                predicted: { spam: 1 },
              }),
            ),
          ),
        };
      if (input.Key.endsWith("part-00000-abc.csv"))
        return { Body: body(Buffer.from("id,text,predicted_label\n1,free money,spam\n")) };
      throw awsError("NoSuchKey", "no", 404);
    });

    const outcome = await m.predict();

    expect(outcome.result).toMatchObject({ rows: 1, predicted: { spam: 1 } });
    expect(await readFile(m.plan.output.file, "utf8")).toMatch(/1,free money,spam/);
    // No temporary file is left next to the output.
    expect(readdirSync(m.work).filter((f) => f.includes(".kindling-"))).toEqual([]);

    const keys = [...m.puts.keys()];
    // The model goes content-addressed under data/, which no job may write: what is found there is it.
    const modelKey = keys.find((k) => /^data\/models\/[0-9a-f]{64}\/metadata\/part-00000$/.test(k));
    expect(modelKey).toBeDefined();
    expect(keys.filter((k) => k.startsWith("runs/"))).toEqual([]);
    expect(keys.some((k) => k.endsWith(".crc"))).toBe(false);
    const inputKey = keys.find((k) => /^data\/[0-9a-f]{64}\/emails\.csv$/.test(k));
    expect(inputKey).toBeDefined();
    const specKey = keys.find((k) => k.startsWith(`code/${runId}/predict/`) && k.endsWith("/spec.json"));
    expect(specKey).toBeDefined();
    expect(keys.at(-1)).toBe(specKey);
    const spec = JSON.parse(m.puts.get(specKey as string) as string);
    expect(spec).toMatchObject({
      kind: "predict",
      run: { id: runId, target: "emr" },
      model: {
        uri: `s3://data-bucket/${(modelKey as string).replace(/\/metadata\/part-00000$/, "")}`,
        feature_set: "hashing_tf",
      },
      input: { uri: `s3://data-bucket/${inputKey}`, format: "csv", text_column: "text" },
      output: {
        uri: `s3://data-bucket/${(specKey as string).replace(/^code\//, "runs/").replace(/spec\.json$/, "output")}`,
        format: "csv",
      },
    });

    const request = m.emrMock.commandCalls(RunJobFlowCommand)[0]?.args[0].input;
    expect(request?.Name).toBe(`kindling predict ${runId}`);
    expect(request?.Steps).toHaveLength(1);
    const stepDef = request?.Steps?.[0];
    expect(stepDef?.ActionOnFailure).toBe("TERMINATE_CLUSTER");
    const args = stepDef?.HadoopJarStep?.Args ?? [];
    expect(args[0]).toBe("spark-submit");
    expect(args.slice(-2)).toEqual(["--spec", `s3://data-bucket/${specKey}`]);
    expect(args).toContain("cluster");
    expect(m.emrMock.commandCalls(TerminateJobFlowsCommand)).toHaveLength(0);
  });

  it("step FAILED: shows the log tail and cause, terminates the cluster, writes no output", async () => {
    const m = await setup();
    m.emrMock
      .on(DescribeClusterCommand)
      .resolvesOnce(cluster("RUNNING", { ready: 300 }))
      // ActionOnFailure overridden somewhere: the cluster idles after the failed step until terminated.
      .resolvesOnce(cluster("WAITING", { ready: 300 }))
      .resolves(cluster("TERMINATED", { ready: 300, ended: 800 }));
    m.emrMock.on(DescribeStepCommand).resolves(
      step("FAILED", {
        Reason: "Unknown Error.",
        Message: "java.lang.OutOfMemoryError: Java heap space",
      }),
    );
    m.s3Mock.on(HeadObjectCommand).rejects(awsError("NotFound", "Not Found", 404));
    m.s3Mock.on(GetObjectCommand).callsFake(async (input: { Key: string }) => {
      if (input.Key.endsWith("steps/s-TEST/stderr.gz")) {
        const { gzipSync } = await import("node:zlib");
        return { Body: body(gzipSync("INFO started\njava.lang.OutOfMemoryError: Java heap space\n")) };
      }
      throw awsError("NoSuchKey", "The specified key does not exist.", 404);
    });
    m.s3Mock.on(ListObjectsV2Command).resolves({ Contents: [] });

    const error = await m.predict().catch((e) => e);

    expect(error).toBeInstanceOf(JobFailedError);
    expect(error.message).toMatch(/Prediction with run .* failed on EMR: Spark ran out of memory/);
    expect(error.hint).toMatch(/Nothing was written to .*scored\.csv/);
    expect(m.emrMock.commandCalls(TerminateJobFlowsCommand)).toHaveLength(1);
    const text = m.host.text();
    expect(text).toMatch(/Step FAILED: Unknown Error.: java.lang.OutOfMemoryError/);
    expect(text).toMatch(/last lines of the step stderr[\s\S]*OutOfMemoryError/);
    expect(text).toMatch(/Likely cause \(out-of-memory\)/);
    expect(existsSync(m.plan.output.file)).toBe(false);
    expect(readdirSync(m.work).filter((f) => f.includes(".kindling-"))).toEqual([]);
  });

  it("Ctrl-C while the step runs: terminates the cluster, InterruptedError, no output", async () => {
    const m = await setup();
    m.s3Mock.on(HeadObjectCommand).rejects(awsError("NotFound", "Not Found", 404));
    m.emrMock.on(DescribeClusterCommand).resolves(cluster("RUNNING", { ready: 300 }));
    m.emrMock.on(DescribeStepCommand).callsFake(() => {
      m.controller.abort("SIGINT");
      return step("RUNNING");
    });
    const error = await m.predict().catch((e) => e);
    expect(error).toBeInstanceOf(InterruptedError);
    expect(error.message).toMatch(/interrupted; cluster j-TEST was terminated/);
    expect(m.emrMock.commandCalls(TerminateJobFlowsCommand)[0]?.args[0].input).toEqual({
      JobFlowIds: ["j-TEST"],
    });
    expect(existsSync(m.plan.output.file)).toBe(false);
  });

  it("--dry-run: the uploads, predict spec and request with placeholders, and no AWS call", async () => {
    const m = await setup();
    const json = await predictEmrDryRun(m.plan, m.loaded.config, new RecordingHost());
    expect(json.dry_run).toBe(true);
    expect(json.uploads.map((u) => u.kind)).toEqual(["data", "data", "deps", "code", "code", "spec"]);
    expect(json.spec.model.uri).toMatch(/^s3:\/\/<\w+>\/data\/models\/[0-9a-f]{64}$/);
    expect(json.run_job_flow.Steps?.[0]?.HadoopJarStep?.Args?.at(-1)).toBe(json.uploads.at(-1)?.to);
    expect(m.emrMock.calls()).toHaveLength(0);
    expect(m.s3Mock.calls()).toHaveLength(0);
  });
});
