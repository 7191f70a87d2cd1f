import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import type { S3 } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { downloadOutputs } from "../../src/targets/emr/download.js";
import { readStepLogs } from "../../src/targets/emr/logs.js";
import { type PlannedUpload, uploadAll } from "../../src/targets/emr/upload.js";
import { type Moto, motoS3, startMoto } from "../aws/moto.js";
import { RecordingHost } from "../helpers/recordingHost.js";

// Uploads, downloads and log reads against moto's S3 over HTTP.
let moto: Moto;
let s3: S3;
let dir: string;
const BUCKET = "kindling-s3-test";

beforeAll(async () => {
  moto = await startMoto();
  s3 = motoS3(moto.endpoint);
  await s3.createBucket({ Bucket: BUCKET });
  dir = await mkdtemp(path.join(os.tmpdir(), "kindling-s3-"));
}, 120_000);

afterAll(async () => {
  await moto?.stop();
});

/** The progress lines a span showed while it ran. */
const updates = (io: RecordingHost) => io.messages.filter((m) => m.span === "update").map((m) => m.message);

describe("S3 transfers (moto)", () => {
  it("uploads a large file in parts with bytes and rate, and skips it the second time (content-addressed)", async () => {
    const big = path.join(dir, "big.csv");
    await writeFile(big, Buffer.alloc(20 * 1024 * 1024, "a"));
    const plan: PlannedUpload[] = [
      {
        kind: "data",
        file: big,
        bucket: BUCKET,
        key: "data/abc/big.csv",
        bytes: 20 * 1024 * 1024,
        skipIfExists: true,
      },
    ];
    const first = new RecordingHost();
    expect(await uploadAll(s3, plan, { io: first })).toEqual([
      { uri: `s3://${BUCKET}/data/abc/big.csv`, bytes: 20 * 1024 * 1024, skipped: false },
    ]);
    const head = await s3.headObject({ Bucket: BUCKET, Key: "data/abc/big.csv" });
    expect(head.ContentLength).toBe(20 * 1024 * 1024);
    // A multipart upload's ETag is "<md5 of part md5s>-<parts>".
    expect(head.ETag).toMatch(/-2"$/);
    expect(updates(first).some((u) => /MiB \/ 20 MiB · .*\/s$/.test(u))).toBe(true);

    const second = new RecordingHost();
    const again = await uploadAll(s3, plan, { io: second });
    expect(again[0]?.skipped).toBe(true);
    expect(second.text()).toMatch(/already there \(same content\): not uploaded again/);
  });

  it("downloads what the job wrote, not the inputs, and not _SUCCESS (the CLI writes it last)", async () => {
    const put = (key: string, body: string) =>
      s3.putObject({ Bucket: BUCKET, Key: `runs/r1/${key}`, Body: body });
    await Promise.all([
      put("spec.json", "{}"),
      put("code/entry.py", "print()"),
      put("metrics.json", '{"m":1}'),
      put("models/tfidf/metadata/part-00000", "meta"),
      put("_SUCCESS", ""),
      // Keys that are not plain paths: the first would land on the CLI's own _SUCCESS marker.
      put("./_SUCCESS", ""),
      put("models//x", "x"),
      put("../outside.txt", "x"),
    ]);
    const runDir = await mkdtemp(path.join(os.tmpdir(), "kindling-dl-"));
    const io = new RecordingHost();
    const result = await downloadOutputs(s3, BUCKET, "runs/r1/", runDir, io);
    expect(result.files).toBe(2);
    expect(result.skipped.sort()).toEqual([
      "runs/r1/../outside.txt",
      "runs/r1/./_SUCCESS",
      "runs/r1/models//x",
    ]);
    expect(io.text()).toMatch(/left 3 object\(s\) whose keys are not plain paths/);
    expect(readFileSync(path.join(runDir, "metrics.json"), "utf8")).toBe('{"m":1}');
    expect(readFileSync(path.join(runDir, "models", "tfidf", "metadata", "part-00000"), "utf8")).toBe("meta");
    expect(existsSync(path.join(runDir, "_SUCCESS"))).toBe(false);
    expect(existsSync(path.join(runDir, "spec.json"))).toBe(false);
    expect(existsSync(path.join(runDir, "code"))).toBe(false);
  });

  it("reads a step's gzipped logs and finds the driver container from the application id", async () => {
    const put = (key: string, text: string) =>
      s3.putObject({ Bucket: BUCKET, Key: `emr/j-1/${key}`, Body: gzipSync(text) });
    await put("steps/s-1/stderr.gz", "Submitting application application_9_0003 to ResourceManager\n");
    await put("containers/application_9_0003/container_9_0003_01_000002/stderr.gz", "executor\n");
    await put("containers/application_9_0003/container_9_0003_01_000001/stderr.gz", "driver log\n");
    await put("containers/application_9_0003/container_9_0003_01_000001/stdout.gz", "@@kindling {}\n");
    const logs = await readStepLogs(s3, `s3://${BUCKET}/emr/`, "j-1", "s-1");
    expect(logs.stepStderr).toMatch(/application_9_0003/);
    expect(logs.containerStderr).toBe("driver log\n");
    expect(logs.containerStdout).toBe("@@kindling {}\n");
    expect(logs.stepStdout).toBeUndefined();
  });
});
