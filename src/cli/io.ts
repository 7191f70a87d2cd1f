import type { Reporter } from "../ui/reporter.js";

/** What a command gets from the entry point besides its options. */
export interface CommandIO {
  reporter: Reporter;
  /** Aborted on Ctrl-C / SIGTERM. */
  signal: AbortSignal;
  /** Writes the one JSON document of --json mode. */
  emitJson(value: unknown): void;
  cwd: string;
}
