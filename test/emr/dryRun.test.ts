import { writeFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { runCommand } from "../../src/cli/commands/run.js";
import { planEmrDryRun } from "../../src/targets/emr/dryRun.js";
import { type planJson, renderEmrRunPlan } from "../../src/targets/emr/plan.js";
import { recordingIo } from "../helpers/io.js";
import { RecordingHost } from "../helpers/recordingHost.js";
import { mockedRun } from "./mocks.js";

type DryRunJson = ReturnType<typeof planJson>;

/** `kindling run --target emr --dry-run --json` in a mocked project: its one JSON document. */
async function dryRun(m: Awaited<ReturnType<typeof mockedRun>>): Promise<DryRunJson> {
  const r = recordingIo(m.dir);
  await runCommand({ json: true, verbose: false, config: m.loaded.file, target: "emr", dryRun: true }, r.io);
  return r.json<DryRunJson>();
}

describe("kindling run --target emr --dry-run", () => {
  it("prints the exact RunJobFlow request, the planned uploads and the estimate, with no AWS call", async () => {
    const m = await mockedRun("spark:\n  partitions: 4\n");
    const r = recordingIo(m.dir);
    const options = {
      json: true,
      verbose: false,
      config: m.loaded.file,
      target: "emr" as const,
      dryRun: true,
      region: "eu-west-1",
    };
    await expect(runCommand(options, r.io)).resolves.toBeUndefined();
    const out = r.json<ReturnType<typeof planJson>>();
    expect(out.dry_run).toBe(true);
    expect(out.region).toBe("eu-west-1");
    expect(out.uploads.map((u) => [u.kind, u.to.replace(out.run_id, "<run>")])).toEqual([
      ["data", expect.stringMatching(/^s3:\/\/<DataBucketName>\/data\/[0-9a-f]{64}\/data\.csv$/)],
      ["deps", expect.stringMatching(/^s3:\/\/<DataBucketName>\/deps\/[0-9a-f]{64}\/pydeps\.tar\.gz$/)],
      // Code and spec under code/, which the nodes may read but no job may write.
      ["code", "s3://<DataBucketName>/code/<run>/entry.py"],
      ["code", "s3://<DataBucketName>/code/<run>/kindling_job.zip"],
      ["spec", "s3://<DataBucketName>/code/<run>/spec.json"],
    ]);
    expect(out.run_job_flow?.Steps?.[0]?.HadoopJarStep?.Args).toEqual([
      "spark-submit",
      "--deploy-mode",
      "cluster",
      "--name",
      `kindling ${out.run_id}`,
      "--driver-memory",
      "2g",
      "--conf",
      // Spark 3.5's JVMs read the Vector API module only when told (EMR's own JVM options stay in its
      // spark.*.defaultJavaOptions).
      "spark.driver.extraJavaOptions=--add-modules=jdk.incubator.vector",
      "--conf",
      "spark.executor.extraJavaOptions=--add-modules=jdk.incubator.vector",
      "--conf",
      "spark.executorEnv.PYTHONPATH=pydeps",
      "--conf",
      "spark.ui.showConsoleProgress=false",
      "--conf",
      "spark.yarn.appMasterEnv.PYTHONPATH=pydeps",
      "--conf",
      "spark.yarn.maxAppAttempts=1",
      "--py-files",
      `s3://<DataBucketName>/code/${out.run_id}/kindling_job.zip`,
      "--archives",
      expect.stringMatching(/^s3:\/\/<DataBucketName>\/deps\/[0-9a-f]{64}\/pydeps\.tar\.gz#pydeps$/),
      `s3://<DataBucketName>/code/${out.run_id}/entry.py`,
      "--spec",
      `s3://<DataBucketName>/code/${out.run_id}/spec.json`,
    ]);
    expect(out.spec.output).toEqual({
      uri: `s3://<DataBucketName>/runs/${out.run_id}`,
      write_features: false,
      success_marker: true,
    });
    expect(out.spec.spark.partitions).toBe(4);
    expect(out.cost_estimate).toMatchObject({ currency: "USD", minutes: 28 });
    expect(out.cost_estimate.usd).toBeGreaterThan(0);
    expect(m.emrMock.calls()).toHaveLength(0);
    expect(m.s3Mock.calls()).toHaveLength(0);
    expect(m.cfnMock.calls()).toHaveLength(0);
    expect(r.printed().join("\n")).toMatch(/^Dry run \S+ \(no AWS call/);
    m.restore();
  });

  it("spark.line 4.0 runs on emr-spark-8.0.0, its job checks the line, and the packages are built for its Python 3.11", async () => {
    const m = await mockedRun('spark:\n  line: "4.0"\n');
    const out = await dryRun(m);
    expect(out.run_job_flow?.ReleaseLabel).toBe("emr-spark-8.0.0");
    expect(out.spec.spark.line).toBe("4.0");
    const spark35 = await mockedRun("");
    const deps = (o: DryRunJson) => o.uploads.find((u) => u.kind === "deps")?.to;
    // Content-addressed archives: NumPy's cp311 wheels differ from the cp39 ones emr-7.x needs.
    expect(deps(out)).not.toBe(deps(await dryRun(spark35)));
    expect(m.emrMock.calls()).toHaveLength(0);
    m.restore();
    spark35.restore();
  }, 120_000);

  it("an s3:// input is read in place: no data upload, the spec points at it", async () => {
    const m = await mockedRun("");
    await writeFile(m.loaded.file, "project: mock\ndata:\n  path: s3://their-bucket/corpus/emails.csv\n");
    const out = await dryRun(m);
    expect(out.uploads.map((u) => u.kind)).toEqual(["deps", "code", "code", "spec"]);
    expect(out.spec.input.uri).toBe("s3://their-bucket/corpus/emails.csv");
    expect(m.s3Mock.calls()).toHaveLength(0);
    m.restore();
  });
});

describe("kindling plan --target emr", () => {
  it("renders the cluster, the step, the uploads and the estimate", async () => {
    const m = await mockedRun("emr:\n  core: { count: 3, spot: true }\n");
    const plan = await planEmrDryRun({ loaded: m.loaded, io: new RecordingHost(), region: "us-east-1" });
    const text = renderEmrRunPlan(plan);
    expect(text).toMatch(/EMR run \(transient cluster, emr-7\.13\.0 in us-east-1\):/);
    expect(text).toMatch(/instances: 1× m5\.xlarge primary, 3× m5\.xlarge core \(spot\)/);
    expect(text).toMatch(/step: spark-submit --deploy-mode cluster /);
    expect(text).toMatch(
      /estimated cost: \$0\.\d+ per run: \$0\.\d+\/h \(EBS \$0\.\d+\/h of it\) × \(8 min provisioning \+ 20 min running as assumed with no local run to measure from \(set emr\.estimated_runtime_minutes, or run locally once\)\)/,
    );
    m.restore();
  });

  it("with no region, the estimate says which setting is missing and where to set it", async () => {
    const m = await mockedRun();
    const saved = { AWS_REGION: process.env.AWS_REGION, AWS_DEFAULT_REGION: process.env.AWS_DEFAULT_REGION };
    delete process.env.AWS_REGION;
    delete process.env.AWS_DEFAULT_REGION;
    try {
      const plan = await planEmrDryRun({ loaded: m.loaded, io: new RecordingHost() });
      expect(renderEmrRunPlan(plan)).toMatch(
        /estimated cost: unknown \(no AWS region: set aws\.region in kindling\.yaml, pass --region, or set AWS_REGION\)/,
      );
    } finally {
      for (const [k, v] of Object.entries(saved)) if (v !== undefined) process.env[k] = v;
      m.restore();
    }
  });
});
