import ora, { type Ora } from "ora";
import { formatDuration } from "../../ui/format.js";
import type { Message, Span } from "../../ui/io.js";
import type { ErrorReport, Renderer } from "./renderer.js";

export interface TerminalOptions {
  verbose: boolean;
  out?: NodeJS.WriteStream;
  err?: NodeJS.WriteStream;
  /** Without a terminal, a running span's progress is printed at most this often. Default 30 s. */
  progressEveryMs?: number;
  now?: () => number;
  /** Where CI and TERM are read from. Default process.env. */
  env?: NodeJS.ProcessEnv;
}

interface RunningSpan {
  name: string;
  detail: string;
  elapsed: () => string;
}

/**
 * Human output: spans as spinners on a terminal (plain lines elsewhere, e.g. CI logs), messages on stderr,
 * the command's own output on stdout.
 */
export class TerminalRenderer implements Renderer {
  private readonly out: NodeJS.WriteStream;
  private readonly err: NodeJS.WriteStream;
  private readonly now: () => number;
  private readonly running = new Set<RunningSpan>();
  private spinner: Ora | undefined;
  private ticker: NodeJS.Timeout | undefined;

  constructor(private readonly options: TerminalOptions) {
    this.out = options.out ?? process.stdout;
    this.err = options.err ?? process.stderr;
    this.now = options.now ?? Date.now;
  }

  notify(message: Message): void {
    if (message.level === "debug" && !this.options.verbose) return;
    if (message.level === "result") {
      this.print(message.message);
      return;
    }
    const prefix = message.level === "warn" ? "warning: " : message.level === "error" ? "error: " : "";
    this.line(`${prefix}${message.message}`);
  }

  span(start: Message): Span {
    const name = start.message;
    const started = this.now();
    const elapsed = () => formatDuration((this.now() - started) / 1000);
    // Spark's log lines (--verbose) would garble a redrawn spinner.
    if (!this.interactive() || this.options.verbose) return this.plainSpan(name, elapsed);
    const running: RunningSpan = { name, detail: "", elapsed };
    this.running.add(running);
    this.redraw();
    return {
      update: (text) => {
        running.detail = text;
        this.redraw();
      },
      succeed: (d) => this.settle(running, "succeed", d),
      fail: (d) => this.settle(running, "fail", d),
    };
  }

  /**
   * Every running span on one spinner, a line each: spans can run at once (Word2Vec's feature set trains
   * beside the others), and two spinners on one stream would overwrite each other's lines.
   */
  private redraw(): void {
    if (this.running.size === 0) return;
    const text = [...this.running]
      .map((r) => `${r.name}${r.detail ? ` · ${r.detail}` : ""} · ${r.elapsed()}`)
      .join("\n  ");
    if (this.spinner) {
      this.spinner.text = text;
      return;
    }
    // discardStdin would put the terminal in raw mode, where Ctrl-C no longer becomes SIGINT. The choice
    // of a spinner is made in span(), so ora is not left to make its own (it would print one line and go quiet).
    this.spinner = ora({ text, stream: this.err, discardStdin: false, isEnabled: true }).start();
    this.ticker = setInterval(() => this.redraw(), 200);
    this.ticker.unref();
  }

  /** The span's last line stays where the spinner was; the spans still running go on below it. */
  private settle(running: RunningSpan, outcome: "succeed" | "fail", detail?: string): void {
    if (!this.running.delete(running) || !this.spinner) return;
    clearInterval(this.ticker);
    this.spinner[outcome](`${running.name} (${detail ?? running.elapsed()})`);
    this.spinner = undefined;
    this.redraw();
  }

  /**
   * A terminal that redraws: CI runners often give a pseudo-terminal whose log keeps every frame, and a
   * dumb terminal cannot move the cursor, so both get plain lines (the rule ora and most CLIs follow).
   */
  private interactive(): boolean {
    const env = this.options.env ?? process.env;
    return this.err.isTTY === true && !("CI" in env) && env.TERM !== "dumb";
  }

  print(text: string): void {
    this.out.write(text.endsWith("\n") ? text : `${text}\n`);
  }

  result(): void {}

  error(report: ErrorReport): void {
    this.line(`error: ${report.message}`);
    if (report.hint) this.line(`hint: ${report.hint}`);
  }

  finish(): void {}

  /**
   * Start and end lines, and progress now and then: what a log file should hold. A long span with nothing
   * new to say (Word2Vec's fit) still prints that it runs, with its elapsed time, as often.
   */
  private plainSpan(name: string, elapsed: () => string): Span {
    this.line(`… ${name}`);
    const every = this.options.progressEveryMs ?? 30_000;
    let last = this.now();
    let shown = "";
    // The newest progress, printed or not: the heartbeat prints it when it comes round first.
    let latest = "";
    const show = (text: string) => {
      last = this.now();
      shown = text;
      this.line(`  ${name}: ${text} (${elapsed()})`);
    };
    const heartbeat = setInterval(() => {
      if (this.now() - last >= every) show(latest || "running");
    }, every);
    heartbeat.unref();
    const end = (mark: string, detail?: string) => {
      clearInterval(heartbeat);
      this.line(`${mark} ${name} (${detail ?? elapsed()})`);
    };
    return {
      update: (text) => {
        latest = text;
        if (text === shown || this.now() - last < every) return;
        show(text);
      },
      succeed: (d) => end("✔", d),
      fail: (d) => end("✖", d),
    };
  }

  private line(text: string): void {
    this.err.write(`${text}\n`);
  }
}
