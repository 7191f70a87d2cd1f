import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { S3 } from "@aws-sdk/client-s3";
import { x as extractTar } from "tar";
import { checkoutVenvName } from "../../src/targets/local/pythonEnv.js";
import { venvSparkHome } from "../../src/targets/standalone/sparkHome.js";
import { lineOfRelease, type SparkLine, VERSIONS } from "../../src/versions.js";
import { TEST_CREDENTIALS, TEST_REGION } from "../aws/moto.js";
import type { StepExecutor, StepOutcome } from "./server.js";
import type { ClusterRecord } from "./state.js";

/** Value-taking spark-submit options the step may carry (others are flags without a value). */
const WITH_VALUE = new Set([
  "--master",
  "--deploy-mode",
  "--name",
  "--driver-memory",
  "--executor-memory",
  "--executor-cores",
  "--num-executors",
  "--conf",
  "--py-files",
  "--files",
  "--archives",
  "--jars",
  "--packages",
  "--class",
  "--properties-file",
  "--driver-cores",
  "--driver-java-options",
  "--driver-library-path",
  "--driver-class-path",
  "--total-executor-cores",
  "--repositories",
  "--exclude-packages",
  "--queue",
  "--principal",
  "--keytab",
  "--proxy-user",
]);

export interface SparkSubmitStep {
  options: Array<[string, string]>;
  entry: string;
  appArgs: string[];
}

/** Splits `spark-submit [options] entry [app args]` as spark-submit does. */
export function parseSparkSubmit(args: string[]): SparkSubmitStep {
  if (args[0] !== "spark-submit") throw new Error(`emulator runs spark-submit steps only, got ${args[0]}`);
  const options: Array<[string, string]> = [];
  let i = 1;
  while (i < args.length && (args[i] as string).startsWith("--")) {
    const flag = args[i] as string;
    if (WITH_VALUE.has(flag)) {
      options.push([flag, args[i + 1] as string]);
      i += 2;
    } else {
      options.push([flag, ""]);
      i += 1;
    }
  }
  const entry = args[i];
  if (!entry) throw new Error("spark-submit step without an application");
  return { options, entry, appArgs: args.slice(i + 1) };
}

/**
 * Spark's S3 connector (S3A) pointed at an S3 server: the emulated nodes' stand-in for EMRFS, so the job
 * reads its spec, input and model and writes its outputs through the same Hadoop FileSystem calls it makes
 * on EMR. `jars` are hadoop-aws and its AWS SDK bundle for each Spark line (npm run setup fetches them).
 */
export interface S3aConnector {
  endpoint: string;
  jars: Record<string, string[]>;
}

/** The connector npm run setup --for-tests prepared (.cache/s3a-connector.json), pointed at `endpoint`. */
export function preparedS3a(root: string, endpoint: string): S3aConnector {
  const manifest = path.join(root, ".cache", "s3a-connector.json");
  if (!existsSync(manifest)) {
    throw new Error(
      `${manifest} is missing: run npm run setup -- --for-tests (it fetches Spark's S3 connector).`,
    );
  }
  const jars: Record<string, string[]> = JSON.parse(readFileSync(manifest, "utf8"));
  const gone = Object.values(jars)
    .flat()
    .find((jar) => !existsSync(jar));
  if (gone)
    throw new Error(`${gone} is gone from the cache: run npm run setup -- --for-tests to fetch it again.`);
  return { endpoint, jars };
}

/** How the emulated cluster runs a step. */
export interface SparkStepOptions {
  s3: S3;
  root: string;
  s3a: S3aConnector;
  master?: string;
  /**
   * The Python on the emulated nodes (PYSPARK_PYTHON for the driver and executors). Default: the project
   * venv's, which has NumPy; a clean Python proves the job's packages come from the archive it ships.
   */
  python?: string;
}

/**
 * The Spark line of the cluster's (or application's) release: a cluster of emr-7.x runs Spark 3.5, one of
 * emr-spark-8.x Spark 4.0, as on AWS.
 */
function releaseLine(cluster: ClusterRecord): SparkLine {
  const request = cluster.request as { ReleaseLabel?: string; releaseLabel?: string };
  return lineOfRelease(request.ReleaseLabel ?? request.releaseLabel ?? "") ?? VERSIONS.line;
}

/**
 * Runs a spark-submit step with the project's local PySpark of the release's line, as EMR would on the
 * cluster: the s3:// entry, --py-files and --archives are fetched from the S3 server into a scratch dir (the
 * driver's container), archives are unpacked there under their `#name` as YARN does, and
 * `spark.yarn.appMasterEnv.*` settings (on EMR Serverless `spark.emr-serverless.driverEnv.*`) become the
 * driver's environment. The job runs on local[2] with `s3://` served by S3A against the S3 server, so it
 * reads and writes S3 itself, as it does through EMRFS. EMR Serverless job runs come here as the same steps
 * (serverless.ts turns a job driver into a spark-submit command line).
 */
export function sparkSubmitExecutor(options: SparkStepOptions): StepExecutor {
  return async (step, cluster, signal) => {
    const scratch = await mkdtemp(path.join(os.tmpdir(), "emr-emulator-"));
    try {
      return await runStep(options, parseSparkSubmit(step.args), scratch, signal, releaseLine(cluster));
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  };
}

/**
 * What EMRFS is to `s3://` on EMR, S3A is here: path-style requests over plain HTTP to the S3 server, with
 * the credentials from the environment (the nodes' instance profile on EMR), never on the command line.
 */
function s3aSettings(connector: S3aConnector, line: string): string[] {
  const jars = connector.jars[line];
  if (!jars?.length)
    throw new Error(`no S3 connector for Spark line ${line}: run npm run setup -- --for-tests`);
  const settings = {
    "fs.s3.impl": "org.apache.hadoop.fs.s3a.S3AFileSystem",
    "fs.s3a.endpoint": connector.endpoint,
    "fs.s3a.endpoint.region": TEST_REGION,
    "fs.s3a.path.style.access": "true",
    "fs.s3a.connection.ssl.enabled": "false",
  };
  return [
    "--jars",
    jars.join(","),
    ...Object.entries(settings).flatMap(([key, value]) => ["--conf", `spark.hadoop.${key}=${value}`]),
  ];
}

async function runStep(
  options: SparkStepOptions,
  submit: SparkSubmitStep,
  scratch: string,
  signal: AbortSignal,
  line: SparkLine,
): Promise<StepOutcome> {
  const { s3 } = options;
  const fetch = async (uri: string, dir: string): Promise<string> => {
    const { bucket, key } = splitS3(uri);
    const target = path.join(scratch, dir, path.posix.basename(key));
    await mkdir(path.dirname(target), { recursive: true });
    const res = await s3.getObject({ Bucket: bucket, Key: key }).catch((error: Error) => {
      throw new Error(`the step could not fetch ${uri}: ${error.name}: ${error.message}`);
    });
    await writeFile(
      target,
      Buffer.from(await (res.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray()),
    );
    return target;
  };

  const local = async (uri: string, dir: string) => (uri.startsWith("s3://") ? fetch(uri, dir) : uri);
  const entry = await local(submit.entry, "code");
  const args: string[] = ["--master", options.master ?? "local[2]"];
  const driverEnv: Record<string, string> = {};
  for (const [flag, value] of submit.options) {
    // The local master runs the driver here: client mode.
    if (flag === "--deploy-mode" || flag === "--master") continue;
    if (flag === "--py-files") {
      const files = await Promise.all(value.split(",").map((u) => local(u, "code")));
      args.push(flag, files.join(","));
    } else if (flag === "--archives") {
      const archives: string[] = [];
      for (const item of value.split(",")) {
        const [uri = "", name = ""] = item.split("#");
        const file = await local(uri, "archives");
        // YARN unpacks each archive in the driver's container as <name>; executors get theirs from Spark.
        await mkdir(path.join(scratch, name), { recursive: true });
        await extractTar({ file, cwd: path.join(scratch, name) });
        archives.push(`${file}#${name}`);
      }
      args.push(flag, archives.join(","));
    } else {
      // The driver's environment: YARN's application master (EMR) or EMR Serverless's driver container.
      const env = /^spark\.(?:yarn\.appMasterEnv|emr-serverless\.driverEnv)\.([^=]+)=(.*)$/s.exec(value);
      if (flag === "--conf" && env) driverEnv[env[1] as string] = env[2] as string;
      args.push(flag, ...(value === "" ? [] : [value]));
    }
  }
  args.push(...s3aSettings(options.s3a, line));

  const venv = path.join(options.root, checkoutVenvName(line));
  const python = options.python ?? path.join(venv, "bin", "python");
  const sparkHome = venvSparkHome(venv);
  return new Promise<StepOutcome>((resolve, reject) => {
    const child = spawn(path.join(sparkHome, "bin", "spark-submit"), [...args, entry, ...submit.appArgs], {
      cwd: scratch,
      env: {
        ...withoutPythonPath(process.env),
        SPARK_HOME: sparkHome,
        PYSPARK_PYTHON: python,
        PYSPARK_DRIVER_PYTHON: python,
        SPARK_LOCAL_IP: "127.0.0.1",
        PYTHONUNBUFFERED: "1",
        AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
        ...driverEnv,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    const kill = () => child.kill("SIGTERM");
    signal.addEventListener("abort", kill, { once: true });
    child.once("error", reject);
    child.once("close", (code) => {
      signal.removeEventListener("abort", kill);
      resolve({ exitCode: code ?? 137, driverStdout: stdout, driverStderr: stderr });
    });
  });
}

/** The test runner's PYTHONPATH is not the emulated node's. */
function withoutPythonPath(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { PYTHONPATH: _, ...rest } = env;
  return rest;
}

function splitS3(uri: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([^/]+)\/(.*)$/.exec(uri);
  if (!m) throw new Error(`not an s3 URI: ${uri}`);
  return { bucket: m[1] as string, key: m[2] as string };
}

/**
 * A step that writes a finished run's outputs (the fixture run's metrics, a job.json, then `_SUCCESS`)
 * where the step's spec says, once `release` resolves: for tests of what happens around a job (the CLI
 * dying, collecting later) that need a complete run, not Spark's time.
 */
export function fixtureRunExecutor(options: { s3: S3; root: string; release: Promise<void> }): StepExecutor {
  return async (step) => {
    await options.release;
    const { appArgs } = parseSparkSubmit(step.args);
    const specUri = appArgs[appArgs.indexOf("--spec") + 1] ?? "";
    const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(specUri);
    if (!match) throw new Error(`no s3:// spec in ${step.args.join(" ")}`);
    // The outputs go where the spec says (the spec itself is under code/, apart from them).
    const specObject = await options.s3.getObject({ Bucket: match[1], Key: match[2] });
    const spec = JSON.parse((await specObject.Body?.transformToString()) ?? "{}") as {
      output: { uri: string };
    };
    const [, bucket, prefix] = /^s3:\/\/([^/]+)\/(.+?)\/?$/.exec(spec.output.uri) ?? [];
    if (!bucket || !prefix) throw new Error(`no s3:// output in the spec at ${specUri}`);
    const fixture = path.join(options.root, "test", "fixtures", "run-binary");
    const manifest = JSON.parse(await readFile(path.join(fixture, "manifest.json"), "utf8"));
    const job = {
      rows: manifest.rows,
      rejects: { rows: 0, max_fraction: 0.01, uri: null },
      null_counts: manifest.null_counts,
      class_balance: manifest.class_balance,
      stages: manifest.stages,
      versions: {
        spark: manifest.versions.spark,
        python: manifest.versions.python,
        java: manifest.versions.java,
      },
      partitions: manifest.partitions,
    };
    const put = (key: string, body: string) =>
      options.s3.putObject({ Bucket: bucket, Key: `${prefix}/${key}`, Body: body });
    await put("metrics.json", await readFile(path.join(fixture, "metrics.json"), "utf8"));
    await put("job.json", JSON.stringify(job));
    await put("_SUCCESS", "");
    return { exitCode: 0, driverStdout: "", driverStderr: "" };
  };
}
