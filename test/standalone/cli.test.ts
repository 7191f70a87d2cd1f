import { CommanderError } from "commander";
import { describe, expect, it } from "vitest";
import type { RunOptions } from "../../src/cli/options.js";
import { buildProgram, type Handlers } from "../../src/cli/program.js";
import { UsageError } from "../../src/errors.js";

/** Parses `kindling run …` and returns the options the run handler received. */
async function parseRun(argv: string[]): Promise<RunOptions> {
  let seen: RunOptions | undefined;
  const none = async () => {};
  const handlers = new Proxy({} as Handlers, {
    get: (_t, name) =>
      name === "run"
        ? async (o: RunOptions) => {
            seen = o;
          }
        : none,
  });
  const program = buildProgram(handlers);
  program.configureOutput({ writeErr: () => {}, writeOut: () => {} });
  for (const c of program.commands) {
    c.exitOverride();
    c.configureOutput({ writeErr: () => {}, writeOut: () => {} });
  }
  await program.parseAsync(["run", ...argv], { from: "user" });
  if (!seen) throw new Error("the run handler did not run");
  return seen;
}

const base = { json: false, verbose: false, config: "kindling.yaml" };

describe("kindling run --target standalone", () => {
  it.each([
    [["--target", "standalone"], { ...base, target: "standalone" }],
    [["--target", "standalone", "--workers", "3"], { ...base, target: "standalone", workers: 3 }],
  ])("%j → options", async (argv, expected) => {
    expect(await parseRun(argv)).toEqual(expected);
  });

  it.each([
    [["--workers", "2"], UsageError, /--workers needs --target standalone/],
    [["--target", "emr", "--workers", "2"], UsageError, /--workers needs --target standalone/],
    [
      ["--target", "standalone", "--master", "spark://127.0.0.1:7077"],
      UsageError,
      /--master cannot be combined with --target standalone/,
    ],
    [["--target", "standalone", "--workers", "0"], CommanderError, /whole number of 1 or more, got "0"/],
    [["--target", "standalone", "--workers", "1.5"], CommanderError, /whole number of 1 or more/],
    [["--target", "standalone", "--workers", "two"], CommanderError, /whole number of 1 or more/],
    [["--target", "cluster"], CommanderError, /Allowed choices are local, standalone, emr/],
  ])("%j is refused", async (argv, type, message) => {
    const error = await parseRun(argv).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(type);
    expect((error as Error).message).toMatch(message);
    if (error instanceof UsageError) expect(error.exitCode).toBe(2);
  });
});
