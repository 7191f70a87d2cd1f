import type { IoHost, Message, Span } from "../../src/ui/io.js";

/** One recorded message; spans record their start, updates and end with `span` set. */
export interface Recorded extends Message {
  span?: "start" | "update" | "succeed" | "fail";
}

/** Records every message, for tests: assert on codes and payloads, or on the text as a person reads it. */
export class RecordingHost implements IoHost {
  readonly messages: Recorded[] = [];

  notify(message: Message): void {
    this.messages.push(message);
  }

  span(message: Message): Span {
    this.messages.push({ ...message, span: "start" });
    const end = (how: "succeed" | "fail", detail?: string) =>
      this.messages.push({
        ...message,
        message: `${how === "succeed" ? "ok" : "fail"} ${message.message}${detail ? ` ${detail}` : ""}`,
        span: how,
      });
    return {
      update: (text, data) => this.messages.push({ ...message, message: text, data, span: "update" }),
      succeed: (detail) => end("succeed", detail),
      fail: (detail) => end("fail", detail),
    };
  }

  /** Every message's text, one per line (span updates left out, as a non-terminal shows them). */
  text(): string {
    return this.messages
      .filter((m) => m.span !== "update")
      .map((m) => m.message)
      .join("\n");
  }

  codes(): string[] {
    return this.messages.filter((m) => m.span === undefined || m.span === "start").map((m) => m.code);
  }

  /** The payload of the first message with this code. */
  data<D>(code: string): D | undefined {
    return this.messages.find((m) => m.code === code)?.data as D | undefined;
  }
}
