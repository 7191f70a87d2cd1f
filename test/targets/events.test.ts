import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { expect, it } from "vitest";
import { parseEventLine, renderJobLogLine, stageLabel } from "../../src/targets/local/events.js";
import { runSparkProcess } from "../../src/targets/local/sparkProcess.js";
import { CODES } from "../../src/ui/codes.js";
import { RecordingHost } from "../helpers/recordingHost.js";

it.each([
  [
    '@@kindling {"event":"stage_start","stage":"load","ts":1}',
    { event: "stage_start", stage: "load", ts: 1 },
  ],
  [
    '@@kindling {"event":"stage_end","stage":"train:tfidf","seconds":2.5}',
    { event: "stage_end", stage: "train:tfidf", seconds: 2.5 },
  ],
  [
    '@@kindling {"event":"error","stage":"load","kind":"MissingColumn","message":"no"}',
    { event: "error", stage: "load", kind: "MissingColumn", message: "no" },
  ],
  ["plain log line", undefined],
  ['@@kindling {"event":"stage_st', undefined],
  ['@@kindling {"event":"other"}', undefined],
])("parses %s", (line, expected) => {
  expect(parseEventLine(line)).toEqual(expected);
});

it("labels stages for people", () => {
  expect(stageLabel("featurize:word2vec")).toBe("Featurize word2vec");
  expect(stageLabel("load")).toBe("Load");
});

it.each([
  ['@@kindling {"event":"stage_start","stage":"train:tfidf","ts":1}', "▶ Train tfidf"],
  ['@@kindling {"event":"stage_end","stage":"train:tfidf","seconds":95.2}', "✔ Train tfidf (1 min 35 s)"],
  [
    '@@kindling {"event":"rows","read":6046,"rejected":2,"null_dropped":1,"used":6043}',
    "  rows: 6,046 read, 2 rejected, 1 dropped for nulls, 6,043 used",
  ],
  [
    '@@kindling {"event":"error","stage":"load","kind":"InputNotFound","message":"no such file"}',
    "✖ InputNotFound at Load: no such file",
  ],
  [
    '@@kindling {"event":"cache","status":"reused","uri":"file:///c/0123456789abcdef0123","built_by":"20261207-r1","created_at":"2026-12-07T10:00:00+00:00","bytes":2097152}',
    "  Reused the prepared text of run 20261207-r1 (cache 0123456789ab, 2 MiB): counting, cleaning, tokenizing and splitting the input skipped",
  ],
  [
    '@@kindling {"event":"cache","status":"stored","uri":"file:///c/0123456789abcdef0123","bytes":1024}',
    "  Stored the prepared text for later runs (cache 0123456789ab, 1 KiB)",
  ],
  [
    '@@kindling {"event":"cache","status":"invalid","uri":"s3://b/c/0123456789abcdef0123/","reason":"partial: entry.json is missing"}',
    "  The cached prepared text 0123456789ab was not used and is rebuilt: partial: entry.json is missing",
  ],
  [
    '@@kindling {"event":"cache","status":"not_stored","uri":"file:///c/k","reason":"No space left on device"}',
    "  The prepared text could not be cached (the run goes on without it): No space left on device",
  ],
  ["Loaded 6046 rows", "Loaded 6046 rows"],
])("renders the job log line %s for people (kindling logs)", (line, shown) => {
  expect(renderJobLogLine(line)).toBe(shown);
});

const CV_PROGRESS =
  '@@kindling {"event":"cv_progress","stage":"train:tfidf","done":7,"total":12,"fold":2,"folds":3,"elapsed":63.2,"seconds_left":45.1}';

it("parses and renders cross-validation progress: fold, fits done and time left", () => {
  expect(parseEventLine(CV_PROGRESS)).toMatchObject({ event: "cv_progress", done: 7, total: 12 });
  expect(renderJobLogLine(CV_PROGRESS)).toBe("  Train tfidf: fold 2/3 · 7/12 fits · about 45 s left");
  const last = CV_PROGRESS.replace('"done":7', '"done":12').replace(
    '"seconds_left":45.1',
    '"seconds_left":0',
  );
  expect(renderJobLogLine(last)).toBe("  Train tfidf: fold 2/3 · 12/12 fits");
});

/** Runs a stand-in job that prints `lines` on stdout, through the real process runner. */
async function runStandIn(
  lines: string[],
  exitCode = 0,
): Promise<{ io: RecordingHost; exitCode: number | null }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "kindling-events-"));
  const io = new RecordingHost();
  try {
    const result = await runSparkProcess({
      launch: {
        command: process.execPath,
        args: ["-e", `console.log(${JSON.stringify(lines.join("\n"))}); process.exitCode = ${exitCode}`],
        env: {},
        cwd: dir,
      },
      jobLog: path.join(dir, "job.log"),
      sparkLog: path.join(dir, "spark.log"),
      io,
      verbose: false,
    });
    return { io, exitCode: result.exitCode };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

it("shows cross-validation progress on the running stage's span, and nowhere else", async () => {
  // A stand-in job: the protocol lines a cross-validating job prints, one of them for a stage not running.
  const { io, exitCode } = await runStandIn([
    '@@kindling {"event":"stage_start","stage":"train:tfidf","ts":1}',
    CV_PROGRESS,
    CV_PROGRESS.replace("train:tfidf", "train:other"),
    '@@kindling {"event":"stage_end","stage":"train:tfidf","seconds":90}',
  ]);
  expect(exitCode).toBe(0);
  const updates = io.messages.filter((m) => m.span === "update");
  expect(updates.map((m) => [m.code, m.message])).toEqual([
    [CODES.JOB_STAGE.code, "fold 2/3 · 7/12 fits · about 45 s left"],
  ]);
  expect(updates[0]?.data).toMatchObject({ stage: "train:tfidf", done: 7, total: 12, seconds_left: 45.1 });
});

it("keeps a span per running stage: stages beside each other end on their own, and a failure fails all that run", async () => {
  const start = (stage: string) => `@@kindling {"event":"stage_start","stage":"${stage}","ts":1}`;
  const end = (stage: string) => `@@kindling {"event":"stage_end","stage":"${stage}","seconds":3}`;
  const { io, exitCode } = await runStandIn(
    [
      start("featurize:hashing_tf"),
      start("featurize:word2vec"),
      end("featurize:hashing_tf"),
      start("train:hashing_tf"),
      CV_PROGRESS.replace("train:tfidf", "train:hashing_tf"),
      '@@kindling {"event":"error","stage":"train:hashing_tf","kind":"Internal","message":"boom"}',
    ],
    1,
  );
  expect(exitCode).toBe(1);
  const spans = io.messages.filter((m) => m.span !== undefined).map((m) => [m.span, m.message]);
  expect(spans).toEqual([
    ["start", "Start Spark"],
    ["succeed", expect.stringMatching(/^ok Start Spark \d/)],
    ["start", "Featurize hashing_tf"],
    ["start", "Featurize word2vec"],
    ["succeed", "ok Featurize hashing_tf 3 s"],
    ["start", "Train hashing_tf"],
    ["update", "fold 2/3 · 7/12 fits · about 45 s left"],
    ["fail", "fail Featurize word2vec failed"],
    ["fail", "fail Train hashing_tf failed"],
  ]);
});

it("tells what the job did with its prepared-text cache entry: info when used or stored, a warning otherwise", async () => {
  const { io } = await runStandIn([
    '@@kindling {"event":"stage_start","stage":"prepare","ts":1}',
    '@@kindling {"event":"cache","status":"invalid","uri":"file:///c/k1","reason":"stale: built in 3 partitions, this run uses 5"}',
    '@@kindling {"event":"cache","status":"stored","uri":"file:///c/k1","bytes":10}',
    '@@kindling {"event":"stage_end","stage":"prepare","seconds":9}',
  ]);
  const cache = io.messages.filter((m) => m.code.endsWith("3004") || m.code.endsWith("3005"));
  expect(cache.map((m) => [m.code, m.level, m.data])).toEqual([
    [
      CODES.PREPARED_CACHE_PROBLEM.code,
      "warn",
      { status: "invalid", uri: "file:///c/k1", reason: "stale: built in 3 partitions, this run uses 5" },
    ],
    [CODES.PREPARED_CACHE.code, "info", { status: "stored", uri: "file:///c/k1", bytes: 10 }],
  ]);
});
