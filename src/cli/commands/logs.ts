import { readFile } from "node:fs/promises";
import path from "node:path";
import { readJson } from "../../runs/files.js";
import type { Manifest } from "../../runs/manifest.js";
import { createEmrAws } from "../../targets/emr/aws.js";
import { readStepLogs, type StepLogs } from "../../targets/emr/logs.js";
import { realSleep, type Sleep } from "../../targets/emr/retry.js";
import { CLUSTER_DONE } from "../../targets/emr/watch.js";
import type { CommandIO } from "../io.js";
import type { LogsOptions } from "../options.js";
import { type AwsFactory, findRun } from "./status.js";

const STREAMS: Array<[keyof Omit<StepLogs, "sources">, string]> = [
  ["stepStderr", "step stderr"],
  ["containerStdout", "job (driver stdout)"],
  ["containerStderr", "driver stderr"],
];

/**
 * `kindling logs ID [--follow]`: a local run's job log, or an EMR run's step and driver logs from the
 * log URI. With --follow, new output is printed as it arrives until the run (or cluster) has ended.
 */
export async function logsCommand(
  options: LogsOptions,
  io: CommandIO,
  deps: { aws?: AwsFactory; sleep?: Sleep; pollMs?: number } = {},
): Promise<void> {
  const run = await findRun(options.config, options.runId, io.cwd);
  const sleep = deps.sleep ?? realSleep;
  const pollMs = deps.pollMs ?? 10_000;
  const emr = run.manifest?.emr;
  const printed = new Map<string, number>();
  const emit = (label: string, text: string | undefined) => {
    if (!text) return;
    const from = printed.get(label) ?? 0;
    if (text.length <= from) return;
    io.reporter.print(from === 0 ? `── ${label} ──\n${text.slice(from)}` : text.slice(from));
    printed.set(label, text.length);
  };

  if (!emr?.cluster_id) {
    const jobLog = path.join(run.dir, "logs", "job.log");
    for (;;) {
      emit("job.log", await readFile(jobLog, "utf8").catch(() => undefined));
      const manifest = await readJson<Manifest>(path.join(run.dir, "manifest.json")).catch(() => undefined);
      if (!options.follow || manifest?.status !== "running" || io.signal.aborted) break;
      await sleep(1000, io.signal);
    }
    io.emitJson({ run_id: run.id, logs: Object.fromEntries(printed) });
    return;
  }

  const aws = await (deps.aws ?? createEmrAws)({
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
    await sleep(pollMs, io.signal);
  }
  if (logs.sources.length === 0 && printed.size === 0) {
    io.reporter.info(
      `No logs under ${emr.log_uri}${emr.cluster_id}/ yet (EMR uploads them every few minutes).`,
    );
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
