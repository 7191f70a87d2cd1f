import { processesWithEnv } from "../shared/processes.js";

/** Set in the environment of spark-submit; the JVM and every Python worker inherit it. */
export const RUN_ID_ENV = "KINDLING_RUN_ID";

/**
 * Processes started for a run, found by the run id in their environment. A Python worker that left the
 * process group (or a JVM child) is still found this way.
 */
export function runProcesses(runId: string): Promise<number[]> {
  return processesWithEnv(RUN_ID_ENV, runId);
}

/** Kills (SIGKILL) whatever is left of a run; returns the pids it found. */
export async function killRunProcesses(runId: string): Promise<number[]> {
  const pids = await runProcesses(runId);
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
  return pids;
}
