/**
 * How library code talks to whoever runs it, in the manner of the CDK toolkit library's IoHost: every
 * message carries a stable code, a level and a typed payload besides its text. Library code never prints;
 * it hands messages to an injected host, and the CLI decides how they look (spinners, plain lines, one
 * JSON event per line, nothing). Codes and payload types are listed in ./codes.ts.
 */
export type Level = "debug" | "info" | "warn" | "error" | "result";

export interface Message<D = unknown> {
  /** Stable identifier, e.g. "KND_I1001"; the letter after the underscore repeats the level. */
  readonly code: string;
  readonly level: Level;
  /** The human text, complete on its own. */
  readonly message: string;
  /** The facts behind the text, for programs (--events jsonl) and tests. */
  readonly data: D;
  readonly time: Date;
}

/** A unit of work with a start and an end: a spinner on a terminal, start/end events elsewhere. */
export interface Span {
  /** Progress shown while it runs (a byte count, a cluster's state and cost so far). */
  update(message: string, data?: unknown): void;
  /** Ends it as done; `detail` replaces the elapsed time shown after its text. */
  succeed(detail?: string): void;
  /** Ends it as failed. */
  fail(detail?: string): void;
}

export interface IoHost {
  notify(message: Message): void;
  /** Starts a span; `message` is its start event and names it. */
  span(message: Message): Span;
}
