import { CommanderError } from "commander";
import { translateAwsError } from "../aws/errors.js";
import { KindlingError } from "../errors.js";
import type { CommandIO } from "./io.js";
import type { GlobalOptions } from "./options.js";
import { buildProgram, type Handlers } from "./program.js";
import { JsonRenderer } from "./render/json.js";
import { JsonLinesRenderer } from "./render/jsonLines.js";
import type { ErrorReport, Renderer } from "./render/renderer.js";
import { TerminalRenderer } from "./render/terminal.js";

/** Signals that stop a command the way Ctrl-C does; a closed terminal (SIGHUP) included. */
const STOP_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/**
 * The entry point, and the only place that renders errors and decides the exit code: 0 success,
 * 1 failure, 2 usage error (bad flags, arguments or config), 130 interrupted. Commands are loaded when
 * chosen, so `kindling --help` or `validate` never load the AWS SDK or the CDK.
 */
export async function main(argv: string[]): Promise<number> {
  const controller = new AbortController();
  let interrupts = 0;
  let renderer: Renderer | undefined;
  let exitCode = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupts += 1;
    if (interrupts > 1) process.exit(130);
    // A closed terminal cannot be written to any more; the run still stops cleanly.
    if (signal !== "SIGHUP")
      process.stderr.write(`\n${signal}: stopping (press Ctrl-C again to quit at once)…\n`);
    controller.abort(signal);
  };
  guardOutput();
  for (const s of STOP_SIGNALS) process.on(s, onSignal);

  const io = (options: GlobalOptions): CommandIO => {
    renderer = rendererFor(options);
    const r = renderer;
    return {
      host: r,
      print: (text) => r.print(text),
      emitJson: (value) => r.result(value),
      signal: controller.signal,
      cwd: process.cwd(),
      verbose: options.verbose,
      setExitCode: (code) => {
        exitCode = code;
      },
    };
  };
  const program = buildProgram(lazyHandlers(io));

  try {
    await program.parseAsync(argv, { from: "user" });
    renderer?.finish();
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end through here too, successfully.
      return error.exitCode === 0 ? 0 : 2;
    }
    const report = errorReport(error);
    (renderer ?? new TerminalRenderer({ verbose: false })).error(report);
    renderer?.finish();
    return report.exitCode;
  } finally {
    for (const s of STOP_SIGNALS) process.off(s, onSignal);
  }
}

let guarded = false;

/**
 * `kindling logs latest | head` closes stdout early: the reader's choice, so the command ends quietly
 * (exit 0). A closed terminal makes writes fail with EIO: the command goes on and stops cleanly.
 * Output errors can arrive after main() returned, so the guard stays for the life of the process.
 */
function guardOutput(): void {
  if (guarded) return;
  guarded = true;
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(0);
    if (error.code !== "EIO") throw error;
  });
  process.stderr.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE" && error.code !== "EIO") throw error;
  });
}

function rendererFor(options: GlobalOptions): Renderer {
  if (options.events === "jsonl") return new JsonLinesRenderer();
  if (options.json) return new JsonRenderer();
  return new TerminalRenderer({ verbose: options.verbose });
}

/** Each handler imports its command's module when the command runs. */
function lazyHandlers(io: (options: GlobalOptions) => CommandIO): Handlers {
  return {
    demo: async (o) => (await import("./commands/demo.js")).demoCommand(o, io(o)),
    init: async (o) => (await import("./commands/init.js")).initCommand(o, io(o)),
    run: async (o) => void (await (await import("./commands/run.js")).runCommand(o, io(o))),
    validate: async (o) => (await import("./commands/validate.js")).validateCommand(o, io(o)),
    doctor: async (o) => (await import("./commands/doctor.js")).doctorCommand(o, io(o)),
    setup: async (o) => (await import("./commands/setup.js")).setupCommand(o, io(o)),
    runs: async (o) => (await import("./commands/runs.js")).runsCommand(o, io(o)),
    schema: async (o) => (await import("./commands/schema.js")).schemaCommand(o, io(o)),
    synth: async (o) => (await import("./commands/foundation.js")).synthCommand(o, io(o)),
    plan: async (o) => (await import("./commands/foundation.js")).planCommand(o, io(o)),
    deploy: async (o) => (await import("./commands/foundation.js")).deployCommand(o, io(o)),
    destroy: async (o) => (await import("./commands/foundation.js")).destroyCommand(o, io(o)),
    status: async (o) => (await import("./commands/status.js")).statusCommand(o, io(o)),
    logs: async (o) => (await import("./commands/logs.js")).logsCommand(o, io(o)),
    report: async (o) => (await import("./commands/report.js")).reportCommand(o, io(o)),
    compare: async (o) => void (await (await import("./commands/compare.js")).compareCommand(o, io(o))),
    tag: async (o) => (await import("./commands/tag.js")).tagCommand(o, io(o)),
    exportMlflow: async (o) =>
      void (await (await import("./commands/export.js")).exportMlflowCommand(o, io(o))),
    sweep: async (o) => (await import("./commands/sweep.js")).sweepCommand(o, io(o)),
    push: async (o) => (await import("./commands/share.js")).pushCommand(o, io(o)),
    pull: async (o) => (await import("./commands/share.js")).pullCommand(o, io(o)),
    predict: async (o) => void (await (await import("./commands/predict.js")).predictCommand(o, io(o))),
    terminate: async (o) => (await import("./commands/recover.js")).terminateCommand(o, io(o)),
    collect: async (o) => void (await (await import("./commands/recover.js")).collectCommand(o, io(o))),
    cluster: async (o) => (await import("./commands/cluster.js")).clusterCommand(o, io(o)),
    cache: async (o) => (await import("./commands/cache.js")).cacheCommand(o, io(o)),
    history: async (o) => (await import("./commands/history.js")).historyCommand(o, io(o)),
    preflight: async (o) => (await import("./commands/preflight.js")).preflightCommand(o, io(o)),
  };
}

function errorReport(thrown: unknown): ErrorReport {
  // An AWS failure no command words itself (expired credentials in `kindling status`) still reads plainly.
  const error = translateAwsError(thrown, "talking to AWS");
  if (error instanceof KindlingError) {
    return {
      kind: error.name,
      message: error.message,
      ...(error.hint ? { hint: error.hint } : {}),
      exitCode: error.exitCode,
      details: details(error),
    };
  }
  return {
    kind: "InternalError",
    message: `internal error: ${(error as Error)?.stack ?? String(error)}`,
    exitCode: 1,
    details: {},
  };
}

/** Structured detail some errors carry (config issues, data findings, the failed stage) for programs. */
function details(error: unknown): Record<string, unknown> {
  const e = error as { issues?: unknown; findings?: unknown; stage?: unknown; checks?: unknown };
  return {
    ...(Array.isArray(e.issues) ? { issues: e.issues } : {}),
    ...(Array.isArray(e.checks) ? { checks: e.checks } : {}),
    ...(Array.isArray(e.findings) ? { findings: e.findings } : {}),
    ...(typeof e.stage === "string" ? { stage: e.stage } : {}),
  };
}
