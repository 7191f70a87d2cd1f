import { readdir, readFile } from "node:fs/promises";

/**
 * Live processes whose environment holds `name=value` (Linux /proc; empty elsewhere). The cluster's
 * executors and their Python workers inherit the marker from the worker that launched them, so they are
 * found even when they left the worker's process group (PySpark's daemon makes its own).
 */
export async function processesWithEnv(name: string, value: string): Promise<number[]> {
  let entries: string[];
  try {
    entries = await readdir("/proc");
  } catch {
    return [];
  }
  const marker = `\u0000${name}=${value}\u0000`;
  const found: number[] = [];
  await Promise.all(
    entries
      .filter((e) => /^\d+$/.test(e) && Number(e) !== process.pid)
      .map(async (e) => {
        try {
          const environ = await readFile(`/proc/${e}/environ`, "latin1");
          if (`\u0000${environ}`.includes(marker) && (await isRunning(Number(e)))) found.push(Number(e));
        } catch {
          // Gone, or not ours to read.
        }
      }),
  );
  return found.sort((a, b) => a - b);
}

/** Whether `pid` still runs; a zombie (exited, not yet reaped by its parent) counts as gone. */
export async function isRunning(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "latin1");
    // The state follows the command name, which is in parentheses and may itself contain them.
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Signals a whole process group (a process started detached leads its own). */
export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/** Signals one process. */
export function signalProcess(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

/** Waits until none of `pids` runs or `ms` pass; returns those still running. */
export async function waitUntilGone(pids: number[], ms: number): Promise<number[]> {
  const deadline = Date.now() + ms;
  let alive = pids;
  for (;;) {
    alive = (await Promise.all(alive.map(async (p) => ((await isRunning(p)) ? p : -1)))).filter(
      (p) => p >= 0,
    );
    if (alive.length === 0 || Date.now() >= deadline) return alive;
    await new Promise((r) => setTimeout(r, 100));
  }
}
