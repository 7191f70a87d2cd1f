/**
 * The reporter is how library code talks to the person (or machine) at the other end. It is passed in,
 * never created deep inside, so tests can record what was said and commands can switch to --json.
 */
export type Level = "debug" | "info" | "warn" | "error";

export interface Reporter {
  /** A line of ordinary output. */
  info(message: string): void;
  /** Something the user should look at but that does not stop the command. */
  warn(message: string): void;
  /** Detail shown only with --verbose. */
  debug(message: string): void;
  /** A unit of work started; returns a handle that ends it. Shown as a spinner on a terminal. */
  stage(name: string): StageHandle;
  /** Text that must reach the user verbatim (tables, summaries). Suppressed under --json. */
  print(text: string): void;
}

export interface StageHandle {
  /** Ends the stage as done; `detail` is appended (e.g. "12.3s"). */
  succeed(detail?: string): void;
  /** Ends the stage as failed. */
  fail(detail?: string): void;
  /** Updates the text shown while the stage runs (e.g. a byte count). */
  update(text: string): void;
}

/** A recorded message, for tests. */
export interface Recorded {
  level: Level | "print" | "stage";
  message: string;
}

/** Records everything; used by tests to assert on what a command said. */
export class RecordingReporter implements Reporter {
  readonly messages: Recorded[] = [];
  info(message: string): void {
    this.messages.push({ level: "info", message });
  }
  warn(message: string): void {
    this.messages.push({ level: "warn", message });
  }
  debug(message: string): void {
    this.messages.push({ level: "debug", message });
  }
  print(text: string): void {
    this.messages.push({ level: "print", message: text });
  }
  stage(name: string): StageHandle {
    this.messages.push({ level: "stage", message: `start ${name}` });
    return {
      succeed: (d) => this.messages.push({ level: "stage", message: `ok ${name}${d ? ` ${d}` : ""}` }),
      fail: (d) => this.messages.push({ level: "stage", message: `fail ${name}${d ? ` ${d}` : ""}` }),
      update: () => {},
    };
  }
  text(): string {
    return this.messages.map((m) => m.message).join("\n");
  }
}
