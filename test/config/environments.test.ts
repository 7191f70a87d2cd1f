import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { validateCommand } from "../../src/cli/commands/validate.js";
import { confirmInEnvironment } from "../../src/cli/environmentGate.js";
import { type LoadOptions, loadConfig, parseConfig } from "../../src/config/load.js";
import { parseOverride } from "../../src/config/overrides.js";
import { ConfigError, UsageError } from "../../src/errors.js";
import { recordingIo } from "../helpers/io.js";

// Line numbers below count from 1 in this text.
const FILE = `project: spam
data:
  path: data.csv
train:
  folds: 3
  grid:
    reg_param: [0.0, 0.01]
emr:
  core:
    count: 2
environments:
  dev:
    default: true
  prod:
    confirm: [deploy, destroy, run]
    aws:
      account: "123456789012"
      region: eu-west-1
      encryption: sse-kms
    train:
      grid:
        reg_param: [0.001]
    emr:
      core:
        count: 4
`;

function errorOf(text: string, options: LoadOptions = {}): ConfigError {
  try {
    parseConfig(text, "kindling.yaml", options);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

/** The file with `replace` swapped for `by` (one place), for a bad value at a known line. */
const edited = (replace: string, by: string) => {
  expect(FILE).toContain(replace);
  return FILE.replace(replace, by);
};

describe("environments: named overlays over the file", () => {
  it("--env applies the environment's keys over the file's: mappings merge, lists and values replace", () => {
    const prod = parseConfig(FILE, "kindling.yaml", { env: "prod" });
    expect(prod.aws).toMatchObject({ environment: "prod", account: "123456789012", region: "eu-west-1" });
    expect(prod.aws.encryption).toBe("sse-kms");
    expect(prod.train.grid.reg_param).toEqual([0.001]);
    expect(prod.train.folds).toBe(3); // from the file
    expect(prod.emr.core.count).toBe(4);
    expect(prod.data.path).toBe("data.csv");
  });

  it("without --env: the environment marked default, else the only one; the name becomes aws.environment", () => {
    const dev = parseConfig(FILE, "kindling.yaml");
    expect(dev.aws.environment).toBe("dev");
    expect(dev.aws.account).toBeUndefined();
    expect(dev.emr.core.count).toBe(2);
    const only = parseConfig(`data: {path: a.csv}\nenvironments:\n  staging: {}\n`, "k.yaml");
    expect(only.aws.environment).toBe("staging");
    // A file without environments keeps aws.environment as written (default dev).
    expect(parseConfig("data: {path: a.csv}\naws: {environment: qa}\n", "k.yaml").aws.environment).toBe("qa");
  });

  it("--set goes over the environment", () => {
    const config = parseConfig(FILE, "kindling.yaml", {
      env: "prod",
      overrides: [parseOverride("emr.core.count=8")],
    });
    expect(config.emr.core.count).toBe(8);
  });

  it("refuses a choice it cannot make, naming the environments there are", () => {
    const noDefault = FILE.replace("    default: true\n", "");
    expect(() => parseConfig(noDefault, "kindling.yaml")).toThrow(
      /has 2 environments \(dev, prod\) and none is chosen/,
    );
    expect(() => parseConfig(FILE, "kindling.yaml", { env: "prd" })).toThrow(
      /--env prd: kindling.yaml has no such environment \(did you mean "prod"\?\); it has dev, prod/,
    );
    const missing = (() => {
      try {
        parseConfig("data: {path: a.csv}\n", "kindling.yaml", { env: "prod" });
      } catch (error) {
        return error;
      }
    })();
    expect(missing).toBeInstanceOf(UsageError);
    expect((missing as UsageError).message).toMatch(/--env prod: kindling.yaml has no environments: section/);
  });

  it("a bad value the environment set is reported at the environment's line; the file's at the file's", () => {
    const bad = edited("        count: 4", "        count: lots");
    const inProd = errorOf(bad, { env: "prod" });
    expect(inProd.issues).toEqual([expect.objectContaining({ path: "emr.core.count", line: 25 })]);
    // Under dev the file's own value is used, so the same file is valid there.
    expect(() => parseConfig(bad, "k")).not.toThrow();
    const inFile = errorOf(edited("  folds: 3", "  folds: 0"), { env: "prod" });
    expect(inFile.issues).toEqual([expect.objectContaining({ path: "train.folds", line: 5 })]);
    // An unknown key below a section the environment changes: at the environment's key.
    const typo = errorOf(edited("        reg_param: [0.001]", "        reg_parm: [0.001]"), { env: "prod" });
    expect(typo.issues[0]).toMatchObject({ path: "train.grid.reg_parm", line: 22 });
    expect(typo.issues[0]?.message).toMatch(/did you mean "reg_param"/);
    // A --set over the same key is blamed on the --set.
    const set = errorOf(FILE, { env: "prod", overrides: [parseOverride("emr.core.count=lots")] });
    expect(set.issues[0]).toMatchObject({ path: "emr.core.count", source: "--set emr.core.count=lots" });
  });

  it("checks the section itself: keys, defaults, confirm values, names", () => {
    const unknown = errorOf(edited("    confirm: [deploy, destroy, run]", "    trian: {folds: 2}"), {
      env: "prod",
    });
    expect(unknown.issues[0]).toMatchObject({ path: "environments.prod.trian", line: 15 });
    expect(unknown.issues[0]?.message).toMatch(/did you mean "train"/);
    const twoDefaults = errorOf(edited("  prod:\n", "  prod:\n    default: true\n"));
    expect(twoDefaults.issues[0]).toMatchObject({ path: "environments.prod.default", line: 15 });
    expect(twoDefaults.issues[0]?.message).toMatch(/dev is already the default environment/);
    const confirm = errorOf(edited("[deploy, destroy, run]", "[deploy, destory]"), { env: "prod" });
    expect(confirm.issues[0]).toMatchObject({ path: "environments.prod.confirm.1", line: 15 });
    const name = errorOf(edited("  prod:\n", "  Prod:\n"), { env: "dev" });
    expect(name.issues[0]?.path).toBe("environments.Prod");
    expect(name.issues[0]?.message).toMatch(/lower-case/);
  });

  it("aws.environment is the environment's name: writing it too is a mistake, reported where written", () => {
    const both = errorOf(edited("emr:\n", "aws:\n  environment: staging\nemr:\n"), { env: "prod" });
    expect(both.issues[0]).toMatchObject({ path: "aws.environment", line: 9 });
    expect(both.issues[0]?.message).toMatch(/environment's name .*here prod.*remove this key/);
  });

  it("a name too long for the stack name points at the environment", () => {
    const long = errorOf(edited("  prod:\n", "  production-eu-west:\n"), { env: "production-eu-west" });
    expect(long.issues.map((i) => [i.path, i.line])).toContainEqual(["aws.environment", 14]);
  });

  it("loadConfig records the environment, with its confirm list", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "kenv-"));
    await writeFile(path.join(dir, "kindling.yaml"), FILE);
    const loaded = await loadConfig(path.join(dir, "kindling.yaml"), { env: "prod" });
    expect(loaded.environment).toMatchObject({ name: "prod", confirm: ["deploy", "destroy", "run"] });
    expect((await loadConfig(path.join(dir, "kindling.yaml"))).environment?.name).toBe("dev");
  });
});

describe("an environment's confirm: list", () => {
  async function prod() {
    const dir = await mkdtemp(path.join(os.tmpdir(), "kenv-"));
    await writeFile(path.join(dir, "kindling.yaml"), FILE);
    return loadConfig(path.join(dir, "kindling.yaml"), { env: "prod" });
  }

  it("asks before a listed command, naming the stack, account and region; --yes answers for a script", async () => {
    const loaded = await prod();
    const questions: string[] = [];
    const yes = async (q: string) => {
      questions.push(q);
      return true;
    };
    expect(
      await confirmInEnvironment(loaded, "deploy", "create or update the foundation stack", { confirm: yes }),
    ).toBe(true);
    expect(questions).toEqual([
      "Environment prod (stack kindling-spam-prod, account 123456789012, eu-west-1): create or update the foundation stack?",
    ]);
    expect(await confirmInEnvironment(loaded, "deploy", "x", { yes: true, confirm: yes })).toBe(false);
    // sweep is not listed for prod; dev lists nothing.
    expect(await confirmInEnvironment(loaded, "sweep", "x", { confirm: yes })).toBe(false);
    expect(questions).toHaveLength(1);
  });

  it("refuses without a terminal and without --yes, and when the answer is no", async () => {
    const loaded = await prod();
    await expect(confirmInEnvironment(loaded, "run", "train on emr", { confirm: undefined })).rejects.toThrow(
      /environment prod asks before `run` \(environments.prod.confirm\), and there is no terminal to ask on/,
    );
    await expect(
      confirmInEnvironment(loaded, "destroy", "delete the foundation stack", { confirm: async () => false }),
    ).rejects.toThrow(/destroy not started: not approved/);
  });
});

describe("kindling validate with environments", () => {
  async function project(text: string) {
    const dir = await mkdtemp(path.join(os.tmpdir(), "kenv-"));
    await writeFile(path.join(dir, "data.csv"), "text,label\nfree money,spam\nlunch at noon,ham\n");
    await writeFile(path.join(dir, "kindling.yaml"), text);
    const r = recordingIo(dir);
    const validate = (env?: string) =>
      validateCommand(
        { json: false, verbose: false, config: path.join(dir, "kindling.yaml"), ...(env ? { env } : {}) },
        r.io,
      );
    return { ...r, validate };
  }

  it("without --env checks every environment; a mistake in one is named with it", async () => {
    const ok = await project(FILE);
    await ok.validate();
    expect(ok.printed()[0]).toMatch(/valid config in every environment \(dev, prod\)/);
    expect(ok.json()).toMatchObject({ environments: ["dev", "prod"], rows: 2 });
    const bad = await project(edited("        count: 4", "        count: lots"));
    const error = await bad.validate().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toMatch(/kindling.yaml \(environment prod\) is not a valid/);
    expect((error as ConfigError).issues[0]).toMatchObject({ path: "emr.core.count", line: 25 });
    // --env dev checks dev alone, where the file's own value applies.
    await bad.validate("dev");
    expect(bad.printed().at(-1)).toMatch(/valid config \(environment dev\)/);
  });
});
