import { UsageError } from "../errors.js";

/**
 * One thing input validation found. `error` stops the command before anything runs; `warning` is shown
 * and the run goes on; `info` is shown by `kindling validate` only (e.g. CRLF line endings: fine).
 */
export interface DataFinding {
  severity: "error" | "warning" | "info";
  /** Stable identifier, e.g. "missing-column", "non-utf8" (tests and --json rely on it). */
  code: string;
  /** Where: "data/x.csv:12" (file and line), "data/x.csv" or a config key path such as "data.path". */
  where: string;
  /** What is wrong, naming the config key involved when there is one. */
  message: string;
  /** How to fix it. */
  fix?: string;
}

export function finding(
  severity: DataFinding["severity"],
  code: string,
  where: string,
  message: string,
  fix?: string,
): DataFinding {
  return fix === undefined ? { severity, code, where, message } : { severity, code, where, message, fix };
}

/** Renders findings one per line, the fix indented under each (the format of ConfigError, plus the fix). */
export function formatFindings(findings: readonly DataFinding[]): string {
  return findings.map((f) => `  ${f.where}  ${f.message}${f.fix ? `\n      fix: ${f.fix}` : ""}`).join("\n");
}

/** The input cannot be used as it is: every problem found, not just the first (exit 2, like a config error). */
export class DataError extends UsageError {
  readonly findings: DataFinding[];

  constructor(input: string, findings: DataFinding[]) {
    const errors = findings.filter((f) => f.severity === "error");
    super(
      `${input} cannot be used as it is (${errors.length} problem${errors.length === 1 ? "" : "s"}):\n${formatFindings(errors)}`,
      {
        hint: "Fix the data or the data: section of the config; `kindling validate` re-checks without starting Spark.",
      },
    );
    this.findings = findings;
  }
}
