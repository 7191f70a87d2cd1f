import { randomBytes } from "node:crypto";
import { copyFile, mkdir, readdir, rename, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { JobFailedError } from "../errors.js";
import { readJson, writeJson } from "../runs/files.js";
import { requireSparkEnv } from "../targets/local/prerequisites.js";
import { runSparkProcess } from "../targets/local/sparkProcess.js";
import { JOB_ENTRY, packageJob } from "../targets/shared/package.js";
import { buildSparkSubmitArgs } from "../targets/shared/sparkSubmit.js";
import { KINDLING_VERSION } from "../versions.js";
import type { PredictExecutor } from "./executor.js";
import { buildPredictSpec, type PredictResult } from "./spec.js";

/**
 * Scores on local Spark with the project's PySpark. The job writes into a scratch folder next to the output
 * (same file system), and its one data file is renamed onto the output at the end: a failed or interrupted
 * prediction leaves nothing at the output path.
 */
export const predictLocal: PredictExecutor = async (plan, context) => {
  const env = requireSparkEnv();
  const { file: output } = plan.output;
  const scratch = path.join(
    path.dirname(output),
    `.${path.basename(output)}.kindling-${randomBytes(3).toString("hex")}`,
  );
  await mkdir(scratch);
  try {
    const jobDir = path.join(scratch, "job");
    const spec = buildPredictSpec({
      runId: plan.runId,
      kindlingVersion: KINDLING_VERSION,
      target: "local",
      trainSpec: plan.trainSpec,
      modelUri: pathToFileURL(plan.modelDir).href,
      featureSet: plan.featureSet,
      inputUri: pathToFileURL(plan.input.file).href,
      inputFormat: plan.input.format,
      outputUri: pathToFileURL(jobDir).href,
      outputFormat: plan.output.format,
    });
    const specFile = path.join(scratch, "predict-spec.json");
    await writeJson(specFile, spec);
    const zip = await packageJob(path.join(scratch, "kindling_job.zip"));
    const args = buildSparkSubmitArgs({
      master: context.master ?? "local[*]",
      appName: `kindling predict ${plan.runId}`,
      entry: JOB_ENTRY,
      pyFiles: [zip],
      specUri: specFile,
      driverMemory: "2g",
      conf: { "spark.ui.showConsoleProgress": false, "spark.ui.enabled": false },
    });
    const sparkLog = path.join(scratch, "spark.log");
    await writeFile(path.join(scratch, "command.txt"), `${env.sparkSubmit} ${args.join(" ")}\n`);
    const result = await runSparkProcess({
      command: env.sparkSubmit,
      args,
      cwd: scratch,
      env: {
        ...process.env,
        PATH: `${path.dirname(env.python)}${path.delimiter}${process.env.PATH ?? ""}`,
        PYSPARK_PYTHON: env.python,
        PYSPARK_DRIVER_PYTHON: env.python,
        SPARK_LOCAL_IP: process.env.SPARK_LOCAL_IP ?? "127.0.0.1",
        PYTHONUNBUFFERED: "1",
      },
      jobLog: path.join(scratch, "job.log"),
      sparkLog,
      reporter: context.reporter,
      verbose: context.verbose,
      ...(context.signal ? { signal: context.signal } : {}),
    });
    if (result.exitCode !== 0 || result.interrupted) {
      // The scratch folder goes; Spark's log is kept where the hint says.
      const kept = path.join(os.tmpdir(), `kindling-predict-${plan.runId}-${Date.now()}.log`);
      await copyFile(sparkLog, kept).catch(() => undefined);
      const message = result.interrupted
        ? "the prediction was interrupted"
        : (result.error?.message ?? `spark-submit exited with ${result.exitCode ?? result.signal}`);
      throw new JobFailedError(`Prediction with run ${plan.runId} failed: ${message}`, {
        ...(result.error?.stage ? { stage: result.error.stage } : {}),
        hint: `Nothing was written to ${output}. Spark's log: ${kept}`,
      });
    }
    const dataDir = path.join(jobDir, "data");
    const ext = plan.output.format === "csv" ? ".csv" : ".parquet";
    const parts = (await readdir(dataDir)).filter((f) => f.startsWith("part-") && f.endsWith(ext));
    if (parts.length !== 1) {
      throw new JobFailedError(`the predict job left ${parts.length} data files in ${dataDir}; expected one`);
    }
    const summary = await readJson<PredictResult>(path.join(jobDir, "predict.json"));
    // rename() replaces an existing file atomically, which is what --force asked for.
    await rename(path.join(dataDir, parts[0] as string), output);
    return { output, result: summary };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
};
