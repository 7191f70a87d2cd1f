import { describe, expect, it } from "vitest";
import { describeRunError, TargetFailure } from "../../src/runs/failure.js";
import { sparkFailure } from "../../src/targets/local/failure.js";
import type { SparkProcessResult } from "../../src/targets/local/sparkProcess.js";

const base: SparkProcessResult = {
  exitCode: 1,
  signal: null,
  lastStage: "train:tfidf",
  error: undefined,
  rows: undefined,
  interrupted: false,
  stderrTail: [],
  logError: undefined,
  spawnError: undefined,
};
const RUN_DIR = "/r/runs/x";

/** How each way a local run can end is told to the user (and recorded in manifest.json). */
describe("sparkFailure", () => {
  it.each([
    [
      "Ctrl-C",
      { interrupted: true, signal: "SIGTERM" as const },
      undefined,
      "Interrupted",
      "train:tfidf",
      /stopped by Ctrl-C/,
    ],
    [
      "a full disk seen in Spark's stderr",
      { stderrTail: ["java.io.IOException: No space left on device"] },
      undefined,
      "DiskFull",
      "train:tfidf",
      /the disk holding \/r\/runs is full/,
    ],
    [
      "a full disk when logging",
      { exitCode: 0, logError: Object.assign(new Error("x"), { code: "ENOSPC" }) },
      undefined,
      "DiskFull",
      "train:tfidf",
      /full/,
    ],
    [
      "the JVM killed",
      { exitCode: null, signal: "SIGKILL" as const },
      undefined,
      "Killed",
      "train:tfidf",
      /Spark's JVM was killed \(SIGKILL\)/,
    ],
    [
      "a job error event",
      {
        error: {
          event: "error" as const,
          stage: "prepare",
          kind: "TooManyRejects",
          message: "5 of 10 input rows",
        },
      },
      undefined,
      "TooManyRejects",
      "prepare",
      /5 of 10 input rows/,
    ],
    [
      "spark-submit failing before the job",
      { lastStage: null, stderrTail: ["", "JAVA_HOME is not set"] },
      undefined,
      "SparkFailure",
      "start",
      /spark-submit exited with code 1: JAVA_HOME is not set/,
    ],
    [
      "spark-submit missing",
      { exitCode: null, lastStage: null, spawnError: Object.assign(new Error("x"), { code: "ENOENT" }) },
      undefined,
      "StartFailed",
      "start",
      /could not start spark-submit \(ENOENT\)/,
    ],
  ])("%s", (_name, spark, _error, kind, stage, message) => {
    const failure = sparkFailure({ ...base, ...(spark as Partial<SparkProcessResult>) }, RUN_DIR);
    expect(failure.kind).toBe(kind);
    expect(failure.stage).toBe(stage);
    expect(failure.message).toMatch(message);
    expect(failure.hint.length).toBeGreaterThan(10);
  });

  it("TooManyRejects points at the rejects folder and the option", () => {
    const failure = sparkFailure(
      { ...base, error: { event: "error", stage: "prepare", kind: "TooManyRejects", message: "m" } },
      RUN_DIR,
    );
    expect(failure.hint).toMatch(/\/r\/runs\/x\/rejects .*raise data\.max_reject_fraction/);
  });
});

/** What the lifecycle records for errors no target worded itself, on any target. */
describe("describeRunError", () => {
  const context = { stage: "finish", runDir: RUN_DIR, aborted: false };

  it("a full disk outside Spark (Node's ENOSPC) at the lifecycle's own stage", () => {
    const failure = describeRunError(Object.assign(new Error("write"), { code: "ENOSPC" }), context);
    expect(failure).toMatchObject({ kind: "DiskFull", stage: "finish" });
    expect(failure.message).toMatch(/the disk holding \/r\/runs is full/);
  });

  it("an abort is an interrupt, whatever the error says", () => {
    expect(describeRunError(new Error("socket closed"), { ...context, aborted: true }).kind).toBe(
      "Interrupted",
    );
  });

  it("a target's own failure is recorded as it worded it", () => {
    const own = { stage: "load", kind: "StepFailed", message: "m", hint: "h" };
    expect(describeRunError(new TargetFailure(own), context)).toBe(own);
  });

  it("expired AWS credentials say so in one line", () => {
    const error = Object.assign(new Error("The security token included in the request is expired"), {
      name: "ExpiredTokenException",
    });
    const failure = describeRunError(error, context);
    expect(failure.kind).toBe("AwsCredentials");
    expect(failure.message).toMatch(
      /^AWS credentials have expired \(ExpiredTokenException: .*\) while running the job\.$/,
    );
  });

  it("AWS out of reach (no DNS answer after the SDK's retries) names the cause and what to check", () => {
    const dns = Object.assign(new Error("getaddrinfo ENOTFOUND elasticmapreduce.eu-west-9.amazonaws.com"), {
      code: "ENOTFOUND",
      $metadata: { attempts: 8 },
    });
    const failure = describeRunError(dns, context);
    expect(failure.kind).toBe("AwsError");
    expect(failure.message).toBe(
      "AWS could not be reached while running the job (getaddrinfo ENOTFOUND elasticmapreduce.eu-west-9.amazonaws.com).",
    );
    expect(failure.hint).toMatch(/region is a real one .*AWS_ENDPOINT_URL/);
    // The same code from something that is not the AWS SDK (a local Spark master) is not AWS's.
    const local = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:7077"), { code: "ECONNREFUSED" });
    expect(describeRunError(local, context).kind).toBe("Internal");
  });

  it("a request AWS refuses as invalid says so, and where to look", () => {
    const invalid = Object.assign(new Error("Instance type 'm5.xxlarge' is not supported."), {
      name: "ValidationException",
      $metadata: { httpStatusCode: 400 },
    });
    const failure = describeRunError(invalid, context);
    expect(failure.message).toBe(
      "AWS refused the request as invalid while running the job (ValidationException: Instance type 'm5.xxlarge' is not supported.).",
    );
    expect(failure.hint).toMatch(/--dry-run.*kindling preflight/);
  });

  it("anything else is Internal, with its message and where the logs are", () => {
    const failure = describeRunError(new Error("boom"), context);
    expect(failure).toMatchObject({ kind: "Internal", message: "boom" });
    expect(failure.hint).toMatch(/\/r\/runs\/x\/logs/);
  });
});
