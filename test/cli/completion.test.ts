import { execFileSync } from "node:child_process";
import { beforeAll, describe, expect, it } from "vitest";
import { buildCli, kindling, ROOT } from "../helpers/cli.js";

// Shell completion as a shell asks for it: the script `kindling completion <shell>` prints calls the hidden
// `kindling complete -- <words>`, whose lines are "value<TAB>description" and a last ":<directive>".
beforeAll(() => buildCli(), 60_000);

const complete = async (...words: string[]) => {
  const r = await kindling(["complete", "--", ...words], { cwd: ROOT, timeoutMs: 30_000 });
  expect(r.code, r.stderr).toBe(0);
  return r.stdout
    .trim()
    .split("\n")
    .filter((line) => !line.startsWith(":"))
    .map((line) => line.split("\t")[0]);
};

describe("kindling completion", () => {
  it("prints a bash script that bash accepts and that registers the completion function", async () => {
    const r = await kindling(["completion", "bash"], { cwd: ROOT, timeoutMs: 30_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/complete -F __kindling_complete kindling/);
    execFileSync("bash", ["-n"], { input: r.stdout });
    for (const shell of ["zsh", "fish"]) {
      const s = await kindling(["completion", shell], { cwd: ROOT, timeoutMs: 30_000 });
      expect(s.code, s.stderr).toBe(0);
      expect(s.stdout).toMatch(/kindling complete --/);
    }
  });

  it("completes commands, subcommands, options and option values from the CLI's own definitions", async () => {
    expect(await complete("clu")).toEqual(["cluster"]);
    expect(await complete("cluster", "")).toEqual(expect.arrayContaining(["start", "list", "stop"]));
    expect(await complete("run", "--ta")).toEqual(["--target", "--tag"]);
    expect(await complete("run", "--target", "")).toEqual(["local", "standalone", "emr", "emr-serverless"]);
  });

  it("every command's --help ends with examples", async () => {
    const help = await kindling(["--help"], { cwd: ROOT, timeoutMs: 30_000 });
    const listed = help.stdout.slice(help.stdout.indexOf("Commands:"));
    const commands = [...listed.matchAll(/^ {2}([a-z][a-z-]*)\b/gm)].map((m) => m[1] as string);
    expect(commands).toEqual(expect.arrayContaining(["run", "predict", "completion", "setup"]));
    for (const command of commands.filter((c) => c !== "help")) {
      const r = await kindling([command, "--help"], { cwd: ROOT, timeoutMs: 30_000 });
      expect(r.stdout, command).toMatch(new RegExp(`Examples:\\n(  \\$ .*kindling ${command}.*\\n){1,3}$`));
    }
  });
});
