import type { S3 } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VERSIONS } from "../../src/versions.js";
import { type Moto, motoS3, startMoto } from "../aws/moto.js";
import { ROOT } from "../helpers/cli.js";
import { preparedS3a, sparkSubmitExecutor } from "./sparkStep.js";
import type { ClusterRecord, StepRecord } from "./state.js";

// The emulated nodes' s3:// is Spark's S3 connector against moto: the job's own reads and writes reach S3.
let moto: Moto;
let s3: S3;
const BUCKET = "kindling-s3a-test";

// Reads a CSV and a text file from s3://, writes a folder of JSON parts and one file back, and prints the
// FileSystem class s3:// resolved to: what the job does through EMRFS on EMR.
const JOB = `
import sys
from pyspark.sql import SparkSession
spark = SparkSession.builder.getOrCreate()
jvm = spark._jvm
conf = spark._jsc.hadoopConfiguration()
bucket = sys.argv[1]
path = jvm.org.apache.hadoop.fs.Path(f"s3://{bucket}/in/")
fs = path.getFileSystem(conf)
print("filesystem:", fs.getClass().getName())
rows = spark.read.option("header", True).csv(f"s3://{bucket}/in/data.csv")
rows.filter(rows.label == "spam").write.json(f"s3://{bucket}/out/spam")
note = fs.create(jvm.org.apache.hadoop.fs.Path(f"s3://{bucket}/out/count.txt"), False)
note.write(bytearray(str(rows.count()).encode()))
note.close()
`;

beforeAll(async () => {
  moto = await startMoto();
  s3 = motoS3(moto.endpoint);
  await s3.createBucket({ Bucket: BUCKET });
}, 120_000);

afterAll(async () => {
  await moto?.stop();
});

describe("the EMR emulator's S3 connector (S3A against moto)", () => {
  it("a step's job reads s3:// input and writes s3:// outputs itself, through S3AFileSystem", async () => {
    await s3.putObject({ Bucket: BUCKET, Key: "code/job.py", Body: JOB });
    await s3.putObject({
      Bucket: BUCKET,
      Key: "in/data.csv",
      Body: "text,label\nwin money,spam\nlunch at noon,ham\nfree prize,spam\n",
    });
    const run = sparkSubmitExecutor({ s3, root: ROOT, s3a: preparedS3a(ROOT, moto.endpoint) });
    const step = { args: ["spark-submit", "--deploy-mode", "cluster", `s3://${BUCKET}/code/job.py`, BUCKET] };
    const cluster = { request: { ReleaseLabel: VERSIONS.emrRelease } };
    const outcome = await run(
      step as StepRecord,
      cluster as unknown as ClusterRecord,
      new AbortController().signal,
    );

    expect(outcome.driverStderr).not.toMatch(/Traceback/);
    expect(outcome.exitCode).toBe(0);
    expect(outcome.driverStdout).toContain("filesystem: org.apache.hadoop.fs.s3a.S3AFileSystem");
    // Nothing but the job put these in S3: the emulator no longer uploads what a step wrote.
    const listed = await s3.listObjectsV2({ Bucket: BUCKET, Prefix: "out/" });
    const keys = (listed.Contents ?? []).map((o) => o.Key ?? "");
    expect(keys).toContain("out/spam/_SUCCESS");
    expect(keys.filter((k) => /^out\/spam\/part-.*\.json$/.test(k)).length).toBeGreaterThan(0);
    expect(keys.some((k) => k.includes("_temporary"))).toBe(false);
    const count = await s3.getObject({ Bucket: BUCKET, Key: "out/count.txt" });
    expect(await count.Body?.transformToString()).toBe("3");
  });
});
