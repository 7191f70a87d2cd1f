import type { IoHost } from "../../ui/io.js";

/** How a command ended badly, as every renderer shows it. */
export interface ErrorReport {
  /** The error class, e.g. "ConfigError", "JobFailedError", "InternalError". */
  kind: string;
  message: string;
  hint?: string;
  exitCode: number;
  /** Structured detail some errors carry: config issues, data findings, the failed stage. */
  details: Record<string, unknown>;
}

/**
 * The CLI's side of the message host: library code notifies it; commands add their own output (`print`
 * for a person, `result` for programs); the entry reports the error, if any, then calls `finish`.
 */
export interface Renderer extends IoHost {
  /** Output for a person, on stdout. */
  print(text: string): void;
  /** The command's machine-readable result (the --json document). */
  result(value: unknown): void;
  error(report: ErrorReport): void;
  /** Writes what was held back until the end (the --json document). */
  finish(): void;
}
