import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import {
  CancelJobRunCommand,
  ConflictException,
  CreateApplicationCommand,
  EMRServerlessClient,
  GetApplicationCommand,
  GetJobRunCommand,
  ListJobRunsCommand,
  ResourceNotFoundException,
  StartApplicationCommand,
  StartJobRunCommand,
  StopApplicationCommand,
  ValidationException,
} from "@aws-sdk/client-emr-serverless";
import type { S3 } from "@aws-sdk/client-s3";
import { c as createTar } from "tar";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { lineOfRelease } from "../../src/versions.js";
import { validateAgainstApiModels } from "../aws/apiModels.js";
import { type Moto, motoS3, startMoto, TEST_CREDENTIALS, TEST_REGION } from "../aws/moto.js";
import type { StepExecutor } from "./server.js";
import { type ServerlessEmulator, startServerlessEmulator } from "./serverless.js";
import { sparkSubmitExecutor } from "./sparkStep.js";

// The EMR Serverless emulator over real HTTP with the AWS SDK's own client (REST-JSON, its error parsing
// and retries), moto for S3. Fake executors: no Spark runs here.
let moto: Moto;
let s3: S3;
let emr: ServerlessEmulator;
let client: EMRServerlessClient;
const BUCKET = "kindling-serverless-test";
const ROLE = "arn:aws:iam::123456789012:role/kindling-job-runtime";
const LOG_URI = `s3://${BUCKET}/serverless/`;

beforeAll(async () => {
  moto = await startMoto();
  s3 = motoS3(moto.endpoint);
  await s3.createBucket({ Bucket: BUCKET });
  emr = await startServerlessEmulator({ s3, executor: succeed, phaseMs: 100 });
  client = new EMRServerlessClient({
    endpoint: emr.endpoint,
    region: TEST_REGION,
    credentials: TEST_CREDENTIALS,
  });
}, 120_000);

afterAll(async () => {
  client?.destroy();
  await emr?.close();
  await moto?.stop();
});

beforeEach(() => {
  emr.setExecutor(succeed);
  emr.msPerMinute = 60_000;
  emr.logDelayMs = 0;
});

const succeed: StepExecutor = async () => ({ exitCode: 0, driverStdout: "", driverStderr: "" });

/** A Spark application, CREATED. */
async function createApp(extra: Record<string, unknown> = {}): Promise<string> {
  const created = await client.send(
    new CreateApplicationCommand({
      name: "kindling-test",
      releaseLabel: "emr-7.13.0",
      type: "SPARK",
      ...extra,
    }),
  );
  expect(created.arn).toMatch(/^arn:aws:emr-serverless:us-east-1:123456789012:\/applications\/[0-9a-z]+$/);
  const applicationId = created.applicationId as string;
  const first = await client.send(new GetApplicationCommand({ applicationId }));
  expect(first.application?.state).toBe("CREATING");
  await emr.idle();
  const after = await client.send(new GetApplicationCommand({ applicationId }));
  expect(after.application?.state).toBe("CREATED");
  return applicationId;
}

const driver = (
  parameters: string,
  entryArgs: string[] = ["--spec", `s3://${BUCKET}/runs/r1/spec.json`],
) => ({
  sparkSubmit: {
    entryPoint: `s3://${BUCKET}/runs/r1/code/main.py`,
    entryPointArguments: entryArgs,
    sparkSubmitParameters: parameters,
  },
});

async function startRun(applicationId: string, extra: Record<string, unknown> = {}) {
  return client.send(
    new StartJobRunCommand({
      applicationId,
      executionRoleArn: ROLE,
      clientToken: `token-${Math.random().toString(36).slice(2)}`,
      name: "kindling test",
      jobDriver: driver("--conf spark.driver.cores=2 --conf spark.driver.memory=7g"),
      configurationOverrides: { monitoringConfiguration: { s3MonitoringConfiguration: { logUri: LOG_URI } } },
      ...extra,
    }),
  );
}

/** Polls GetJobRun until the run ends; the distinct states it went through, in order, and its last shape. */
async function watch(applicationId: string, jobRunId: string, onPoll?: (state: string) => void) {
  const states: string[] = [];
  for (;;) {
    const out = await client.send(new GetJobRunCommand({ applicationId, jobRunId }));
    const state = out.jobRun?.state as string;
    if (states.at(-1) !== state) states.push(state);
    onPoll?.(state);
    if (out.jobRun && ["SUCCESS", "FAILED", "CANCELLED"].includes(state))
      return { states, jobRun: out.jobRun };
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function readGz(key: string): Promise<string> {
  const res = await s3.getObject({ Bucket: BUCKET, Key: key });
  if (!res.Body) throw new Error(`s3://${BUCKET}/${key} has no body`);
  return gunzipSync(Buffer.from(await res.Body.transformToByteArray())).toString("utf8");
}

describe("EMR Serverless emulator (AWS SDK over HTTP, moto S3)", () => {
  it("StartJobRun is idempotent on clientToken; a reused token with other parameters is a ConflictException", async () => {
    const applicationId = await createApp();
    const again = { clientToken: "run-20240101-abc", tags: { "kindling:run-id": "r1" } };
    const first = await startRun(applicationId, again);
    const second = await startRun(applicationId, again);
    expect(second.jobRunId).toBe(first.jobRunId);
    expect(first.arn).toBe(`${emr.applications.get(applicationId)?.arn}/jobruns/${first.jobRunId}`);
    const other = await startRun(applicationId);
    expect(other.jobRunId).not.toBe(first.jobRunId);
    await expect(startRun(applicationId, { ...again, name: "another name" })).rejects.toBeInstanceOf(
      ConflictException,
    );
    expect(emr.calls.filter((c) => c.operation === "StartJobRun")).toHaveLength(4);
    expect(emr.calls.at(-1)?.body).toMatchObject({ applicationId, clientToken: "run-20240101-abc" });
    const { jobRun } = await watch(applicationId, first.jobRunId as string);
    expect(jobRun.tags).toEqual({ "kindling:run-id": "r1" });
    await emr.idle();
  });

  it("moves a run SUBMITTED → PENDING → SCHEDULED → RUNNING → SUCCESS, auto-starting the application, and bills it", async () => {
    const applicationId = await createApp({
      autoStopConfiguration: { enabled: true, idleTimeoutMinutes: 1 },
    });
    const seen: string[][] = [];
    emr.setExecutor(async (step) => {
      seen.push(step.args);
      await new Promise((r) => setTimeout(r, 150));
      return { exitCode: 0, driverStdout: "rows: 42\n", driverStderr: "INFO SparkContext: done\n" };
    });
    emr.logDelayMs = 100;
    const parameters =
      "--name kindling-r1 --conf spark.driver.cores=2 --conf spark.driver.memory=7g --conf spark.executor.cores=4 " +
      "--conf spark.executor.memory=14g --conf spark.executor.instances=2 --conf spark.emr-serverless.executor.disk=30g " +
      "--conf 'spark.app.note=two words'";
    const started = await startRun(applicationId, {
      jobDriver: driver(parameters),
      executionTimeoutMinutes: 30,
    });
    const { states, jobRun } = await watch(applicationId, started.jobRunId as string);
    expect(states).toEqual(["SUBMITTED", "PENDING", "SCHEDULED", "RUNNING", "SUCCESS"]);

    // The job driver became one spark-submit command, split like a shell.
    expect(seen).toEqual([
      [
        "spark-submit",
        "--name",
        "kindling-r1",
        "--conf",
        "spark.driver.cores=2",
        "--conf",
        "spark.driver.memory=7g",
        "--conf",
        "spark.executor.cores=4",
        "--conf",
        "spark.executor.memory=14g",
        "--conf",
        "spark.executor.instances=2",
        "--conf",
        "spark.emr-serverless.executor.disk=30g",
        "--conf",
        "spark.app.note=two words",
        `s3://${BUCKET}/runs/r1/code/main.py`,
        "--spec",
        `s3://${BUCKET}/runs/r1/spec.json`,
      ],
    ]);

    expect(jobRun.createdAt).toBeInstanceOf(Date);
    expect(jobRun.startedAt).toBeInstanceOf(Date);
    expect(jobRun.endedAt).toBeInstanceOf(Date);
    expect(jobRun.executionTimeoutMinutes).toBe(30);
    expect(jobRun.releaseLabel).toBe("emr-7.13.0");
    expect(jobRun.executionRole).toBe(ROLE);
    expect(jobRun.name).toBe("kindling test");
    expect(jobRun.jobDriver?.sparkSubmit?.entryPoint).toBe(`s3://${BUCKET}/runs/r1/code/main.py`);
    expect(jobRun.totalExecutionDurationSeconds).toBe(1);
    // Driver 2 vCPU / 7g + 10% → 8 GB; 2 executors 4 vCPU / 14g + 10% → 16 GB, 30 GB disk (10 over the free 20);
    // a 1-second run is billed the one-minute minimum per worker.
    expect(jobRun.billedResourceUtilization).toEqual({
      vCPUHour: round((2 + 4 * 2) / 60),
      memoryGBHour: round((8 + 16 * 2) / 60),
      storageGBHour: round((10 * 2) / 60),
    });
    expect(jobRun.totalResourceUtilization).toEqual({
      vCPUHour: round((2 + 4 * 2) / 3600),
      memoryGBHour: round((8 + 16 * 2) / 3600),
      storageGBHour: round((20 + 30 * 2) / 3600),
    });

    const app = await client.send(new GetApplicationCommand({ applicationId }));
    expect(app.application?.state).toBe("STARTED");
    expect(app.application?.autoStopConfiguration).toEqual({ enabled: true, idleTimeoutMinutes: 1 });

    // Logs appear after logDelayMs, in the Serverless layout.
    const base = `serverless/applications/${applicationId}/jobs/${started.jobRunId}/SPARK_DRIVER/`;
    await expect(s3.headObject({ Bucket: BUCKET, Key: `${base}stdout.gz` })).rejects.toThrow();
    await emr.idle();
    expect(await readGz(`${base}stdout.gz`)).toBe("rows: 42\n");
    expect(await readGz(`${base}stderr.gz`)).toBe("INFO SparkContext: done\n");
  });

  it("an idle application auto-stops after idleTimeoutMinutes and auto-starts again for the next run", async () => {
    emr.msPerMinute = 200;
    const applicationId = await createApp({
      autoStopConfiguration: { enabled: true, idleTimeoutMinutes: 1 },
    });
    const state = async () =>
      (await client.send(new GetApplicationCommand({ applicationId }))).application?.state;
    const first = await startRun(applicationId);
    await watch(applicationId, first.jobRunId as string);
    expect(await state()).toBe("STARTED");
    await waitFor(async () => (await state()) === "STOPPED");
    const second = await startRun(applicationId);
    const seen = new Set<string | undefined>();
    const { states } = await watch(
      applicationId,
      second.jobRunId as string,
      () => void state().then((s) => seen.add(s)),
    );
    expect(states.at(-1)).toBe("SUCCESS");
    expect(seen).toContain("STARTING");
    await emr.idle();
  });

  it("a failing driver makes the run FAILED with stateDetails naming its last error", async () => {
    const applicationId = await createApp();
    emr.setExecutor(async () => {
      await new Promise((r) => setTimeout(r, 100));
      return {
        exitCode: 1,
        driverStdout: "",
        driverStderr:
          'INFO SparkContext: Running Spark\nTraceback (most recent call last):\n  File "main.py", line 3\n' +
          "ValueError: label column 'label' not found in the input\nINFO ShutdownHookManager: Shutdown hook called\n",
      };
    });
    const started = await startRun(applicationId);
    const { states, jobRun } = await watch(applicationId, started.jobRunId as string);
    expect(states.at(-1)).toBe("FAILED");
    expect(states).toContain("RUNNING");
    expect(jobRun.stateDetails).toBe(
      "Job failed, please check complete logs in configured logging destination. ExitCode: 1. " +
        "Last few exceptions: ValueError: label column 'label' not found in the input",
    );
    expect(jobRun.billedResourceUtilization?.vCPUHour).toBeGreaterThan(0);
    await emr.idle();
    expect(
      await readGz(
        `serverless/applications/${applicationId}/jobs/${started.jobRunId}/SPARK_DRIVER/stderr.gz`,
      ),
    ).toContain("ValueError: label column");
  });

  it("CancelJobRun: CANCELLING → CANCELLED, the executor's signal aborted; a finished run cannot be cancelled", async () => {
    const applicationId = await createApp();
    let signal: AbortSignal | undefined;
    emr.setExecutor(
      (_step, _app, s) =>
        new Promise((resolve) => {
          signal = s;
          s.addEventListener("abort", () =>
            resolve({ exitCode: 143, driverStdout: "", driverStderr: "killed\n" }),
          );
        }),
    );
    const started = await startRun(applicationId);
    const jobRunId = started.jobRunId as string;
    let cancelSent = false;
    const { states, jobRun } = await watch(applicationId, jobRunId, (state) => {
      if (state === "RUNNING" && !cancelSent) {
        cancelSent = true;
        void client.send(new CancelJobRunCommand({ applicationId, jobRunId }));
      }
    });
    expect(states).toEqual(["SUBMITTED", "PENDING", "SCHEDULED", "RUNNING", "CANCELLING", "CANCELLED"]);
    expect(signal?.aborted).toBe(true);
    expect(jobRun.stateDetails).toBe("Job run cancelled by user request.");
    await expect(client.send(new CancelJobRunCommand({ applicationId, jobRunId }))).rejects.toBeInstanceOf(
      ValidationException,
    );

    // Cancelled before its driver started: no executor call, no logs, nothing billed.
    emr.setExecutor(async () => {
      throw new Error("must not run");
    });
    const early = await startRun(applicationId);
    await client.send(new CancelJobRunCommand({ applicationId, jobRunId: early.jobRunId as string }));
    const cancelledEarly = await watch(applicationId, early.jobRunId as string);
    expect(cancelledEarly.states).toEqual(["CANCELLING", "CANCELLED"]);
    expect(cancelledEarly.jobRun.billedResourceUtilization).toEqual({
      vCPUHour: 0,
      memoryGBHour: 0,
      storageGBHour: 0,
    });
    await emr.idle();
    const got = await client.send(
      new GetJobRunCommand({ applicationId, jobRunId: early.jobRunId as string }),
    );
    expect(got.jobRun?.state).toBe("CANCELLED");
  });

  it("a run past its executionTimeoutMinutes is cancelled, with stateDetails saying it timed out", async () => {
    const applicationId = await createApp();
    // One minute is 1 s here: the run is RUNNING (after 3 phases of 100 ms) when it times out.
    emr.msPerMinute = 1000;
    let signal: AbortSignal | undefined;
    emr.setExecutor(
      (_step, _app, s) =>
        new Promise((resolve) => {
          signal = s;
          s.addEventListener("abort", () => resolve({ exitCode: 143, driverStdout: "", driverStderr: "" }));
        }),
    );
    const started = await startRun(applicationId, { executionTimeoutMinutes: 1 });
    const { states, jobRun } = await watch(applicationId, started.jobRunId as string);
    expect(states.slice(-2)).toEqual(["CANCELLING", "CANCELLED"]);
    expect(jobRun.stateDetails).toMatch(/timed out after 1 minutes/);
    expect(signal?.aborted).toBe(true);
    await emr.idle();
  });

  it("really runs the driver through sparkSubmitExecutor: s3:// entry fetched, --archives unpacked, driverEnv set", async () => {
    // A stand-in PySpark whose spark-submit prints what it was given: the emulator's real executor, no Spark.
    const root = await mkdtemp(path.join(os.tmpdir(), "serverless-fake-spark-"));
    const bin = path.join(root, ".venv", "lib", "python3.11", "site-packages", "pyspark", "bin");
    await mkdir(bin, { recursive: true });
    await writeFile(path.join(bin, "spark-class"), "#!/bin/sh\nexit 0\n");
    await writeFile(
      path.join(bin, "spark-submit"),
      '#!/bin/sh\necho "KINDLING_MODE=$KINDLING_MODE"\necho "PYSPARK_PYTHON=$PYSPARK_PYTHON"\n' +
        'echo "archive: $(cat environment/marker.txt)"\necho "args: $*"\n',
    );
    await chmod(path.join(bin, "spark-class"), 0o755);
    await chmod(path.join(bin, "spark-submit"), 0o755);
    const envDir = path.join(root, "env");
    await mkdir(envDir);
    await writeFile(path.join(envDir, "marker.txt"), "packed deps");
    const tarball = path.join(root, "deps.tar.gz");
    await createTar({ gzip: true, file: tarball, cwd: envDir }, ["marker.txt"]);
    await s3.putObject({ Bucket: BUCKET, Key: "runs/r2/deps.tar.gz", Body: await readFile(tarball) });
    await s3.putObject({ Bucket: BUCKET, Key: "runs/r1/code/main.py", Body: "print('hi')\n" });

    emr.setExecutor(
      sparkSubmitExecutor({
        s3,
        root,
        s3a: {
          endpoint: moto.endpoint,
          jars: { [lineOfRelease("emr-7.13.0") ?? ""]: ["hadoop-aws.jar", "sdk-bundle.jar"] },
        },
        python: "/usr/bin/python3",
      }),
    );
    try {
      const applicationId = await createApp();
      const started = await startRun(applicationId, {
        jobDriver: driver(
          `--archives s3://${BUCKET}/runs/r2/deps.tar.gz#environment ` +
            "--conf spark.emr-serverless.driverEnv.KINDLING_MODE=serverless " +
            "--conf spark.emr-serverless.driverEnv.PYSPARK_PYTHON=./environment/bin/python " +
            "--conf spark.executorEnv.PYSPARK_PYTHON=./environment/bin/python",
          ["--epochs", "3"],
        ),
      });
      const { states } = await watch(applicationId, started.jobRunId as string);
      expect(states.at(-1)).toBe("SUCCESS");
      await emr.idle();
      const stdout = await readGz(
        `serverless/applications/${applicationId}/jobs/${started.jobRunId}/SPARK_DRIVER/stdout.gz`,
      );
      expect(stdout).toContain("KINDLING_MODE=serverless\n");
      expect(stdout).toContain("PYSPARK_PYTHON=./environment/bin/python\n");
      expect(stdout).toContain("archive: packed deps\n");
      expect(stdout).toMatch(
        /args: --master local\[2\] --archives \S+deps\.tar\.gz#environment .*main\.py --epochs 3/,
      );
      // s3:// is Spark's S3 connector pointed at the S3 server, as EMRFS is on EMR.
      expect(stdout).toContain(
        `--jars hadoop-aws.jar,sdk-bundle.jar --conf spark.hadoop.fs.s3.impl=org.apache.hadoop.fs.s3a.S3AFileSystem --conf spark.hadoop.fs.s3a.endpoint=${moto.endpoint} `,
      );
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it("answers unknown ids with a ResourceNotFoundException (404) and bad requests with a ValidationException", async () => {
    const missing = client.send(new GetApplicationCommand({ applicationId: "00nosuchapp0000" }));
    await expect(missing).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(missing).rejects.toMatchObject({
      name: "ResourceNotFoundException",
      message: "Application 00nosuchapp0000 does not exist",
      $metadata: { httpStatusCode: 404 },
    });
    const applicationId = await createApp();
    await expect(
      client.send(new GetJobRunCommand({ applicationId, jobRunId: "00nosuchrun0000" })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);

    // The SDK does not check required members: the service does.
    const noDriver = client.send(
      new StartJobRunCommand({ applicationId, executionRoleArn: ROLE, clientToken: "t-no-driver" }),
    );
    await expect(noDriver).rejects.toBeInstanceOf(ValidationException);
    await expect(noDriver).rejects.toMatchObject({
      message: "jobDriver is required",
      $metadata: { httpStatusCode: 400 },
    });
    await expect(startRun(applicationId, { executionRoleArn: "kindling-role" })).rejects.toThrow(
      /'executionRoleArn' failed to satisfy constraint/,
    );
    await expect(
      startRun(applicationId, { jobDriver: driver("--conf 'unterminated") }),
    ).rejects.toBeInstanceOf(ValidationException);

    // An application without auto-start takes no run until it is started.
    const manual = await createApp({ autoStartConfiguration: { enabled: false } });
    await expect(startRun(manual)).rejects.toThrow(/auto-start configuration is disabled/);
  });

  it("StartApplication and StopApplication move an application without auto-start; it will not stop under a run", async () => {
    const applicationId = await createApp({
      autoStartConfiguration: { enabled: false },
      autoStopConfiguration: { enabled: false },
    });
    const state = async () => (await client.send(new GetApplicationCommand({ applicationId }))).application;
    await client.send(new StartApplicationCommand({ applicationId }));
    expect((await state())?.state).toBe("STARTING");
    await waitFor(async () => (await state())?.state === "STARTED");
    expect((await state())?.autoStopConfiguration).toEqual({ enabled: false });
    emr.setExecutor(async () => {
      await new Promise((r) => setTimeout(r, 300));
      return { exitCode: 0, driverStdout: "", driverStderr: "" };
    });
    const run = await startRun(applicationId);
    await expect(client.send(new StopApplicationCommand({ applicationId }))).rejects.toBeInstanceOf(
      ValidationException,
    );
    await watch(applicationId, run.jobRunId as string);
    await client.send(new StopApplicationCommand({ applicationId }));
    expect((await state())?.state).toBe("STOPPING");
    await emr.idle();
    expect((await state())?.state).toBe("STOPPED");
  });

  it("an injected ThrottlingException (429) is retried by the SDK until it succeeds", async () => {
    const applicationId = await createApp();
    const started = await startRun(applicationId);
    const before = emr.calls.filter((c) => c.operation === "GetJobRun").length;
    emr.injectApiError("GetJobRun", "ThrottlingException", 2);
    const out = await client.send(
      new GetJobRunCommand({ applicationId, jobRunId: started.jobRunId as string }),
    );
    expect(out.jobRun?.jobRunId).toBe(started.jobRunId);
    expect(out.$metadata.attempts).toBe(3);
    expect(emr.calls.filter((c) => c.operation === "GetJobRun").length - before).toBe(3);

    // Past the SDK's attempts the caller sees the error itself.
    emr.injectApiError("GetJobRun", "ThrottlingException", 5);
    await expect(
      client.send(new GetJobRunCommand({ applicationId, jobRunId: started.jobRunId as string })),
    ).rejects.toMatchObject({ name: "ThrottlingException", $metadata: { httpStatusCode: 429 } });
    emr.injectApiError("GetJobRun", "ThrottlingException", 0);
    await watch(applicationId, started.jobRunId as string);
    await emr.idle();
  });

  it("injected job faults: a service-side failure before the driver, a run stuck SCHEDULED until cancelled", async () => {
    const applicationId = await createApp();
    emr.injectJobFault("internal-error");
    const failed = await startRun(applicationId);
    const one = await watch(applicationId, failed.jobRunId as string);
    expect(one.states).toEqual(["SUBMITTED", "PENDING", "SCHEDULED", "FAILED"]);
    expect(one.jobRun.stateDetails).toMatch(/internal service error/);

    emr.injectJobFault("no-capacity");
    const stuck = await startRun(applicationId);
    const jobRunId = stuck.jobRunId as string;
    let polls = 0;
    const two = await watch(applicationId, jobRunId, (state) => {
      if (state === "SCHEDULED" && ++polls === 20)
        void client.send(new CancelJobRunCommand({ applicationId, jobRunId }));
    });
    expect(two.states).toEqual(["SUBMITTED", "PENDING", "SCHEDULED", "CANCELLING", "CANCELLED"]);
    await emr.idle();
  });

  it("ListJobRuns lists an application's runs, newest first, filtered by state", async () => {
    const applicationId = await createApp();
    const a = await startRun(applicationId);
    await watch(applicationId, a.jobRunId as string);
    const b = await startRun(applicationId);
    const all = await client.send(new ListJobRunsCommand({ applicationId }));
    expect(all.jobRuns?.map((j) => j.id)).toEqual([b.jobRunId, a.jobRunId]);
    const done = await client.send(new ListJobRunsCommand({ applicationId, states: ["SUCCESS", "FAILED"] }));
    expect(done.jobRuns?.map((j) => j.id)).toEqual([a.jobRunId]);
    await watch(applicationId, b.jobRunId as string);
    await emr.idle();
  });

  it("records every call as botocore's model names its input (URI, query and body members together)", () => {
    const requests = emr.calls
      // The deliberately invalid requests of the validation test.
      .filter((c) => c.body.executionRoleArn !== "kindling-role")
      .map((c) => ({ service: "emr-serverless", operation: c.operation, params: c.body }));
    expect(new Set(requests.map((r) => r.operation))).toEqual(
      new Set([
        "CreateApplication",
        "GetApplication",
        "StartApplication",
        "StopApplication",
        "StartJobRun",
        "GetJobRun",
        "CancelJobRun",
        "ListJobRuns",
      ]),
    );
    const reports = validateAgainstApiModels(requests);
    expect(reports.filter(Boolean)).toEqual([]);
  });
});

const round = (n: number) => Math.round(n * 1e6) / 1e6;

async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}
