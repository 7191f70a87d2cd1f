import type { Message, Span } from "../../ui/io.js";
import type { ErrorReport, Renderer } from "./renderer.js";

/**
 * --events jsonl: one JSON object per line on stdout, as things happen, for orchestrators. Every message
 * keeps its code, level, text and payload; spans add `span` ("start", "update", "end") and an id; the
 * command's result and its error are the last events (codes KND_R9001 and KND_E9002).
 */
export class JsonLinesRenderer implements Renderer {
  private spans = 0;
  private resultEvent: Record<string, unknown> | undefined;

  constructor(
    private readonly out: NodeJS.WritableStream = process.stdout,
    private readonly now: () => Date = () => new Date(),
  ) {}

  notify(message: Message): void {
    this.write(event(message));
  }

  span(start: Message): Span {
    const id = ++this.spans;
    const began = this.now().getTime();
    this.write({ ...event(start), span: "start", span_id: id });
    const end = (ok: boolean, detail?: string) =>
      this.write({
        ...event(start),
        time: this.now().toISOString(),
        span: "end",
        span_id: id,
        ok,
        seconds: (this.now().getTime() - began) / 1000,
        ...(detail ? { detail } : {}),
      });
    return {
      update: (text, data) =>
        this.write({
          ...event(start),
          time: this.now().toISOString(),
          span: "update",
          span_id: id,
          message: text,
          data: data ?? null,
        }),
      succeed: (detail) => end(true, detail),
      fail: (detail) => end(false, detail),
    };
  }

  print(text: string): void {
    this.write({
      time: this.now().toISOString(),
      level: "result",
      code: "KND_R9003",
      message: text,
      data: null,
    });
  }

  /** Held until finish(): the result is the last event, after anything the command printed. */
  result(value: unknown): void {
    this.resultEvent = {
      time: this.now().toISOString(),
      level: "result",
      code: "KND_R9001",
      message: "",
      data: value,
    };
  }

  error(report: ErrorReport): void {
    this.write({
      time: this.now().toISOString(),
      level: "error",
      code: "KND_E9002",
      message: report.message,
      data: { kind: report.kind, hint: report.hint ?? null, exit_code: report.exitCode, ...report.details },
    });
  }

  finish(): void {
    if (this.resultEvent) this.write(this.resultEvent);
    this.resultEvent = undefined;
  }

  private write(value: Record<string, unknown>): void {
    this.out.write(`${JSON.stringify(value)}\n`);
  }
}

function event(message: Message): Record<string, unknown> {
  return {
    time: message.time.toISOString(),
    level: message.level,
    code: message.code,
    message: message.message,
    data: message.data ?? null,
  };
}
