import { CommanderError } from "commander";
import { KindlingError } from "../errors.js";
import { JsonReporter, TerminalReporter } from "../ui/terminal.js";
import { compareCommand } from "./commands/compare.js";
import { demoCommand } from "./commands/demo.js";
import { doctorCommand } from "./commands/doctor.js";
import { deployCommand, destroyCommand, planCommand, synthCommand } from "./commands/foundation.js";
import { initCommand } from "./commands/init.js";
import { logsCommand } from "./commands/logs.js";
import { predictCommand } from "./commands/predict.js";
import { reportCommand } from "./commands/report.js";
import { runCommand } from "./commands/run.js";
import { runsCommand } from "./commands/runs.js";
import { schemaCommand } from "./commands/schema.js";
import { statusCommand } from "./commands/status.js";
import { validateCommand } from "./commands/validate.js";
import type { CommandIO } from "./io.js";
import type { GlobalOptions } from "./options.js";
import { buildProgram } from "./program.js";

/**
 * The entry point, and the only place that prints errors and sets the exit code:
 * 0 success, 1 failure, 2 usage error (bad flags, arguments or config).
 */
export async function main(argv: string[]): Promise<number> {
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupts += 1;
    if (interrupts > 1) process.exit(130);
    process.stderr.write(`\n${signal}: stopping the run (press Ctrl-C again to quit at once)…\n`);
    controller.abort(signal);
  };
  // `kindling runs | head` closes stdout early; that is the reader's choice, not an error.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(0);
    throw error;
  });
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  let json = false;
  let jsonOut: unknown;
  const io = (options: GlobalOptions): CommandIO => {
    json = options.json;
    return {
      reporter: options.json ? new JsonReporter() : new TerminalReporter(options.verbose),
      signal: controller.signal,
      cwd: process.cwd(),
      emitJson: (value) => {
        jsonOut = value;
      },
    };
  };

  const program = buildProgram({
    demo: (o) => demoCommand(o, io(o)),
    init: (o) => initCommand(o, io(o)),
    run: (o) => runCommand(o, io(o)).then(() => undefined),
    validate: (o) => validateCommand(o, io(o)),
    doctor: (o) => doctorCommand(o, io(o)),
    runs: (o) => runsCommand(o, io(o)),
    schema: (o) => schemaCommand(o, io(o)),
    synth: (o) => synthCommand(o, io(o)),
    plan: (o) => planCommand(o, io(o)),
    deploy: (o) => deployCommand(o, io(o)),
    destroy: (o) => destroyCommand(o, io(o)),
    status: (o) => statusCommand(o, io(o)),
    logs: (o) => logsCommand(o, io(o)),
    report: (o) => reportCommand(o, io(o)),
    compare: (o) => compareCommand(o, io(o)).then(() => undefined),
    predict: (o) => predictCommand(o, io(o)).then(() => undefined),
  });

  try {
    await program.parseAsync(argv, { from: "user" });
    if (json && jsonOut !== undefined) process.stdout.write(`${JSON.stringify(jsonOut, null, 2)}\n`);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end through here too, successfully.
      return error.exitCode === 0 ? 0 : 2;
    }
    const known = error instanceof KindlingError;
    const message = known ? error.message : `internal error: ${(error as Error)?.stack ?? String(error)}`;
    if (json) {
      process.stdout.write(
        `${JSON.stringify({ error: { kind: known ? error.name : "InternalError", message, hint: known ? error.hint : undefined, ...details(error) } }, null, 2)}\n`,
      );
    }
    process.stderr.write(`error: ${message}\n`);
    if (known && error.hint) process.stderr.write(`hint: ${error.hint}\n`);
    return known ? error.exitCode : 1;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

/** Structured detail some errors carry (config issues, data findings, the failed stage) for --json. */
function details(error: unknown): Record<string, unknown> {
  const e = error as { issues?: unknown; findings?: unknown; stage?: unknown };
  return {
    ...(Array.isArray(e.issues) ? { issues: e.issues } : {}),
    ...(Array.isArray(e.findings) ? { findings: e.findings } : {}),
    ...(typeof e.stage === "string" ? { stage: e.stage } : {}),
  };
}
