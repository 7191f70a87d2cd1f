import type { IoHost } from "../ui/io.js";

/** What a command gets from the entry point besides its options. */
export interface CommandIO {
  /** Where library code's messages go; the entry renders them for the chosen output mode. */
  host: IoHost;
  /** Output for a person, on stdout (nothing under --json; an event under --events jsonl). */
  print(text: string): void;
  /** The command's machine-readable result: the one document of --json, the last event of --events. */
  emitJson(value: unknown): void;
  /** Aborted on Ctrl-C, SIGTERM or SIGHUP. */
  signal: AbortSignal;
  cwd: string;
  /** --verbose: Spark's own log as it happens. */
  verbose: boolean;
  /**
   * Ends a successful command with this exit code instead of 0: a result told through the code, as
   * `plan --exit-code` says "there are changes" with 2.
   */
  setExitCode(code: number): void;
}
