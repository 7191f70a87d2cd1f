import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Manifest } from "../../src/runs/manifest.js";
import { runProcesses } from "../../src/targets/local/processes.js";

const BIN = fileURLToPath(new URL("../../bin/kindling.js", import.meta.url));

/** A `kindling` process the test can watch and signal while it runs. */
export interface Running {
  child: ChildProcess;
  stderr(): string;
  /** Resolves when stderr matches, rejects if the process ends first or after `ms`. */
  waitFor(pattern: RegExp, ms?: number): Promise<RegExpMatchArray>;
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

export function start(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Running {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  const waiters: Array<() => void> = [];
  child.stdout?.on("data", (d) => {
    stdout += d;
  });
  child.stderr?.on("data", (d) => {
    stderr += d;
    for (const w of waiters) w();
  });
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    child.once("close", (code) => {
      for (const w of waiters) w();
      resolve({ code, stdout, stderr });
    });
  });
  let ended = false;
  void done.then(() => {
    ended = true;
  });
  return {
    child,
    stderr: () => stderr,
    done,
    waitFor(pattern, ms = 120_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}:\n${stderr}`)), ms);
        const check = () => {
          const match = stderr.match(pattern);
          if (match) {
            clearTimeout(timer);
            resolve(match);
          } else if (ended || child.exitCode !== null) {
            clearTimeout(timer);
            reject(new Error(`kindling ended before ${pattern}:\n${stderr}`));
          }
        };
        waiters.push(check);
        check();
      });
    },
  };
}

/** The run id a running `kindling run` announced ("Run <id> → runs/<id>"). */
export async function runIdOf(running: Running): Promise<string> {
  const match = await running.waitFor(/Run (\d{8}-\d{6}-[a-z0-9-]+-[0-9a-f]{4}) →/);
  return match[1] ?? "";
}

/** The Spark JVM of a run (found by KINDLING_RUN_ID in its environment). */
export async function jvmOf(runId: string): Promise<number> {
  for (const pid of await runProcesses(runId)) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "java") return pid;
    } catch {
      // gone
    }
  }
  throw new Error(`no JVM found for ${runId}`);
}

/** Waits until no process of the run is left (the runner kills the group, then sweeps). */
export async function noProcessesLeft(runId: string, ms = 15_000): Promise<number[]> {
  const until = Date.now() + ms;
  let left = await runProcesses(runId);
  while (left.length > 0 && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 250));
    left = await runProcesses(runId);
  }
  return left;
}

export function readManifest(runDir: string): Manifest {
  return JSON.parse(readFileSync(path.join(runDir, "manifest.json"), "utf8")) as Manifest;
}

export function runDirs(root: string): string[] {
  return existsSync(root)
    ? readdirSync(root)
        .filter((n) => /^\d{8}-/.test(n))
        .sort()
    : [];
}

/** A tiny two-class corpus with plain words: enough for a run of a few seconds of Spark work. */
export function writeTinyCorpus(file: string, rows = 40): void {
  const words = {
    spam: "free money offer winner prize click cash bonus".split(" "),
    ham: "meeting project review schedule team report lunch agenda".split(" "),
  };
  const lines = ["text,label"];
  for (let i = 0; i < rows; i++) {
    const label = i % 2 === 0 ? "spam" : "ham";
    const w = words[label];
    const text = Array.from({ length: 8 }, (_, j) => w[(i * 7 + j * 3) % w.length]).join(" ");
    lines.push(`"${text}, and more",${label}`);
  }
  writeFileSync(file, `${lines.join("\n")}\n`);
}

/** Mounts a tmpfs (root only); undefined when the machine does not allow it. */
export function mountTmpfs(dir: string, size: string): boolean {
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir], { stdio: "pipe" });
    return true;
  } catch {
    return false;
  }
}

export function unmount(dir: string): void {
  try {
    execFileSync("umount", [dir], { stdio: "pipe" });
  } catch {
    // not mounted
  }
}
