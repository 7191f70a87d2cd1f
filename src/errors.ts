/**
 * Typed errors. Library code throws these; only the CLI entry (src/cli/main.ts) prints them and exits.
 * `exitCode` follows the CLI contract: 1 = the run or check failed, 2 = the user asked for something invalid,
 * 130 = the user interrupted it (128 + SIGINT, as shells report Ctrl-C).
 */
export type ExitCode = 1 | 2 | 130;

export class KindlingError extends Error {
  /** Exit code the CLI uses for this error. Default 1. */
  readonly exitCode: ExitCode;
  /** What the user can do about it, shown under the message. */
  readonly hint: string | undefined;

  constructor(message: string, options: { exitCode?: ExitCode; hint?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.exitCode = options.exitCode ?? 1;
    this.hint = options.hint;
  }
}

/** Invalid flags, arguments or config: the user must change what they asked for (exit 2). */
export class UsageError extends KindlingError {
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, { ...options, exitCode: 2 });
  }
}

/** One problem found in a config file, located by key path and (when known) line. */
export interface ConfigIssue {
  path: string;
  message: string;
  line?: number;
  column?: number;
  /** Set by a command-line override rather than the file: the argument (`--set train.folds=1`). */
  source?: string;
}

/** The config file is not valid; carries every problem found, not just the first. */
export class ConfigError extends UsageError {
  readonly file: string;
  readonly issues: ConfigIssue[];

  /** `environment`: the one of the file's environments the config was checked in. */
  constructor(file: string, issues: ConfigIssue[], environment?: string) {
    const lines = issues.map((i) => {
      const where =
        i.source ?? (i.line === undefined ? file : `${file}:${i.line}${i.column ? `:${i.column}` : ""}`);
      return `  ${where}  ${i.path || "(root)"}: ${i.message}`;
    });
    super(
      `${file}${environment ? ` (environment ${environment})` : ""} is not a valid Kindling config (${issues.length} problem${issues.length === 1 ? "" : "s"}):\n${lines.join("\n")}`,
      {
        hint: "Fix the keys above; `kindling init` writes a commented example and schema/kindling.schema.json gives editors completion.",
      },
    );
    this.file = file;
    this.issues = issues;
  }
}

/** Something the machine lacks (Java, Python, a venv): says what to install. */
export class PrerequisiteError extends KindlingError {}

/** The Spark job or a cloud step failed. */
export class JobFailedError extends KindlingError {
  readonly stage: string | undefined;
  constructor(message: string, options: { stage?: string; hint?: string; cause?: unknown } = {}) {
    super(message, options);
    this.stage = options.stage;
  }
}

/** The user stopped the command (Ctrl-C, SIGTERM, or the terminal closed): exit 130. */
export class InterruptedError extends KindlingError {
  readonly stage: string | undefined;
  constructor(message: string, options: { stage?: string; hint?: string } = {}) {
    super(message, { ...options, exitCode: 130 });
    this.stage = options.stage;
  }
}
