import { readFile } from "node:fs/promises";
import path from "node:path";
import { createAwsClients } from "../../aws/clients.js";
import { realSleep, type Sleep } from "../../clock.js";
import { readJson } from "../../runs/files.js";
import type { Manifest, ServerlessRunFacts } from "../../runs/manifest.js";
import { readStepLogs, type StepLogs } from "../../targets/emr/logs.js";
import { CLUSTER_DONE } from "../../targets/emr/watch.js";
import { renderJobLogLine } from "../../targets/local/events.js";
import { readDriverLogs } from "../../targets/serverless/train.js";
import { JOB_RUN_DONE } from "../../targets/serverless/watch.js";
import { displayPath } from "../../ui/format.js";
import type { CommandIO } from "../io.js";
import type { LogsOptions } from "../options.js";
import { type AwsFactory, namedRun } from "./status.js";

const STREAMS: Array<[keyof Omit<StepLogs, "sources">, string]> = [
  ["stepStderr", "step stderr"],
  ["containerStdout", "job (driver stdout)"],
  ["containerStderr", "driver stderr"],
];

/**
 * `kindling logs RUN [--follow]`: a local run's job log (its progress events in words, and where Spark's
 * own log is), or an EMR run's step and driver logs from the log URI. With --follow, new output is printed
 * as it arrives until the run (or cluster) has ended.
 */
export async function logsCommand(
  options: LogsOptions,
  io: CommandIO,
  deps: { aws?: AwsFactory; sleep?: Sleep; pollMs?: number } = {},
): Promise<void> {
  const run = await namedRun(options, io);
  const sleep = deps.sleep ?? realSleep;
  const serverless = run.manifest?.serverless;
  if (serverless?.job_run_id) {
    await serverlessLogs(serverless, run.id, options, io, deps);
    return;
  }
  const emr = run.manifest?.emr;
  if (!emr?.cluster_id) {
    await localLogs(run.dir, run.id, options.follow, io, sleep);
    return;
  }
  const printed = new Map<string, number>();
  const emit = (label: string, text: string | undefined) => {
    if (!text) return;
    const from = printed.get(label) ?? 0;
    if (text.length <= from) return;
    io.print(from === 0 ? `── ${label} ──\n${text.slice(from)}` : text.slice(from));
    printed.set(label, text.length);
  };
  const aws = await (deps.aws ?? createAwsClients)({
    region: emr.region,
    ...(options.profile ? { profile: options.profile } : {}),
  });
  const stepId = emr.step_id ?? "";
  let logs: StepLogs = { sources: [] };
  for (;;) {
    logs = await readStepLogs(aws.s3, emr.log_uri, emr.cluster_id, stepId);
    for (const [key, label] of STREAMS) emit(label, logs[key]);
    if (!options.follow || io.signal.aborted) break;
    const state = (await aws.emr.describeCluster({ ClusterId: emr.cluster_id })).Cluster?.Status?.State ?? "";
    if (CLUSTER_DONE.has(state)) {
      // EMR pushes the last logs at termination: one more read after the end.
      logs = await readStepLogs(aws.s3, emr.log_uri, emr.cluster_id, stepId);
      for (const [key, label] of STREAMS) emit(label, logs[key]);
      break;
    }
    await sleep(deps.pollMs ?? 10_000, io.signal);
  }
  if (logs.sources.length === 0 && printed.size === 0) {
    io.print(`No logs under ${emr.log_uri}${emr.cluster_id}/ yet (EMR uploads them every few minutes).`);
  }
  io.emitJson({
    run_id: run.id,
    cluster_id: emr.cluster_id,
    sources: logs.sources,
    step_stderr: logs.stepStderr ?? null,
    driver_stdout: logs.containerStdout ?? null,
    driver_stderr: logs.containerStderr ?? null,
  });
}

/** An EMR Serverless run's driver logs; with `follow`, until the job run has ended. */
async function serverlessLogs(
  facts: ServerlessRunFacts,
  runId: string,
  options: LogsOptions,
  io: CommandIO,
  deps: { aws?: AwsFactory; sleep?: Sleep; pollMs?: number },
): Promise<void> {
  const aws = await (deps.aws ?? createAwsClients)({
    region: facts.region,
    ...(options.profile ? { profile: options.profile } : {}),
  });
  const jobRunId = facts.job_run_id ?? "";
  const read = () => readDriverLogs(aws.s3, facts.log_uri, facts.application_id, jobRunId);
  let logs = await read();
  while (options.follow && !io.signal.aborted) {
    const state =
      (await aws.emrServerless.getJobRun({ applicationId: facts.application_id, jobRunId })).jobRun?.state ??
      "";
    logs = await read();
    if (JOB_RUN_DONE.has(state)) break;
    await (deps.sleep ?? realSleep)(deps.pollMs ?? 10_000, io.signal);
  }
  if (logs.stdout) io.print(`── job (driver stdout) ──\n${logs.stdout}`);
  if (logs.stderr) io.print(`── driver stderr ──\n${logs.stderr}`);
  if (!logs.stdout && !logs.stderr) {
    io.print(
      `No driver logs under ${facts.log_uri} for job run ${jobRunId} yet (EMR Serverless writes them as the job runs).`,
    );
  }
  io.emitJson({
    run_id: runId,
    job_run_id: jobRunId,
    driver_stdout: logs.stdout ?? null,
    driver_stderr: logs.stderr ?? null,
  });
}

/** job.log line by line, events rendered; with `follow`, until the manifest stops saying "running". */
async function localLogs(
  dir: string,
  runId: string,
  follow: boolean,
  io: CommandIO,
  sleep: Sleep,
): Promise<void> {
  const jobLog = path.join(dir, "logs", "job.log");
  let done = 0;
  const lines: string[] = [];
  for (;;) {
    const text = (await readFile(jobLog, "utf8").catch(() => "")).slice(done);
    // Only whole lines: the rest is still being written.
    const end = text.lastIndexOf("\n") + 1;
    if (end > 0) {
      const fresh = text.slice(0, end).split("\n").slice(0, -1);
      lines.push(...fresh);
      io.print(fresh.map(renderJobLogLine).join("\n"));
      done += end;
    }
    const manifest = await readJson<Manifest>(path.join(dir, "manifest.json")).catch(() => undefined);
    if (!follow || manifest?.status !== "running" || io.signal.aborted) break;
    await sleep(1000, io.signal);
  }
  const sparkLog = path.join(dir, "logs", "spark.log");
  if (lines.length === 0) io.print(`No job output yet in ${displayPath(jobLog)}.`);
  io.print(`Spark's own log: ${displayPath(sparkLog)}`);
  io.emitJson({ run_id: runId, job_log: jobLog, spark_log: sparkLog, lines });
}
