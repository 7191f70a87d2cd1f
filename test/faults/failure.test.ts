import { describe, expect, it } from "vitest";
import { describeFailure } from "../../src/targets/local/failure.js";
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
const facts = (spark: Partial<SparkProcessResult> | undefined, error?: unknown) => ({
  error,
  spark: spark === undefined ? undefined : { ...base, ...spark },
  stage: "start",
  runDir: "/r/runs/x",
  root: "/r/runs",
});

/** How each way a run can end is told to the user (and recorded in manifest.json). */
describe("describeFailure", () => {
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
  ])("%s", (_name, spark, error, kind, stage, message) => {
    const failure = describeFailure(facts(spark as Partial<SparkProcessResult>, error));
    expect(failure.kind).toBe(kind);
    expect(failure.stage).toBe(stage);
    expect(failure.message).toMatch(message);
    expect(failure.hint.length).toBeGreaterThan(10);
  });

  it("a full disk outside Spark (Node's ENOSPC) at the runner's own stage", () => {
    const failure = describeFailure({
      ...facts(undefined, Object.assign(new Error("write"), { code: "ENOSPC" })),
      stage: "finish",
    });
    expect(failure).toMatchObject({ kind: "DiskFull", stage: "finish" });
  });

  it("TooManyRejects points at the rejects folder and the option", () => {
    const failure = describeFailure(
      facts({ error: { event: "error", stage: "prepare", kind: "TooManyRejects", message: "m" } }),
    );
    expect(failure.hint).toMatch(/\/r\/runs\/x\/rejects .*raise data\.max_reject_fraction/);
  });
});
