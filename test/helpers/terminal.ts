import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../../bin/kindling.js", import.meta.url));
/** A tmux server of the tests' own, so nobody's sessions are touched. */
const SOCKET = `kindling-tests-${process.pid}`;

const tmux = (...args: string[]) =>
  execFileSync("tmux", ["-L", SOCKET, ...args], {
    encoding: "utf8",
    env: { ...process.env, TERM: "xterm-256color" },
  });

const shellQuote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;

/**
 * `kindling …` in a real pseudo-terminal (a detached tmux session): keys are pressed as a person presses
 * them (Ctrl-C goes through the terminal's line discipline, not a kill(2) from the test), and the screen is
 * read as a person sees it.
 */
export class TerminalSession {
  private readonly exitFile: string;

  private constructor(
    readonly name: string,
    exitFile: string,
  ) {
    this.exitFile = exitFile;
  }

  static start(
    name: string,
    args: string[],
    options: { cwd: string; env?: Record<string, string> },
  ): TerminalSession {
    const exitFile = path.join(os.tmpdir(), `${SOCKET}-${name}.exit`);
    const env = Object.entries(options.env ?? {}).map(([k, v]) => `${k}=${shellQuote(v)}`);
    const command = `env ${env.join(" ")} ${shellQuote(process.execPath)} ${shellQuote(BIN)} ${args.map(shellQuote).join(" ")}; echo $? > ${shellQuote(exitFile)}; sleep 600`;
    tmux("new-session", "-d", "-s", name, "-x", "160", "-y", "50", "-c", options.cwd, command);
    return new TerminalSession(name, exitFile);
  }

  /** What the terminal shows now (its scrollback included). */
  screen(): string {
    return tmux("capture-pane", "-p", "-J", "-S", "-500", "-t", this.name);
  }

  async waitFor(pattern: RegExp, ms = 180_000): Promise<string> {
    const until = Date.now() + ms;
    for (;;) {
      const screen = this.screen();
      if (pattern.test(screen)) return screen;
      if (Date.now() > until) throw new Error(`timed out waiting for ${pattern}; the screen:\n${screen}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** Presses keys, e.g. "C-c" (Ctrl-C). */
  press(keys: string): void {
    tmux("send-keys", "-t", this.name, keys);
  }

  /** The command's exit code, once it has ended. */
  async exitCode(ms = 120_000): Promise<number> {
    const until = Date.now() + ms;
    while (!existsSync(this.exitFile) || readFileSync(this.exitFile, "utf8").trim() === "") {
      if (Date.now() > until) throw new Error(`kindling did not end; the screen:\n${this.screen()}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    return Number(readFileSync(this.exitFile, "utf8").trim());
  }

  /** Closes the terminal, as closing its window does: the processes in it get SIGHUP. */
  close(): void {
    try {
      tmux("kill-session", "-t", this.name);
    } catch {
      // already gone
    }
  }
}

/** Stops the tests' tmux server. */
export function stopTerminals(): void {
  try {
    tmux("kill-server");
  } catch {
    // no server
  }
}
