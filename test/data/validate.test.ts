import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import { checkS3Uri } from "../../src/data/s3Uri.js";
import { inspectData, notFound, validateData } from "../../src/data/validate.js";
import { InterruptedError } from "../../src/errors.js";

const dir = mkdtempSync(path.join(os.tmpdir(), "kval-"));
const dataOf = (yaml: string) => parseConfig(`data: ${yaml}`, "k.yaml").data;

describe("validateData", () => {
  it("a folder of part files (as Spark writes) is read as one input; _ and . files are skipped", async () => {
    const folder = path.join(dir, "parts");
    mkdirSync(folder);
    writeFileSync(path.join(folder, "part-0.csv"), "text,label\na,spam\nb,ham\n");
    writeFileSync(path.join(folder, "part-1.csv"), "text,label\nc,spam\nd,ham,x\n");
    writeFileSync(path.join(folder, "_SUCCESS"), "");
    writeFileSync(path.join(folder, ".part-0.csv.crc"), "\u0000binary");
    const report = await validateData(dataOf("{ path: parts, max_reject_fraction: 0.5 }"), { baseDir: dir });
    expect(report).toMatchObject({ rows: 4, usable: 3, malformed: 1, labels: { spam: 2, ham: 1 } });
    expect(report.findings.find((f) => f.code === "malformed-rows")?.where).toBe(
      `${path.join(folder, "part-1.csv")}:3`,
    );
  });

  it("for predict only the text column is needed, and one class is fine", async () => {
    writeFileSync(path.join(dir, "new.csv"), "text\nhello\nworld\n");
    const report = await validateData(dataOf("{ path: new.csv }"), { baseDir: dir, mode: "predict" });
    expect(report.rows).toBe(2);
    expect(report.labels).toBeUndefined();
  });

  it("Ctrl-C during the scan: an InterruptedError, nothing else", async () => {
    writeFileSync(path.join(dir, "big.csv"), `text,label\n${"words and more words,spam\n".repeat(20_000)}`);
    const controller = new AbortController();
    controller.abort("SIGINT");
    const error = await inspectData(dataOf("{ path: big.csv }"), {
      baseDir: dir,
      signal: controller.signal,
    }).catch((e) => e);
    expect(error).toBeInstanceOf(InterruptedError);
    expect(error.message).toMatch(/nothing was created/);
  });

  it("a path that cannot be read says so (permission denied cannot be staged as root: the mapping)", async () => {
    const denied = Object.assign(new Error("EACCES"), { code: "EACCES" });
    const f = await notFound(denied, "/x/d.csv", "d.csv", "/x", "d.csv");
    expect(f).toMatchObject({ code: "unreadable", message: "cannot be read: permission denied" });
    expect(f.fix).toMatch(/chmod a\+r/);
  });
});

describe("s3:// URIs (offline: bucket naming rules)", () => {
  it.each([
    ["s3://my-bucket/data/train.csv", undefined],
    ["s3://a.b.c/k", undefined],
    ["s3://ab/k", /3 to 63 characters/],
    ["s3://-bucket/k", /start and end with a letter or digit/],
    ["s3://my..bucket/k", /two dots in a row/],
    ["s3://my.-bucket/k", /dot next to a hyphen/],
    ["s3://xn--bucket/k", /reserved prefix "xn--"/],
    ["s3://bucket-s3alias/k", /reserved suffix "-s3alias"/],
    ["s3://bucket/", /names no object/],
    ["s3://bucket/a\u0001b", /control characters/],
    ["gs://bucket/k", /gs:\/\/ scheme/],
  ])("%s", (uri, problem) => {
    const check = checkS3Uri(uri);
    if (problem === undefined) expect(check.ok).toBe(true);
    else expect(check.ok ? "ok" : check.problem).toMatch(problem);
  });
});
