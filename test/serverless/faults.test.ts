import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { DescribeStacksCommand } from "@aws-sdk/client-cloudformation";
import {
  CancelJobRunCommand,
  GetJobRunCommand,
  type JobRun,
  StartJobRunCommand,
} from "@aws-sdk/client-emr-serverless";
import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { afterEach, describe, expect, it } from "vitest";
import { InterruptedError, JobFailedError } from "../../src/errors.js";
import { OUTPUT_KEYS } from "../../src/infra/outputs.js";
import { awsError, FOUNDATION_OUTPUTS, gz, mockedRun, T0 } from "../emr/mocks.js";

// Fault paths of an EMR Serverless run (the one run lifecycle on the emr-serverless target) with scripted
// SDK responses: every EMR Serverless, S3 and CloudFormation call is answered here, time is injected.
let cleanup: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanup) c();
  cleanup = [];
});

async function setup(extraConfig = "") {
  const m = await mockedRun(extraConfig);
  cleanup.push(m.restore);
  m.serverlessMock.on(StartJobRunCommand).resolves({ applicationId: "00app", jobRunId: "00run", arn: "arn" });
  m.serverlessMock.on(CancelJobRunCommand).resolves({ applicationId: "00app", jobRunId: "00run" });
  m.s3Mock.on(GetObjectCommand).rejects(awsError("NoSuchKey", "The specified key does not exist.", 404));
  m.s3Mock.on(ListObjectsV2Command).resolves({ Contents: [] });
  return m;
}

const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

/** A GetJobRun answer. */
function jobRun(state: string, extra: Partial<JobRun> = {}) {
  return {
    jobRun: {
      applicationId: "00app",
      jobRunId: "00run",
      state,
      createdAt: T0,
      updatedAt: at(300),
      ...extra,
    },
  } as never;
}

const manifestOf = (dir: string) => {
  const runs = path.join(dir, "runs");
  const id = readdirSync(runs).sort().pop() as string;
  return {
    runDir: path.join(runs, id),
    manifest: JSON.parse(readFileSync(path.join(runs, id, "manifest.json"), "utf8")),
  };
};

const DRIVER = "serverless/applications/00app/jobs/00run/SPARK_DRIVER/";

describe("EMR Serverless run fault paths", () => {
  it("FAILED with state details: the driver's error and cause are shown, the billed cost recorded, nothing downloaded", async () => {
    const m = await setup();
    m.serverlessMock
      .on(GetJobRunCommand)
      .resolvesOnce(jobRun("SUBMITTED"))
      .resolvesOnce(jobRun("RUNNING"))
      .resolves(
        jobRun("FAILED", {
          stateDetails:
            "Job failed, please check complete logs in configured logging destination. ExitCode: 1.",
          totalExecutionDurationSeconds: 240,
          billedResourceUtilization: { vCPUHour: 0.7, memoryGBHour: 2.8, storageGBHour: 0 },
        }),
      );
    m.s3Mock.on(GetObjectCommand, { Key: `${DRIVER}stderr.gz` }).resolves({
      Body: gz("Traceback (most recent call last):\njava.lang.OutOfMemoryError: Java heap space\n"),
    });
    const error = (await m.runServerless().catch((e: Error) => e)) as Error;
    expect(error).toBeInstanceOf(JobFailedError);
    // The cause in words; the manifest keeps EMR Serverless's own.
    expect(error.message).toMatch(
      /failed: Spark ran out of memory: java\.lang\.OutOfMemoryError: Java heap space$/,
    );

    const { runDir, manifest } = manifestOf(m.dir);
    expect(manifest.status).toBe("failed");
    expect(manifest.failure).toMatchObject({ kind: "JobRunFailed", cause: "out-of-memory" });
    expect(manifest.failure.message).toMatch(/^job run 00run FAILED: Job failed, please check/);
    expect(manifest.serverless).toMatchObject({
      application_id: "00app",
      job_run_id: "00run",
      job_run_state: "FAILED",
      timings: { total_seconds: 300, running_seconds: 240, queued_seconds: 60 },
      billed: { vcpu_hours: 0.7, memory_gb_hours: 2.8 },
    });
    // 0.7 vCPU-h × $0.052624 + 2.8 GB-h × $0.0057785 (us-east-1, x86_64).
    expect(manifest.serverless.cost.actual).toBeCloseTo(0.7 * 0.052624 + 2.8 * 0.0057785, 4);
    expect(readFileSync(path.join(runDir, "logs", "spark.log"), "utf8")).toMatch(/OutOfMemoryError/);
    expect(existsSync(path.join(runDir, "_SUCCESS"))).toBe(false);
    expect(m.s3Mock.commandCalls(ListObjectsV2Command)).toHaveLength(0);
  });

  it("the StartJobRun request: the run id as client token, sizes from serverless:, the archive, logs, timeout, tags", async () => {
    const m = await setup("serverless:\n  executors: 3\n  execution_timeout_minutes: 45\n");
    m.serverlessMock
      .on(GetJobRunCommand)
      .resolves(jobRun("CANCELLED", { stateDetails: "cancelled by user" }));
    await m.runServerless().catch(() => {});
    const { manifest } = manifestOf(m.dir);
    const request = m.serverlessMock.commandCalls(StartJobRunCommand)[0]?.args[0].input;
    expect(request).toMatchObject({
      applicationId: "00app",
      executionRoleArn: "arn:aws:iam::123456789012:role/serverless-job",
      clientToken: manifest.run_id,
      executionTimeoutMinutes: 45,
      tags: { "kindling:run-id": manifest.run_id, "kindling:project": "mock" },
      configurationOverrides: {
        monitoringConfiguration: { s3MonitoringConfiguration: { logUri: "s3://logs-bucket/serverless/" } },
      },
    });
    const submit = request?.jobDriver?.sparkSubmit;
    expect(submit?.entryPoint).toBe(`s3://data-bucket/code/${manifest.run_id}/entry.py`);
    expect(submit?.entryPointArguments).toEqual([
      "--spec",
      `s3://data-bucket/code/${manifest.run_id}/spec.json`,
    ]);
    const params = submit?.sparkSubmitParameters ?? "";
    for (const setting of [
      "spark.executor.instances=3",
      "spark.executor.cores=4",
      "spark.executor.memory=14g",
      "spark.driver.cores=2",
      "spark.emr-serverless.driverEnv.PYTHONPATH=pydeps",
      "spark.executorEnv.PYTHONPATH=pydeps",
    ]) {
      expect(params).toContain(`--conf ${setting}`);
    }
    expect(params).toMatch(/--archives s3:\/\/data-bucket\/deps\/[0-9a-f]{64}\/pydeps\.tar\.gz#pydeps/);
    expect(manifest.failure).toMatchObject({ kind: "JobRunCancelled" });
  });

  it("execution timeout reached: the run fails saying which setting bounds it", async () => {
    const m = await setup();
    m.serverlessMock
      .on(GetJobRunCommand)
      .resolvesOnce(jobRun("RUNNING"))
      .resolves(jobRun("CANCELLED", { stateDetails: "Job run timed out after 60 minutes." }));
    const error = (await m.runServerless().catch((e: Error) => e)) as Error;
    expect(error).toBeInstanceOf(JobFailedError);
    const { manifest } = manifestOf(m.dir);
    expect(manifest.failure.kind).toBe("ExecutionTimeout");
    expect((error as JobFailedError).hint).toMatch(/serverless\.execution_timeout_minutes/);
  });

  it("interrupt (Ctrl-C / SIGTERM): cancels the job run, waits for CANCELLED, records the run as interrupted", async () => {
    const m = await setup();
    let polls = 0;
    m.serverlessMock.on(GetJobRunCommand).callsFake(() => {
      polls += 1;
      if (polls === 2) m.controller.abort();
      const cancelled = m.serverlessMock.commandCalls(CancelJobRunCommand).length > 0;
      return cancelled && polls > 3
        ? jobRun("CANCELLED")
        : cancelled
          ? jobRun("CANCELLING")
          : jobRun("RUNNING");
    });
    const error = (await m.runServerless().catch((e: Error) => e)) as Error;
    expect(error).toBeInstanceOf(InterruptedError);
    expect(m.serverlessMock.commandCalls(CancelJobRunCommand)).toHaveLength(1);
    const { manifest } = manifestOf(m.dir);
    expect(manifest.status).toBe("interrupted");
    expect(manifest.serverless.job_run_state).toBe("CANCELLED");
    expect(m.host.text()).toMatch(/Cancelling job run 00run: interrupted/);
  });

  it("waiting for capacity is shown once, with the bound that ends the wait", async () => {
    const m = await setup();
    let polls = 0;
    // Polls are 1 s apart on the injected clock: 150 polls in SCHEDULED is 2.5 minutes of waiting.
    m.serverlessMock.on(GetJobRunCommand).callsFake(() => {
      polls += 1;
      return polls <= 150 ? jobRun("SCHEDULED") : jobRun("CANCELLED", { stateDetails: "Job run timed out." });
    });
    await m.runServerless().catch(() => {});
    const warnings = m.host.messages.filter((x) => x.code === "KND_W5105");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toMatch(/waited 2 min \d+ s in SCHEDULED.*serverless\.max_vcpu.*\(60 min\)/);
  });

  it("credentials expiring at StartJobRun: one line that says so, and no job run", async () => {
    const m = await setup();
    m.serverlessMock
      .on(StartJobRunCommand)
      .rejects(awsError("ExpiredTokenException", "The security token included in the request is expired"));
    const error = (await m.runServerless().catch((e: Error) => e)) as Error;
    expect(error.message).toMatch(
      /^Run \S+ failed: AWS credentials have expired \(ExpiredTokenException: .*\) while starting the job run\.$/,
    );
    expect(m.serverlessMock.commandCalls(GetJobRunCommand)).toHaveLength(0);
    expect(manifestOf(m.dir).manifest.failure).toMatchObject({ kind: "AwsCredentials" });
  });

  it("an error that outlasts the SDK's retries ends the watch and cancels the job run", async () => {
    const m = await setup();
    m.serverlessMock
      .on(GetJobRunCommand)
      .resolvesOnce(jobRun("RUNNING"))
      .rejects(awsError("ThrottlingException", "Rate exceeded"));
    const error = (await m.runServerless().catch((e: Error) => e)) as Error;
    expect(error.message).toMatch(/throttl|Rate exceeded/i);
    expect(m.serverlessMock.commandCalls(CancelJobRunCommand)).toHaveLength(1);
  });

  it("--deploy --destroy: the stack this command deployed is destroyed only after the job run has ended", async () => {
    const m = await setup();
    const log: string[] = [];
    m.cfnMock
      .on(DescribeStacksCommand)
      .rejects(awsError("ValidationError", "Stack with id kindling-mock-dev does not exist"));
    const { parseFoundationOutputs } = await import("../../src/infra/outputs.js");
    m.deps.foundationOps = () => ({
      find: async () => undefined,
      deploy: async () => {
        log.push("deploy");
        return parseFoundationOutputs(FOUNDATION_OUTPUTS, "kindling-mock-dev");
      },
      destroy: async () => {
        const seen = m.serverlessMock.commandCalls(GetJobRunCommand).length;
        log.push(`destroy after ${seen} GetJobRun`);
      },
    });
    m.serverlessMock
      .on(GetJobRunCommand)
      .resolvesOnce(jobRun("RUNNING"))
      .resolves(jobRun("FAILED", { stateDetails: "Job failed. ExitCode: 1." }));
    await expect(m.runServerless({ deploy: true, destroy: true })).rejects.toBeInstanceOf(JobFailedError);
    expect(log).toEqual(["deploy", "destroy after 2 GetJobRun"]);
  });

  it("terminate cancels the job run and records how it ended; collect refuses a job run still going", async () => {
    const m = await setup();
    m.serverlessMock
      .on(GetJobRunCommand)
      .resolvesOnce(jobRun("RUNNING"))
      .resolves(
        jobRun("CANCELLED", {
          stateDetails: "cancelled by user",
          billedResourceUtilization: { vCPUHour: 0.5, memoryGBHour: 2, storageGBHour: 0 },
        }),
      );
    const target = m.serverless();
    await target.check();
    await target.prepare();
    const manifest = {
      run_id: "20261206-120000-mock-abcd",
      serverless: {
        application_id: "00app",
        job_run_id: "00run",
        cost: { currency: "USD", price_table_as_of: "2026-10" },
      },
    } as never;
    const run = { id: "20261206-120000-mock-abcd", dir: m.dir };
    await expect(target.collect(run, manifest)).rejects.toThrow(
      /is still running as job run 00run \(RUNNING\); nothing to collect yet/,
    );
    const facts = await target.terminate(run, manifest, true);
    expect(m.serverlessMock.commandCalls(CancelJobRunCommand)).toHaveLength(1);
    expect(facts.serverless).toMatchObject({ job_run_state: "CANCELLED", billed: { vcpu_hours: 0.5 } });
    expect(facts.serverless?.cost?.actual).toBeCloseTo(0.5 * 0.052624 + 2 * 0.0057785, 4);
    await target.teardown();
  });

  it("a foundation deployed before the application existed: says to deploy, before any upload", async () => {
    const m = await setup();
    const keys = new Set<string>([OUTPUT_KEYS.serverlessApplicationId, OUTPUT_KEYS.serverlessJobRoleArn]);
    m.cfnMock.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackName: "kindling-mock-dev",
          StackStatus: "CREATE_COMPLETE",
          CreationTime: T0,
          Outputs: FOUNDATION_OUTPUTS.filter((o) => !keys.has(o.OutputKey)),
        },
      ],
    });
    const error = (await m.runServerless().catch((e: Error) => e)) as Error;
    expect(error.message).toMatch(/has no EMR Serverless application/);
    expect((error as { hint?: string }).hint).toMatch(/kindling deploy/);
    expect(m.serverlessMock.commandCalls(StartJobRunCommand)).toHaveLength(0);
    expect(existsSync(path.join(m.dir, "runs"))).toBe(false);
  });
});
