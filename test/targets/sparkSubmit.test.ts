import { expect, it } from "vitest";
import {
  buildSparkSubmitArgs,
  VECTOR_API_OPTION,
  withVectorApi,
} from "../../src/targets/shared/sparkSubmit.js";

it("builds local spark-submit arguments with the spec last", () => {
  expect(
    buildSparkSubmitArgs({
      master: "local[*]",
      appName: "kindling r1",
      entry: "/k/spark/entry.py",
      pyFiles: ["/tmp/kindling_job.zip"],
      specUri: "/runs/r1/spec.json",
      driverMemory: "2g",
      conf: { "spark.ui.showConsoleProgress": false, "spark.sql.shuffle.partitions": 8 },
    }),
  ).toEqual([
    "--master",
    "local[*]",
    "--name",
    "kindling r1",
    "--driver-memory",
    "2g",
    "--conf",
    "spark.driver.extraJavaOptions=--add-modules=jdk.incubator.vector",
    "--conf",
    "spark.executor.extraJavaOptions=--add-modules=jdk.incubator.vector",
    "--conf",
    "spark.sql.shuffle.partitions=8",
    "--conf",
    "spark.ui.showConsoleProgress=false",
    "--py-files",
    "/tmp/kindling_job.zip",
    "/k/spark/entry.py",
    "--spec",
    "/runs/r1/spec.json",
  ]);
});

it("builds cluster-mode arguments for EMR: no master, S3 URIs, executor memory", () => {
  const args = buildSparkSubmitArgs({
    deployMode: "cluster",
    appName: "kindling r2",
    entry: "s3://b/runs/r2/code/entry.py",
    pyFiles: ["s3://b/runs/r2/code/kindling_job.zip"],
    specUri: "s3://b/runs/r2/spec.json",
    executorMemory: "4g",
  });
  expect(args).not.toContain("--master");
  expect(args.slice(0, 2)).toEqual(["--deploy-mode", "cluster"]);
  expect(args).toContain("--executor-memory");
  expect(args.slice(-3)).toEqual(["s3://b/runs/r2/code/entry.py", "--spec", "s3://b/runs/r2/spec.json"]);
});

it("puts the Vector API module ahead of the JVM options the config gives, once", () => {
  const conf = withVectorApi({
    "spark.driver.extraJavaOptions": " -Dlog4j.configuration=file:x.properties ",
    "spark.executor.extraJavaOptions": "--add-modules=jdk.incubator.vector -XX:+UseG1GC",
    "spark.sql.shuffle.partitions": 8,
  });
  expect(conf).toEqual({
    "spark.driver.extraJavaOptions": `${VECTOR_API_OPTION} -Dlog4j.configuration=file:x.properties`,
    "spark.executor.extraJavaOptions": "--add-modules=jdk.incubator.vector -XX:+UseG1GC",
    "spark.sql.shuffle.partitions": 8,
  });
});

it("keeps given JVM options alone where a setting cannot take two (EMR Serverless)", () => {
  const args = buildSparkSubmitArgs({
    appName: "kindling-r3",
    entry: "s3://b/entry.py",
    pyFiles: [],
    specUri: "s3://b/spec.json",
    conf: { "spark.driver.extraJavaOptions": "-Dx=1" },
    keepGivenJavaOptions: true,
  });
  expect(args).toContain("spark.driver.extraJavaOptions=-Dx=1");
  expect(args).toContain(`spark.executor.extraJavaOptions=${VECTOR_API_OPTION}`);
});
