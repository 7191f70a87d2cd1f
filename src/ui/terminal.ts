import ora from "ora";
import type { Reporter, StageHandle } from "./reporter.js";

/**
 * Human output: stages as spinners on a TTY (plain lines elsewhere, e.g. in CI logs), everything on
 * stderr except `print`, which is the command's result and goes to stdout.
 */
export class TerminalReporter implements Reporter {
  constructor(
    private readonly verbose: boolean,
    private readonly out: NodeJS.WriteStream = process.stdout,
    private readonly err: NodeJS.WriteStream = process.stderr,
  ) {}

  info(message: string): void {
    this.err.write(`${message}\n`);
  }
  warn(message: string): void {
    this.err.write(`warning: ${message}\n`);
  }
  debug(message: string): void {
    if (this.verbose) this.err.write(`${message}\n`);
  }
  print(text: string): void {
    this.out.write(text.endsWith("\n") ? text : `${text}\n`);
  }
  stage(name: string): StageHandle {
    const started = Date.now();
    const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
    // Verbose output interleaves Spark's log lines, which a redrawn spinner would garble.
    const interactive = Boolean(this.err.isTTY) && !this.verbose;
    if (!interactive) {
      this.err.write(`… ${name}\n`);
      return {
        succeed: (detail) => this.err.write(`✔ ${name} (${detail ?? elapsed()})\n`),
        fail: (detail) => this.err.write(`✖ ${name} (${detail ?? elapsed()})\n`),
        update: () => {},
      };
    }
    const spinner = ora({ text: name, stream: this.err }).start();
    const timer = setInterval(() => {
      spinner.text = `${name} ${elapsed()}`;
    }, 200);
    timer.unref();
    return {
      succeed: (detail) => {
        clearInterval(timer);
        spinner.succeed(`${name} (${detail ?? elapsed()})`);
      },
      fail: (detail) => {
        clearInterval(timer);
        spinner.fail(`${name} (${detail ?? elapsed()})`);
      },
      update: (text) => {
        spinner.text = `${name} ${text}`;
      },
    };
  }
}

/** --json: stdout carries exactly one JSON document (written by the command); warnings go to stderr. */
export class JsonReporter implements Reporter {
  constructor(private readonly err: NodeJS.WriteStream = process.stderr) {}
  info(): void {}
  debug(): void {}
  print(): void {}
  warn(message: string): void {
    this.err.write(`warning: ${message}\n`);
  }
  stage(): StageHandle {
    return { succeed: () => {}, fail: () => {}, update: () => {} };
  }
}
