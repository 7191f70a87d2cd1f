import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { buildCli, ROOT } from "../helpers/cli.js";

const HOOK = path.join(ROOT, "test", "helpers", "moduleLog.mjs");
const BIN = path.join(ROOT, "bin", "kindling.js");
const RUN = "20261127-231500-spam-7f3a";
/** The fixture again under a second id: compare wants two different runs. */
const OTHER_RUN = "20261127-231600-spam-8b4c";
const HEAVY = /\/node_modules\/(aws-cdk-lib|@aws-cdk\/toolkit-lib|cdk-nag|@aws-sdk\/client-[a-z-]+)\//;

/** The packages a `kindling …` process resolved, with how it ended. */
function loadedBy(args: string[], cwd: string): { code: number | null; packages: Set<string> } {
  const log = path.join(cwd, `modules-${args[0]}.log`);
  writeFileSync(log, "");
  const result = spawnSync(process.execPath, ["--import", HOOK, BIN, ...args], {
    cwd,
    env: { ...process.env, KINDLING_MODULE_LOG: log },
    encoding: "utf8",
  });
  const packages = new Set(
    readFileSync(log, "utf8")
      .split("\n")
      .map((url) => HEAVY.exec(url)?.[1])
      .filter((name): name is string => name !== undefined),
  );
  return { code: result.status, packages };
}

let dir: string;
beforeAll(() => {
  buildCli();
  dir = mkdtempSync(path.join(os.tmpdir(), "klazy-"));
  writeFileSync(path.join(dir, "data.csv"), 'text,label\n"free money",spam\n"lunch at noon",ham\n');
  writeFileSync(path.join(dir, "kindling.yaml"), "project: lazy\ndata:\n  path: data.csv\n");
  cpSync(path.join(ROOT, "test", "fixtures", "run-binary"), path.join(dir, "runs", RUN), { recursive: true });
  cpSync(path.join(ROOT, "test", "fixtures", "run-binary"), path.join(dir, "runs", OTHER_RUN), {
    recursive: true,
  });
}, 120_000);

// Every module Kindling loads is resolved through Node's ESM loader; a hook records them.
describe("commands load what they use, nothing more", () => {
  it.each([
    [["--help"]],
    [["validate"]],
    [["runs"]],
    [["report", RUN]],
    [["compare", RUN, OTHER_RUN]],
    [["schema"]],
  ])("`kindling %s` loads neither the CDK, cdk-nag nor the AWS SDK", (args) => {
    const { code, packages } = loadedBy(args, dir);
    expect(code).toBe(0);
    expect([...packages]).toEqual([]);
  });

  it("the check can see them: `kindling synth` loads aws-cdk-lib, the toolkit and cdk-nag", () => {
    const { code, packages } = loadedBy(["synth", "--out", path.join(dir, "out")], dir);
    expect(code).toBe(0);
    expect([...packages].sort()).toEqual(["@aws-cdk/toolkit-lib", "aws-cdk-lib", "cdk-nag"]);
  }, 120_000);
});
