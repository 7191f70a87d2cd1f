import ora from "ora";
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

/**
 * Human output: spans as spinners on a terminal (plain lines elsewhere, e.g. CI logs), messages on stderr,
 * the command's own output on stdout.
 */
export class TerminalRenderer implements Renderer {
  private readonly out: NodeJS.WriteStream;
  private readonly err: NodeJS.WriteStream;
  private readonly now: () => number;

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
    let detail = "";
    // discardStdin would put the terminal in raw mode, where Ctrl-C no longer becomes SIGINT. The choice
    // of a spinner is made above, so ora is not left to make its own (it would print one line and go quiet).
    const spinner = ora({ text: name, stream: this.err, discardStdin: false, isEnabled: true }).start();
    const render = () => {
      spinner.text = `${name}${detail ? ` · ${detail}` : ""} · ${elapsed()}`;
    };
    const timer = setInterval(render, 200);
    timer.unref();
    return {
      update: (text) => {
        detail = text;
        render();
      },
      succeed: (d) => {
        clearInterval(timer);
        spinner.succeed(`${name} (${d ?? elapsed()})`);
      },
      fail: (d) => {
        clearInterval(timer);
        spinner.fail(`${name} (${d ?? elapsed()})`);
      },
    };
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
