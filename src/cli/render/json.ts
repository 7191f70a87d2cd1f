import type { Message, Span } from "../../ui/io.js";
import type { ErrorReport, Renderer } from "./renderer.js";

const NO_SPAN: Span = { update() {}, succeed() {}, fail() {} };

/** --json: stdout carries exactly one JSON document, the result or the error; warnings go to stderr. */
export class JsonRenderer implements Renderer {
  private document: unknown;

  constructor(
    private readonly out: NodeJS.WritableStream = process.stdout,
    private readonly err: NodeJS.WritableStream = process.stderr,
  ) {}

  notify(message: Message): void {
    if (message.level === "warn") this.err.write(`warning: ${message.message}\n`);
  }

  span(): Span {
    return NO_SPAN;
  }

  print(): void {}

  result(value: unknown): void {
    this.document = value;
  }

  error(report: ErrorReport): void {
    this.document = {
      error: { kind: report.kind, message: report.message, hint: report.hint, ...report.details },
    };
    this.err.write(`error: ${report.message}\n`);
    if (report.hint) this.err.write(`hint: ${report.hint}\n`);
  }

  finish(): void {
    if (this.document !== undefined) this.out.write(`${JSON.stringify(this.document, null, 2)}\n`);
  }
}
