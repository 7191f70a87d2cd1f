import { execFile } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

/**
 * Live processes whose environment holds `name=value`: read from Linux's /proc, or from `ps` where there is
 * none (macOS). A run's or a cluster's executors and Python workers inherit the marker from what launched
 * them, so they are found even when they left its process group (PySpark's daemon makes its own).
 */
export async function processesWithEnv(
  name: string,
  value: string,
  options: { procRoot?: string; platform?: NodeJS.Platform } = {},
): Promise<number[]> {
  const procRoot = options.procRoot ?? "/proc";
  let entries: string[];
  try {
    entries = await readdir(procRoot);
  } catch {
    return processesWithEnvFromPs(name, value, options.platform ?? process.platform);
  }
  const marker = `\u0000${name}=${value}\u0000`;
  const found: number[] = [];
  await Promise.all(
    entries
      .filter((e) => /^\d+$/.test(e) && Number(e) !== process.pid)
      .map(async (e) => {
        try {
          const environ = await readFile(path.join(procRoot, e, "environ"), "latin1");
          if (`\u0000${environ}`.includes(marker) && (await isRunning(Number(e)))) found.push(Number(e));
        } catch {
          // Gone, or not ours to read.
        }
      }),
  );
  return found.sort((a, b) => a - b);
}

/**
 * The same from `ps`, which prints a process's environment after its command line: BSD ps (macOS) with
 * -E, procps (Linux) with the `e` modifier. A value with spaces would be split, but ours are ids.
 */
async function processesWithEnvFromPs(
  name: string,
  value: string,
  platform: NodeJS.Platform,
): Promise<number[]> {
  const args = platform === "darwin" ? ["-axEww", "-o", "pid=,command="] : ["axeww", "-o", "pid=,args="];
  let stdout: string;
  try {
    ({ stdout } = await execFileAsync("ps", args, { maxBuffer: 64 * 1024 * 1024 }));
  } catch {
    return [];
  }
  const found: number[] = [];
  for (const line of stdout.split("\n")) {
    const match = /^\s*(\d+)\s(.*)$/.exec(line);
    if (!match || Number(match[1]) === process.pid) continue;
    if ((match[2] ?? "").split(/\s+/).includes(`${name}=${value}`)) found.push(Number(match[1]));
  }
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
