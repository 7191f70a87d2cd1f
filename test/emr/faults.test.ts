import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { DescribeStacksCommand } from "@aws-sdk/client-cloudformation";
import { DescribeInstanceTypeOfferingsCommand } from "@aws-sdk/client-ec2";
import {
  AddJobFlowStepsCommand,
  CancelStepsCommand,
  DescribeClusterCommand,
  DescribeStepCommand,
  GetBlockPublicAccessConfigurationCommand,
  ListInstanceGroupsCommand,
  ListStepsCommand,
  RunJobFlowCommand,
  TerminateJobFlowsCommand,
} from "@aws-sdk/client-emr";
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { GetServiceQuotaCommand } from "@aws-sdk/client-service-quotas";
import { afterEach, describe, expect, it } from "vitest";
import { InterruptedError, JobFailedError, UsageError } from "../../src/errors.js";
import type { FoundationOutputs } from "../../src/infra/outputs.js";
import { CODES } from "../../src/ui/codes.js";
import { awsError, body, cluster, gz, mockedRun, step } from "./mocks.js";

// Fault paths of an EMR run (the run lifecycle on the EMR target) with scripted SDK responses
// (aws-sdk-client-mock): every EMR, S3 and CloudFormation call is answered by the test, time is injected,
// nothing waits.
let cleanup: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanup) c();
  cleanup = [];
});

async function setup(extraConfig = "") {
  const m = await mockedRun(extraConfig);
  cleanup.push(m.restore);
  return m;
}

const manifestOf = (dir: string) => {
  const runs = path.join(dir, "runs");
  const id = readdirSync(runs).sort().pop() as string;
  return {
    runDir: path.join(runs, id),
    manifest: JSON.parse(readFileSync(path.join(runs, id, "manifest.json"), "utf8")),
  };
};

const STEP_STDERR_LOG = "s3://logs-bucket/emr/j-TEST/steps/s-TEST/stderr.gz";

describe("aws.network public: EMR block public access is read before anything is uploaded", () => {
  it("warns when it is off, and is not asked about at all with private subnets", async () => {
    const m = await setup("aws:\n  network: public\n");
    m.emrMock
      .on(GetBlockPublicAccessConfigurationCommand)
      .resolves({ BlockPublicAccessConfiguration: { BlockPublicSecurityGroupRules: false } });
    m.emrMock.on(RunJobFlowCommand).rejects(new Error("stop here"));
    await m.run().catch(() => {});
    const warned = m.host.messages.findIndex((msg) => msg.code === CODES.EMR_PUBLIC_ACCESS.code);
    expect(warned).toBeGreaterThanOrEqual(0);
    expect(m.host.messages[warned]?.message).toMatch(/EMR block public access is off in us-east-1/);
    expect(m.emrMock.commandCalls(GetBlockPublicAccessConfigurationCommand)).toHaveLength(1);
    // Before the first upload.
    const firstUpload = m.host.messages.findIndex((msg) => msg.code === CODES.S3_UPLOAD.code);
    expect(firstUpload === -1 || warned < firstUpload).toBe(true);
    m.restore();

    const quiet = await setup();
    quiet.emrMock.on(RunJobFlowCommand).rejects(new Error("stop here"));
    await quiet.run().catch(() => {});
    expect(quiet.emrMock.commandCalls(GetBlockPublicAccessConfigurationCommand)).toHaveLength(0);
  });
});

describe("EMR run fault paths", () => {
  it("step FAILED with FailureDetails: shows the tail and cause, terminates a cluster left waiting, downloads nothing", async () => {
    const m = await setup();
    m.emrMock
      .on(DescribeClusterCommand)
      .resolvesOnce(cluster("STARTING"))
      .resolvesOnce(cluster("RUNNING", { ready: 400 }))
      // ActionOnFailure was overridden somewhere: the cluster idles after the failed step.
      .resolvesOnce(cluster("WAITING", { ready: 400 }))
      .resolves(
        cluster("TERMINATED", {
          ready: 400,
          ended: 800,
          reason: { Code: "USER_REQUEST", Message: "Terminated by user request" },
        }),
      );
    m.emrMock
      .on(DescribeStepCommand)
      .resolvesOnce(step("PENDING"))
      .resolvesOnce(step("RUNNING"))
      .resolves(
        step("FAILED", {
          Reason: "Unknown Error.",
          Message: "java.lang.OutOfMemoryError: Java heap space",
          LogFile: STEP_STDERR_LOG,
        }),
      );
    // Generic answers first: aws-sdk-client-mock lets the last matching definition win.
    m.s3Mock.on(GetObjectCommand).rejects(awsError("NoSuchKey", "The specified key does not exist.", 404));
    m.s3Mock.on(GetObjectCommand, { Key: "emr/j-TEST/steps/s-TEST/stderr.gz" }).resolves({
      Body: gz("INFO Client: Application report for application_1_0001 (state: FAILED)\n"),
    });
    m.s3Mock.on(ListObjectsV2Command).resolves({
      Contents: [{ Key: "emr/j-TEST/containers/application_1_0001/container_1_0001_01_000001/stderr.gz" }],
    });
    m.s3Mock
      .on(GetObjectCommand, {
        Key: "emr/j-TEST/containers/application_1_0001/container_1_0001_01_000001/stderr.gz",
      })
      .resolves({
        Body: gz("24/11/27 INFO started\njava.lang.OutOfMemoryError: Java heap space\n\tat x.y(Z.java:1)\n"),
      });

    const error = await m.run().catch((e) => e);
    expect(error, error.stack).toBeInstanceOf(JobFailedError);
    expect(error.message).toMatch(/Spark ran out of memory: java.lang.OutOfMemoryError/);
    expect(m.emrMock.commandCalls(TerminateJobFlowsCommand)).toHaveLength(1);
    const text = m.host.text();
    expect(text).toMatch(/Step FAILED: Unknown Error.: java.lang.OutOfMemoryError/);
    expect(text).toMatch(/last lines of the driver stderr[\s\S]*OutOfMemoryError/);
    expect(text).toMatch(/Likely cause \(out-of-memory\)/);
    expect(readFileSync(path.join(manifestOf(m.dir).runDir, "logs", "step-stderr.log"), "utf8")).toMatch(
      /application_1_0001/,
    );
    const { runDir, manifest } = manifestOf(m.dir);
    expect(manifest).toMatchObject({ status: "failed", failure: { cause: "out-of-memory" } });
    expect(manifest.emr).toMatchObject({ cluster_id: "j-TEST", step_id: "s-TEST" });
    expect(
      m.s3Mock.commandCalls(HeadObjectCommand, { Key: `runs/${path.basename(runDir)}/_SUCCESS` }),
    ).toHaveLength(0);
    expect(existsSync(path.join(runDir, "_SUCCESS"))).toBe(false);
    expect(existsSync(path.join(runDir, "metrics.json"))).toBe(false);
  });

  it("interrupt (Ctrl-C / SIGTERM): terminates the cluster, says so, and records the run as interrupted", async () => {
    const m = await setup();
    m.emrMock.on(DescribeClusterCommand).resolves(cluster("RUNNING", { ready: 300 }));
    m.emrMock.on(DescribeStepCommand).callsFake(() => {
      m.controller.abort("SIGINT");
      return step("RUNNING");
    });
    const error = await m.run().catch((e) => e);
    expect(error).toBeInstanceOf(InterruptedError);
    expect(error.message).toMatch(/interrupted; cluster j-TEST was terminated/);
    expect(m.emrMock.commandCalls(TerminateJobFlowsCommand)[0]?.args[0].input).toEqual({
      JobFlowIds: ["j-TEST"],
    });
    expect(m.host.text()).toMatch(/Terminating cluster j-TEST \(interrupted\)/);
    expect(manifestOf(m.dir).manifest.failure.kind).toBe("Interrupted");
  });

  it("an interrupted run waits for the cluster to end and records its final state and actual cost", async () => {
    const m = await setup();
    m.emrMock
      .on(DescribeClusterCommand)
      .resolvesOnce(cluster("RUNNING", { ready: 300 }))
      .resolvesOnce(cluster("TERMINATING"))
      .resolves(cluster("TERMINATED", { ended: 600, reason: { Code: "USER_REQUEST" } }));
    m.emrMock.on(DescribeStepCommand).callsFake(() => {
      m.controller.abort("SIGTERM");
      return step("RUNNING");
    });
    const error = await m.run().catch((e) => e);
    expect(error).toBeInstanceOf(InterruptedError);
    expect(error.exitCode).toBe(130);
    expect(m.emrMock.commandCalls(TerminateJobFlowsCommand)).toHaveLength(1);
    expect(m.emrMock.commandCalls(DescribeClusterCommand)).toHaveLength(3);
    expect(m.host.text()).toMatch(/ok Waiting for cluster j-TEST to terminate TERMINATED/);
    const { manifest } = manifestOf(m.dir);
    expect(manifest.status).toBe("interrupted");
    expect(manifest.emr).toMatchObject({ cluster_state: "TERMINATED", timings: { billed_seconds: 600 } });
    // 3 × m5.xlarge at $0.24/h, each with 79 GiB of gp3 at $0.08 per GB-month, for 10 minutes.
    expect(manifest.emr.cost.actual).toBeCloseTo((3 * (0.24 + (79 * 0.08) / 730)) / 6, 4);
  });

  it("--deploy --destroy: a stack this command deployed is destroyed after an interrupt, once the cluster has ended", async () => {
    const m = await setup();
    const log: string[] = [];
    m.cfnMock
      .on(DescribeStacksCommand)
      .rejects(awsError("ValidationError", "Stack with id kindling-mock-dev does not exist"));
    const deployed = { ...(await foundationOutputs()) };
    m.deps.foundationOps = () => ({
      find: async () => undefined,
      deploy: async () => {
        log.push("deploy");
        return deployed;
      },
      destroy: async () => {
        log.push(`destroy after ${m.emrMock.commandCalls(DescribeClusterCommand).length} DescribeCluster`);
      },
    });
    m.emrMock
      .on(DescribeClusterCommand)
      .resolvesOnce(cluster("RUNNING", { ready: 300 }))
      .resolves(cluster("TERMINATED", { ended: 600 }));
    m.emrMock.on(DescribeStepCommand).callsFake(() => {
      m.controller.abort("SIGINT");
      return step("RUNNING");
    });
    await expect(m.run({ deploy: true, destroy: true })).rejects.toBeInstanceOf(InterruptedError);
    expect(log).toEqual(["deploy", "destroy after 2 DescribeCluster"]);
  });

  it("--deploy --destroy on a stack that was already there: it is used and kept", async () => {
    const m = await setup();
    m.emrMock.on(DescribeClusterCommand).resolves(cluster("TERMINATED", { ready: 300, ended: 900 }));
    m.emrMock.on(DescribeStepCommand).resolves(step("COMPLETED"));
    await m.run({ deploy: true, destroy: true }).catch(() => undefined);
    expect(m.host.text()).toMatch(/already deployed: using it/);
    expect(m.host.text()).toMatch(
      /Kept the foundation stack kindling-mock-dev: it was deployed before this command/,
    );
  });

  it("an interrupt during the upload starts no cluster", async () => {
    const m = await setup();
    m.s3Mock.on(PutObjectCommand).callsFake(() => {
      m.controller.abort("SIGINT");
      return {};
    });
    const error = await m.run().catch((e) => e);
    expect(error.message).toMatch(/no cluster was started|before the cluster was started/);
    // Only the read-only checks before the upload reached EMR.
    expect(m.emrMock.commandCalls(RunJobFlowCommand)).toHaveLength(0);
  });

  it("an error after RunJobFlow returned but before the watch (the step unreadable) terminates the cluster", async () => {
    const m = await setup();
    m.emrMock.on(ListStepsCommand).rejects(awsError("InternalServerError", "EMR had a bad day", 500));
    const error = await m.run().catch((e) => e);
    expect(error).toBeInstanceOf(JobFailedError);
    expect(m.emrMock.commandCalls(TerminateJobFlowsCommand)).toHaveLength(1);
    expect(m.emrMock.commandCalls(TerminateJobFlowsCommand)[0]?.args[0].input.JobFlowIds).toEqual(["j-TEST"]);
    expect(m.host.messages.map((msg) => msg.message).join("\n")).toMatch(
      /Terminating cluster j-TEST \(its step could not be read: EMR had a bad day\)/,
    );
  });

  it("a run record that cannot be written once the cluster started terminates the cluster", async () => {
    const m = await setup();
    m.emrMock.on(RunJobFlowCommand).callsFake(() => {
      // The run's folder vanishes between the start and its record (a disk gone, a user's rm -r).
      rmSync(path.join(m.dir, "runs"), { recursive: true, force: true });
      return { JobFlowId: "j-TEST" };
    });
    await m.run().catch((e) => e);
    expect(m.emrMock.commandCalls(TerminateJobFlowsCommand)).toHaveLength(1);
    expect(m.emrMock.commandCalls(DescribeStepCommand)).toHaveLength(0);
    expect(m.host.messages.map((msg) => msg.message).join("\n")).toMatch(
      /Terminating cluster j-TEST \(its run record could not be written/,
    );
  });

  it("what would stop a cluster minutes in (vCPU quota, a zone without the type) stops the run before any upload", async () => {
    const m = await setup();
    m.quotasMock.on(GetServiceQuotaCommand).resolves({ Quota: { Value: 8 } });
    const error = await m.run().catch((e) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toMatch(
      /The cluster would not start: vCPU quota \(On-Demand\): the cluster needs 12 vCPUs/,
    );
    expect(error.hint).toMatch(/request-service-quota-increase .* --desired-value 12/);
    expect(m.s3Mock.commandCalls(PutObjectCommand)).toHaveLength(0);
    expect(m.emrMock.commandCalls(RunJobFlowCommand)).toHaveLength(0);
    expect(existsSync(path.join(m.dir, "runs"))).toBe(false);
    m.restore();

    const zone = await setup();
    zone.ec2Mock.on(DescribeInstanceTypeOfferingsCommand).resolves({ InstanceTypeOfferings: [] });
    const stranded = await zone.run().catch((e) => e);
    expect(stranded.message).toMatch(/Instance types: not offered in us-east-1a: primary \(m5\.xlarge\)/);
    expect(zone.emrMock.commandCalls(RunJobFlowCommand)).toHaveLength(0);
  });

  it("a check it may not make (no permission to read quotas) does not stop the run", async () => {
    const m = await setup();
    m.quotasMock.on(GetServiceQuotaCommand).rejects(awsError("AccessDeniedException", "not authorized", 403));
    m.emrMock.on(RunJobFlowCommand).rejects(new Error("stop here"));
    const error = await m.run().catch((e) => e);
    expect(error.message).toMatch(/stop here/);
    expect(m.emrMock.commandCalls(RunJobFlowCommand)).toHaveLength(1);
  });

  it("COMPLETED without _SUCCESS: nothing is downloaded and the run fails", async () => {
    const m = await setup();
    m.emrMock.on(DescribeClusterCommand).resolves(cluster("TERMINATED", { ready: 300, ended: 900 }));
    m.emrMock.on(DescribeStepCommand).resolves(step("COMPLETED"));
    const error = await m.run().catch((e) => e);
    expect(error.message).toMatch(/_SUCCESS is missing: the outputs are incomplete and were not downloaded/);
    expect(m.s3Mock.commandCalls(ListObjectsV2Command)).toHaveLength(0);
    expect(m.s3Mock.commandCalls(GetObjectCommand)).toHaveLength(0);
    const { runDir, manifest } = manifestOf(m.dir);
    expect(manifest.failure).toMatchObject({ kind: "NoSuccessMarker", cause: "no-success-marker" });
    expect(manifest.emr.cost.actual).toBeGreaterThan(0);
    expect(existsSync(path.join(runDir, "_SUCCESS"))).toBe(false);
  });

  it("an error that outlasts the SDK's retries ends the watch, terminates the cluster and fails the run", async () => {
    const m = await setup();
    m.emrMock.on(DescribeClusterCommand).rejects(awsError("InternalServerError", "EMR had a bad day", 500));
    const error = await m.run().catch((e) => e);
    expect(error).toBeInstanceOf(JobFailedError);
    expect(error.message).toMatch(/lost track of cluster j-TEST: EMR had a bad day/);
    expect(error.hint).toMatch(/kindling terminate/);
    expect(m.emrMock.commandCalls(TerminateJobFlowsCommand)).toHaveLength(1);
    expect(manifestOf(m.dir).manifest.failure.kind).toBe("WatchFailed");
  });

  it("a warm cluster of another Spark line is refused before anything is uploaded", async () => {
    const m = await setup('spark:\n  line: "4.0"\n');
    m.emrMock
      .on(DescribeClusterCommand)
      .resolves(cluster("WAITING", { warm: true, releaseLabel: "emr-7.13.0" }));
    const error = await m.run({ cluster: "j-TEST" }).catch((e) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toBe("cluster j-TEST runs emr-7.13.0 (Spark 3.5), but spark.line is 4.0");
    expect(error.hint).toMatch(/kindling cluster start.*emr-spark-8\.0\.0/);
    expect(m.s3Mock.commandCalls(PutObjectCommand)).toHaveLength(0);
    expect(m.emrMock.commandCalls(AddJobFlowStepsCommand)).toHaveLength(0);
  });

  it("a warm cluster terminated under a run: the run fails saying so; no terminate, no cancel", async () => {
    const m = await setup();
    m.emrMock
      .on(DescribeClusterCommand)
      .resolvesOnce(cluster("WAITING", { ready: 0, warm: true })) // --cluster j-TEST is looked up
      .resolvesOnce(cluster("RUNNING", { ready: 0, warm: true }))
      // The watch reads the cluster, then the step: the cluster still looked up when the step was cancelled.
      .resolvesOnce(cluster("RUNNING", { ready: 0, warm: true }))
      .resolves(
        cluster("TERMINATING", {
          ready: 0,
          warm: true,
          reason: { Code: "USER_REQUEST", Message: "Terminated by user request" },
        }),
      );
    m.emrMock.on(ListInstanceGroupsCommand).resolves({
      InstanceGroups: [
        {
          InstanceGroupType: "MASTER",
          InstanceType: "m5.xlarge",
          RequestedInstanceCount: 1,
          Market: "ON_DEMAND",
        },
        {
          InstanceGroupType: "CORE",
          InstanceType: "m5.xlarge",
          RequestedInstanceCount: 2,
          Market: "ON_DEMAND",
        },
      ],
    });
    m.emrMock.on(AddJobFlowStepsCommand).resolves({ StepIds: ["s-TEST"] });
    m.emrMock.on(DescribeStepCommand).resolvesOnce(step("RUNNING")).resolves(step("CANCELLED"));
    m.s3Mock.on(GetObjectCommand).rejects(awsError("NoSuchKey", "The specified key does not exist.", 404));
    m.s3Mock.on(ListObjectsV2Command).resolves({ Contents: [] });
    const error = await m.run({ cluster: "j-TEST" }).catch((e) => e);
    expect(error).toBeInstanceOf(JobFailedError);
    expect(error.message).toMatch(/The step was cancelled: Terminated by user request/);
    expect(error.hint).toMatch(/kindling cluster start/);
    expect(m.emrMock.commandCalls(RunJobFlowCommand)).toHaveLength(0);
    expect(m.emrMock.commandCalls(TerminateJobFlowsCommand)).toHaveLength(0);
    expect(m.emrMock.commandCalls(CancelStepsCommand)).toHaveLength(0);
    const { manifest } = manifestOf(m.dir);
    expect(manifest).toMatchObject({
      status: "failed",
      failure: {
        kind: "ClusterTerminated",
        message: expect.stringMatching(/warm cluster j-TEST ended while step s-TEST ran/),
      },
      emr: { warm_cluster: true, cluster_id: "j-TEST" },
    });
  });

  it("credentials expiring mid-run: one line that says so, what may still run, exit 1", async () => {
    const m = await setup();
    const expired = awsError(
      "ExpiredTokenException",
      "The security token included in the request is expired",
    );
    m.emrMock.on(DescribeClusterCommand).rejects(expired);
    m.emrMock.on(TerminateJobFlowsCommand).rejects(expired);
    const error = await m.run().catch((e) => e);
    expect(error).toBeInstanceOf(JobFailedError);
    expect(error.exitCode).toBe(1);
    expect(error.message.split("\n")).toHaveLength(1);
    expect(error.message).toMatch(
      /AWS credentials have expired \(ExpiredTokenException: .*\) while watching cluster j-TEST/,
    );
    expect(error.hint).toMatch(/aws sso login/);
    expect(error.hint).toMatch(/Cluster j-TEST may still be running: `kindling terminate`/);
    expect(manifestOf(m.dir).manifest.failure).toMatchObject({ kind: "AwsCredentials" });
  });

  it("bootstrap failure: cause named, waits for logs within the bound and says so", async () => {
    const m = await setup();
    m.emrMock.on(DescribeClusterCommand).resolves(
      cluster("TERMINATED_WITH_ERRORS", {
        ended: 420,
        reason: {
          Code: "BOOTSTRAP_FAILURE",
          Message: "On the master instance (i-1), bootstrap action 1 returned a non-zero return code",
        },
      }),
    );
    m.emrMock.on(DescribeStepCommand).resolves(step("CANCELLED"));
    m.s3Mock.on(GetObjectCommand).rejects(awsError("NoSuchKey", "no", 404));
    m.s3Mock.on(ListObjectsV2Command).resolves({});
    const error = await m.run().catch((e) => e);
    expect(error.message).toMatch(/A bootstrap action failed before the job started/);
    expect(error.hint).toMatch(/emr.bootstrap_actions/);
    const text = m.host.text();
    // The step never started: its logs cannot exist, the bootstrap actions' are waited for instead.
    expect(text).toMatch(
      /Waiting for the bootstrap actions' logs at s3:\/\/logs-bucket\/emr\/j-TEST\/node\//,
    );
    expect(text).not.toMatch(/step's logs/);
    expect(text).toMatch(/bootstrap actions' logs have not arrived yet/);
    expect(m.s3Mock.commandCalls(GetObjectCommand)).toHaveLength(0);
    // Four reads, 30 s apart: the bound.
    expect(m.sleeps.filter((ms) => ms === 30_000)).toHaveLength(3);
    expect(m.emrMock.commandCalls(TerminateJobFlowsCommand)).toHaveLength(0);
  });

  it("bootstrap failure with its logs there: the failing action's stderr is shown, no step log is read", async () => {
    const m = await setup();
    m.emrMock.on(DescribeClusterCommand).resolves(
      cluster("TERMINATED_WITH_ERRORS", {
        ended: 420,
        reason: { Code: "BOOTSTRAP_FAILURE", Message: "bootstrap action 1 returned a non-zero return code" },
      }),
    );
    m.emrMock.on(DescribeStepCommand).resolves(step("CANCELLED"));
    // Action 1 succeeded (with chatter on stderr); action 2 is the one that failed.
    const first = "emr/j-TEST/node/i-0abc/bootstrap-actions/1/stderr.gz";
    const action = "emr/j-TEST/node/i-0abc/bootstrap-actions/2/stderr.gz";
    m.s3Mock.on(ListObjectsV2Command).resolves({ Contents: [{ Key: first }, { Key: action }] });
    m.s3Mock.on(GetObjectCommand, { Key: first }).resolves({ Body: gz("  % Total    % Received\n") });
    m.s3Mock
      .on(GetObjectCommand, { Key: action })
      .resolves({ Body: gz("pip: ERROR: No matching distribution found for torch==9.9\n") });
    await m.run().catch((e) => e);
    expect(m.host.text()).toMatch(
      /last lines of the bootstrap action's stderr[\s\S]*No matching distribution found for torch==9\.9/,
    );
    const read = m.s3Mock.commandCalls(GetObjectCommand).map((c) => c.args[0].input.Key);
    expect(read).toEqual([action]);
    expect(m.sleeps.filter((ms) => ms === 30_000)).toHaveLength(0);
  });

  it("logs arriving late: the tail and the job's own error are shown once they are there", async () => {
    const m = await setup();
    m.emrMock.on(DescribeClusterCommand).resolves(
      cluster("TERMINATED_WITH_ERRORS", {
        ready: 300,
        ended: 800,
        reason: { Code: "STEP_FAILURE", Message: "Shut down as step failed" },
      }),
    );
    m.emrMock.on(DescribeStepCommand).resolves(step("FAILED", { Reason: "Unknown Error." }));
    const stderrKey = "emr/j-TEST/steps/s-TEST/stderr.gz";
    m.s3Mock
      .on(GetObjectCommand, { Key: stderrKey })
      .rejectsOnce(awsError("NoSuchKey", "no", 404))
      .rejectsOnce(awsError("NoSuchKey", "no", 404))
      .resolves({ Body: gz("Submitting application application_7_0001\nfinal status: FAILED\n") });
    m.s3Mock
      .on(GetObjectCommand, { Key: "emr/j-TEST/steps/s-TEST/stdout.gz" })
      .rejects(awsError("NoSuchKey", "no", 404));
    const driver = "emr/j-TEST/containers/application_7_0001/container_7_0001_01_000001/";
    m.s3Mock
      .on(ListObjectsV2Command)
      .resolves({ Contents: [{ Key: `${driver}stderr.gz` }, { Key: `${driver}stdout.gz` }] });
    m.s3Mock
      .on(GetObjectCommand, { Key: `${driver}stderr.gz` })
      .resolves({ Body: gz("Traceback (most recent call last):\nValueError: x\n") });
    m.s3Mock.on(GetObjectCommand, { Key: `${driver}stdout.gz` }).resolves({
      Body: body(
        Buffer.from(
          '@@kindling {"event":"error","stage":"load","kind":"InputNotFound","message":"s3://data-bucket/data/x.csv does not exist"}\n',
        ),
      ),
    });
    const error = await m.run().catch((e) => e);
    expect(error.message).toMatch(/could not read its input: s3:\/\/data-bucket\/data\/x.csv does not exist/);
    expect(error.stage).toBe("load");
    expect(m.host.text()).toMatch(/Waiting for the step's logs/);
    expect(m.sleeps.filter((ms) => ms === 30_000)).toHaveLength(2);
    const { runDir, manifest } = manifestOf(m.dir);
    expect(manifest.failure).toMatchObject({ kind: "InputNotFound", stage: "load", cause: "missing-input" });
    expect(readFileSync(path.join(runDir, "logs", "spark.log"), "utf8")).toMatch(/ValueError/);
  });

  it.each([
    [
      "CANCELLED step",
      cluster("TERMINATED", {
        ended: 500,
        reason: { Code: "USER_REQUEST", Message: "Terminated by user request" },
      }),
      step("CANCELLED"),
      /The step was cancelled: Terminated by user request/,
    ],
    [
      "INSTANCE_FAILURE (spot)",
      cluster("TERMINATED_WITH_ERRORS", {
        ended: 500,
        reason: { Code: "INSTANCE_FAILURE", Message: "Spot instance i-2 was reclaimed" },
      }),
      step("CANCELLED"),
      /Spot capacity was reclaimed or unavailable/,
    ],
    [
      "INSTANCE_FAILURE",
      cluster("TERMINATED_WITH_ERRORS", {
        ended: 500,
        reason: { Code: "INSTANCE_FAILURE", Message: "Instance i-3 failed health checks" },
      }),
      step("FAILED"),
      /EMR lost or could not start instances/,
    ],
  ])("%s: names the cause", async (_name, clusterAnswer, stepAnswer, message) => {
    const m = await setup();
    m.emrMock.on(DescribeClusterCommand).resolves(clusterAnswer);
    m.emrMock.on(DescribeStepCommand).resolves(stepAnswer);
    m.s3Mock.on(GetObjectCommand).rejects(awsError("NoSuchKey", "no", 404));
    m.s3Mock.on(ListObjectsV2Command).resolves({});
    const error = await m.run().catch((e) => e);
    expect(error).toBeInstanceOf(JobFailedError);
    expect(error.message).toMatch(message);
  });

  it("a missing foundation stack is an error that says to deploy, before any upload", async () => {
    const m = await setup();
    m.cfnMock
      .on(DescribeStacksCommand)
      .rejects(awsError("ValidationError", "Stack with id kindling-mock-dev does not exist"));
    await expect(m.run()).rejects.toThrow(/kindling-mock-dev is not deployed in us-east-1/);
    expect(m.s3Mock.calls()).toHaveLength(0);
    expect(m.emrMock.calls()).toHaveLength(0);
    // Checked before anything exists: not even the runs folder.
    expect(existsSync(path.join(m.dir, "runs"))).toBe(false);
  });
});

/** The outputs the mocked stack has, parsed as a run reads them. */
async function foundationOutputs(): Promise<FoundationOutputs> {
  const { parseFoundationOutputs } = await import("../../src/infra/outputs.js");
  const { FOUNDATION_OUTPUTS } = await import("./mocks.js");
  return parseFoundationOutputs(FOUNDATION_OUTPUTS, "kindling-mock-dev");
}

describe("an s3:// data.path", () => {
  it("is not uploaded, and must exist before a cluster is started", async () => {
    const m = await setup();
    const { loaded } = m;
    loaded.config.data.path = "s3://their-bucket/corpus/emails.csv";
    m.s3Mock.on(ListObjectsV2Command).resolves({ KeyCount: 0 });
    const error = await m.run().catch((e) => e);
    expect(error.message).toMatch(/data.path: s3:\/\/their-bucket\/corpus\/emails.csv does not exist/);
    expect(error.exitCode).toBe(2);
    expect(m.s3Mock.commandCalls(PutObjectCommand)).toHaveLength(0);
    expect(m.emrMock.calls()).toHaveLength(0);
  });
});
