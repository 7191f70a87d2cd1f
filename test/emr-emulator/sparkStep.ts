import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { S3 } from "@aws-sdk/client-s3";
import { x as extractTar } from "tar";
import { checkoutVenvName } from "../../src/targets/local/pythonEnv.js";
import { venvSparkHome } from "../../src/targets/standalone/sparkHome.js";
import { lineOfRelease, VERSIONS } from "../../src/versions.js";
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

/** How the emulated cluster runs a step. */
export interface SparkStepOptions {
  s3: S3;
  root: string;
  master?: string;
  /**
   * The Python on the emulated nodes (PYSPARK_PYTHON for the driver and executors). Default: the project
   * venv's, which has NumPy; a clean Python proves the job's packages come from the archive it ships.
   */
  python?: string;
}

/**
 * The checkout's venv with the Spark of the cluster's (or application's) release: a cluster of emr-7.x runs
 * Spark 3.5, one of emr-spark-8.x Spark 4.0, as on AWS.
 */
function releaseVenv(root: string, cluster: ClusterRecord): string {
  const request = cluster.request as { ReleaseLabel?: string; releaseLabel?: string };
  const line = lineOfRelease(request.ReleaseLabel ?? request.releaseLabel ?? "") ?? VERSIONS.line;
  return path.join(root, checkoutVenvName(line));
}

/**
 * Runs a spark-submit step with the project's local PySpark of the release's line, as EMR would on the cluster: s3:// code, spec,
 * input and archives are fetched from the S3 server into a scratch dir (the driver's container), archives
 * are unpacked there under their `#name` as YARN does, `spark.yarn.appMasterEnv.*` settings (on EMR
 * Serverless `spark.emr-serverless.driverEnv.*`) become the driver's environment, the spec is rewritten to
 * file:// URIs, the job runs on local[2], and everything it wrote is put back under the spec's s3:// output
 * URI (_SUCCESS last, as the job wrote it last). EMR Serverless job runs come here as the same steps
 * (serverless.ts turns a job driver into a spark-submit command line).
 */
export function sparkSubmitExecutor(options: SparkStepOptions): StepExecutor {
  return async (step, cluster, signal) => {
    const scratch = await mkdtemp(path.join(os.tmpdir(), "emr-emulator-"));
    try {
      return await runStep(
        options,
        parseSparkSubmit(step.args),
        scratch,
        signal,
        releaseVenv(options.root, cluster),
      );
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  };
}

async function runStep(
  options: SparkStepOptions,
  submit: SparkSubmitStep,
  scratch: string,
  signal: AbortSignal,
  venv: string,
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
  const appArgs = [...submit.appArgs];
  const specAt = appArgs.indexOf("--spec");
  let outputUri: string | undefined;
  const outputDir = path.join(scratch, "output");
  if (specAt >= 0) {
    const specFile = await local(appArgs[specAt + 1] as string, "spec");
    const spec = JSON.parse(await readFile(specFile, "utf8"));
    if (String(spec.input?.uri).startsWith("s3://")) {
      spec.input.uri = pathToFileURL(await fetch(spec.input.uri, "input")).href;
    }
    // A predict spec (docs/job-spec.md) also reads a saved model: a folder of objects.
    if (spec.kind === "predict" && String(spec.model?.uri).startsWith("s3://")) {
      spec.model.uri = pathToFileURL(await fetchTree(s3, spec.model.uri, path.join(scratch, "model"))).href;
    }
    if (String(spec.output?.uri).startsWith("s3://")) {
      outputUri = spec.output.uri;
      // The predict job refuses an output folder that exists.
      if (spec.kind !== "predict") await mkdir(outputDir, { recursive: true });
      spec.output.uri = pathToFileURL(outputDir).href;
    }
    const rewritten = path.join(scratch, "spec", "spec.local.json");
    await writeFile(rewritten, JSON.stringify(spec));
    appArgs[specAt + 1] = rewritten;
  }

  const python = options.python ?? path.join(venv, "bin", "python");
  const sparkHome = venvSparkHome(venv);
  const outcome = await new Promise<StepOutcome>((resolve, reject) => {
    const child = spawn(path.join(sparkHome, "bin", "spark-submit"), [...args, entry, ...appArgs], {
      cwd: scratch,
      env: {
        ...withoutPythonPath(process.env),
        SPARK_HOME: sparkHome,
        PYSPARK_PYTHON: python,
        PYSPARK_DRIVER_PYTHON: python,
        SPARK_LOCAL_IP: "127.0.0.1",
        PYTHONUNBUFFERED: "1",
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

  if (outputUri && existsSync(outputDir)) await uploadTree(s3, outputDir, outputUri);
  return outcome;
}

/** Gets every object below `uri` into `dir` (kept as the folder it was); returns `dir`. */
async function fetchTree(s3: S3, uri: string, dir: string): Promise<string> {
  const { bucket, key } = splitS3(uri);
  const prefix = key.replace(/\/?$/, "/");
  let token: string | undefined;
  do {
    const page = await s3.listObjectsV2({ Bucket: bucket, Prefix: prefix, ContinuationToken: token });
    for (const object of page.Contents ?? []) {
      if (!object.Key || object.Key.endsWith("/")) continue;
      const target = path.join(dir, ...object.Key.slice(prefix.length).split("/"));
      await mkdir(path.dirname(target), { recursive: true });
      const res = await s3.getObject({ Bucket: bucket, Key: object.Key });
      await writeFile(
        target,
        Buffer.from(
          await (res.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
        ),
      );
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return dir;
}

/** Puts every file under `dir` below `uri`; `_SUCCESS` last, as a job's committer would. */
async function uploadTree(s3: S3, dir: string, uri: string): Promise<void> {
  const { bucket, key } = splitS3(uri);
  const prefix = key.replace(/\/?$/, "/");
  const files = (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile() && !e.name.endsWith(".crc"))
    .map((e) => path.join(e.parentPath, e.name));
  const ordered = [
    ...files.filter((f) => path.basename(f) !== "_SUCCESS" || path.dirname(f) !== dir),
    ...files.filter((f) => f === path.join(dir, "_SUCCESS")),
  ];
  for (const file of ordered) {
    const relative = path.relative(dir, file).split(path.sep).join("/");
    await s3.putObject({ Bucket: bucket, Key: `${prefix}${relative}`, Body: await readFile(file) });
  }
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
