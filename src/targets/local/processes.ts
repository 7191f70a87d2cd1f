import { readdir, readFile } from "node:fs/promises";

/** Set in the environment of spark-submit; the JVM and every Python worker inherit it. */
export const RUN_ID_ENV = "KINDLING_RUN_ID";

/**
 * Processes started for a run, found by the run id in their environment (Linux /proc; empty elsewhere).
 * A Python worker that left the process group (or a JVM child) is still found this way.
 */
export async function runProcesses(runId: string): Promise<number[]> {
  let names: string[];
  try {
    names = await readdir("/proc");
  } catch {
    return [];
  }
  const marker = `${RUN_ID_ENV}=${runId}\u0000`;
  const found: number[] = [];
  await Promise.all(
    names
      .filter((n) => /^\d+$/.test(n) && Number(n) !== process.pid)
      .map(async (n) => {
        try {
          const environ = await readFile(`/proc/${n}/environ`, "latin1");
          if (`\u0000${environ}\u0000`.includes(`\u0000${marker}`)) found.push(Number(n));
        } catch {
          // Gone, or not ours to read.
        }
      }),
  );
  return found.sort((a, b) => a - b);
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
