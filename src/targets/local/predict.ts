import { randomBytes } from "node:crypto";
import { copyFile, mkdir, readdir, rename, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { InterruptedError, JobFailedError } from "../../errors.js";
import type { PredictOutcome } from "../../predict/outcome.js";
import type { PredictPlan } from "../../predict/plan.js";
import { buildPredictSpec, type PredictResult } from "../../predict/spec.js";
import { readJson, writeJson } from "../../runs/files.js";
import type { IoHost } from "../../ui/io.js";
import { KINDLING_VERSION } from "../../versions.js";
import { prepareLaunch, writeCommandFile } from "./launch.js";
import { killRunProcesses, RUN_ID_ENV } from "./processes.js";
import { runSparkProcess } from "./sparkProcess.js";

export interface LocalPredictOptions {
  venv: { python: string; sparkSubmit: string };
  master: string;
  /** Settings kept off the command line (the standalone cluster's secret), by path. */
  propertiesFile?: string;
  io: IoHost;
  verbose: boolean;
  signal: AbortSignal;
}

/**
 * Scores with the project's PySpark. The job writes into a scratch folder next to the output (same file
 * system), and its one data file is renamed onto the output at the end: a failed or interrupted
 * prediction leaves nothing at the output path.
 */
export async function predictLocally(
  plan: PredictPlan,
  options: LocalPredictOptions,
): Promise<PredictOutcome> {
  const { file: output } = plan.output;
  const scratch = path.join(
    path.dirname(output),
    `.${path.basename(output)}.kindling-${randomBytes(3).toString("hex")}`,
  );
  await mkdir(scratch);
  try {
    const jobDir = path.join(scratch, "job");
    const specFile = path.join(scratch, "predict-spec.json");
    await writeJson(
      specFile,
      buildPredictSpec({
        runId: plan.runId,
        kindlingVersion: KINDLING_VERSION,
        target: "local",
        trainSpec: plan.trainSpec,
        modelUri: pathToFileURL(plan.modelDir).href,
        featureSet: plan.featureSet,
        textColumn: plan.textColumn,
        inputUri: pathToFileURL(plan.input.file).href,
        inputFormat: plan.input.format,
        outputUri: pathToFileURL(jobDir).href,
        outputFormat: plan.output.format,
      }),
    );
    const launch = await prepareLaunch({
      venv: options.venv,
      runId: `predict-${plan.runId}`,
      specFile,
      codeDir: path.join(scratch, "code"),
      cwd: scratch,
      master: options.master,
      ...(options.propertiesFile ? { propertiesFile: options.propertiesFile } : {}),
      appName: `kindling predict ${plan.runId}`,
      driverMemory: "2g",
      conf: { "spark.ui.showConsoleProgress": false, "spark.ui.enabled": false },
    });
    const sparkLog = path.join(scratch, "spark.log");
    await writeCommandFile(path.join(scratch, "command.txt"), launch);
    const result = await runSparkProcess({
      launch,
      jobLog: path.join(scratch, "job.log"),
      sparkLog,
      io: options.io,
      verbose: options.verbose,
      signal: options.signal,
    });
    await killRunProcesses(launch.env[RUN_ID_ENV] as string);
    if (result.interrupted) {
      throw new InterruptedError(`Prediction with run ${plan.runId} was interrupted`, {
        hint: `Nothing was written to ${output}.`,
      });
    }
    if (result.exitCode !== 0) {
      // The scratch folder goes; Spark's log is kept where the hint says.
      const kept = path.join(os.tmpdir(), `kindling-predict-${plan.runId}-${Date.now()}.log`);
      await copyFile(sparkLog, kept).catch(() => undefined);
      const message = result.error?.message ?? `spark-submit exited with ${result.exitCode ?? result.signal}`;
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
}
