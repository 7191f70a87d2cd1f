import { CommanderError } from "commander";
import { describe, expect, it } from "vitest";
import { buildProgram, type Handlers } from "../../src/cli/program.js";

function parse(argv: string[]): { command: string; options: unknown } {
  let seen: { command: string; options: unknown } | undefined;
  const record =
    (command: string) =>
    async (options: unknown): Promise<void> => {
      seen = { command, options };
    };
  const handlers: Handlers = {
    demo: record("demo"),
    init: record("init"),
    run: record("run"),
    validate: record("validate"),
    doctor: record("doctor"),
    setup: record("setup"),
    runs: record("runs"),
    schema: record("schema"),
    synth: record("synth"),
    plan: record("plan"),
    deploy: record("deploy"),
    destroy: record("destroy"),
    status: record("status"),
    logs: record("logs"),
    report: record("report"),
    compare: record("compare"),
    tag: record("tag"),
    sweep: record("sweep"),
    exportMlflow: record("exportMlflow"),
    push: record("push"),
    pull: record("pull"),
    predict: record("predict"),
    terminate: record("terminate"),
    collect: record("collect"),
    cluster: record("cluster"),
    cache: record("cache"),
    preflight: record("preflight"),
    history: record("history"),
  };
  const program = buildProgram(handlers);
  program.configureOutput({ writeErr: () => {}, writeOut: () => {} });
  program.commands.forEach((c) => {
    c.exitOverride();
    c.configureOutput({ writeErr: () => {}, writeOut: () => {} });
  });
  return program.parseAsync(argv, { from: "user" }).then(() => {
    if (!seen) throw new Error("no handler ran");
    return seen;
  }) as unknown as { command: string; options: unknown };
}

const base = { json: false, verbose: false };

describe("argv → options", () => {
  it.each([
    [["run"], "run", { ...base, config: "kindling.yaml", target: "local" }],
    [
      ["run", "-c", "x.yaml", "--master", "spark://127.0.0.1:7077"],
      "run",
      { ...base, config: "x.yaml", target: "local", master: "spark://127.0.0.1:7077" },
    ],
    [
      ["--json", "run", "--master", "local[2]"],
      "run",
      { ...base, json: true, config: "kindling.yaml", target: "local", master: "local[2]" },
    ],
    [["run", "--verbose"], "run", { ...base, verbose: true, config: "kindling.yaml", target: "local" }],
    [["demo"], "demo", base],
    [["demo", "--master", "local[*]"], "demo", { ...base, master: "local[*]" }],
    [["validate", "--config", "a.yaml", "--json"], "validate", { ...base, json: true, config: "a.yaml" }],
    [["doctor"], "doctor", { ...base, config: "kindling.yaml" }],
    [["runs", "--json"], "runs", { ...base, json: true, config: "kindling.yaml" }],
    [["init", "proj", "--force"], "init", { ...base, dir: "proj", force: true }],
    [["init"], "init", { ...base, dir: ".", force: false }],
    [["schema", "--out", "s.json"], "schema", { ...base, out: "s.json" }],
    [["report", "latest"], "report", { ...base, config: "kindling.yaml", run: "latest", open: false }],
    [
      ["report", "20261127-231500-spam-7f3a", "--open", "-c", "k.yaml"],
      "report",
      { ...base, config: "k.yaml", run: "20261127-231500-spam-7f3a", open: true },
    ],
    [
      ["compare", "r1", "r2", "--json"],
      "compare",
      { ...base, json: true, config: "kindling.yaml", runs: ["r1", "r2"] },
    ],
    [
      ["compare", "r1", "r2", "r3", "--html", "c.html", "--open"],
      "compare",
      { ...base, config: "kindling.yaml", runs: ["r1", "r2", "r3"], html: "c.html", open: true },
    ],
    [["compare", "--last", "3"], "compare", { ...base, config: "kindling.yaml", runs: [], last: 3 }],
    [
      ["run", "--tag", "dataset=v2", "--tag", "owner=ana", "--note", "wider grid"],
      "run",
      {
        ...base,
        config: "kindling.yaml",
        target: "local",
        tags: { dataset: "v2", owner: "ana" },
        note: "wider grid",
      },
    ],
    [
      [
        "runs",
        "--tag",
        "dataset=v2",
        "--tag",
        "owner",
        "--status",
        "failed",
        "--target",
        "emr",
        "--limit",
        "5",
      ],
      "runs",
      {
        ...base,
        config: "kindling.yaml",
        tags: [{ key: "dataset", value: "v2" }, { key: "owner" }],
        status: "failed",
        target: "emr",
        limit: 5,
      },
    ],
    [
      ["validate", "--set", "train.folds=5", "--set", "features.tfidf.num_features=4096"],
      "validate",
      {
        ...base,
        config: "kindling.yaml",
        set: [
          { path: ["train", "folds"], value: 5, argument: "--set train.folds=5" },
          {
            path: ["features", "tfidf", "num_features"],
            value: 4096,
            argument: "--set features.tfidf.num_features=4096",
          },
        ],
      },
    ],
    [
      ["push", "latest", "--region", "eu-west-1"],
      "push",
      { ...base, config: "kindling.yaml", region: "eu-west-1", run: "latest" },
    ],
    [["pull", "20261201"], "pull", { ...base, config: "kindling.yaml", run: "20261201" }],
    [
      ["sweep", "--set", "train.folds=2,3", "--target", "emr", "--cluster", "latest", "--yes"],
      "sweep",
      {
        ...base,
        config: "kindling.yaml",
        axes: [{ key: "train.folds", values: ["2", "3"] }],
        target: "emr",
        cluster: "latest",
        yes: true,
      },
    ],
    [
      [
        "export",
        "mlflow",
        "latest~1",
        "latest",
        "--tracking-uri",
        "http://127.0.0.1:5000",
        "--experiment",
        "spam",
      ],
      "exportMlflow",
      {
        ...base,
        config: "kindling.yaml",
        runs: ["latest~1", "latest"],
        trackingUri: "http://127.0.0.1:5000",
        experiment: "spam",
      },
    ],
    [
      ["runs", "--remote", "--profile", "team"],
      "runs",
      { ...base, config: "kindling.yaml", remote: true, profile: "team" },
    ],
    [
      ["runs", "--since", "2026-12-01"],
      "runs",
      { ...base, config: "kindling.yaml", since: new Date(2026, 11, 1) },
    ],
    [
      ["tag", "latest", "stage=prod", "empty=", "--remove", "old", "--note", ""],
      "tag",
      {
        ...base,
        config: "kindling.yaml",
        run: "latest",
        set: { stage: "prod", empty: "" },
        remove: ["old"],
        note: "",
      },
    ],
    [
      ["predict", "--run", "latest", "--input", "in.csv", "--output", "out.parquet"],
      "predict",
      {
        ...base,
        config: "kindling.yaml",
        run: "latest",
        input: "in.csv",
        output: "out.parquet",
        force: false,
        target: "local",
      },
    ],
    [
      [
        "predict",
        "--run",
        "r",
        "--feature-set",
        "tfidf",
        "--input",
        "a.csv",
        "--output",
        "b.csv",
        "--force",
        "--master",
        "local[2]",
      ],
      "predict",
      {
        ...base,
        config: "kindling.yaml",
        run: "r",
        featureSet: "tfidf",
        input: "a.csv",
        output: "b.csv",
        force: true,
        target: "local",
        master: "local[2]",
      },
    ],
    [
      ["run", "--target", "emr", "--dry-run"],
      "run",
      { ...base, config: "kindling.yaml", target: "emr", dryRun: true, deploy: false, destroy: false },
    ],
    [
      ["run", "--target", "emr", "--deploy", "--destroy", "--region", "eu-west-1", "--profile", "p"],
      "run",
      {
        ...base,
        config: "kindling.yaml",
        target: "emr",
        dryRun: false,
        deploy: true,
        destroy: true,
        region: "eu-west-1",
        profile: "p",
      },
    ],
    [["status", "r1", "--json"], "status", { ...base, json: true, config: "kindling.yaml", run: "r1" }],
    [["status", "latest~1"], "status", { ...base, config: "kindling.yaml", run: "latest~1" }],
    [["logs", "r1", "-f"], "logs", { ...base, config: "kindling.yaml", run: "r1", follow: true }],
    [["logs", "latest"], "logs", { ...base, config: "kindling.yaml", run: "latest", follow: false }],
    [
      ["--events", "jsonl", "run"],
      "run",
      { ...base, events: "jsonl", config: "kindling.yaml", target: "local" },
    ],
    [["terminate", "r1"], "terminate", { ...base, config: "kindling.yaml", run: "r1", wait: true }],
    [
      ["terminate", "r1", "--no-wait", "--region", "eu-west-1"],
      "terminate",
      { ...base, config: "kindling.yaml", run: "r1", wait: false, region: "eu-west-1" },
    ],
    [["collect", "latest"], "collect", { ...base, config: "kindling.yaml", run: "latest" }],
    [
      ["cluster", "start", "--idle-minutes", "30"],
      "cluster",
      { ...base, config: "kindling.yaml", action: "start", idleMinutes: 30 },
    ],
    [["cluster", "start"], "cluster", { ...base, config: "kindling.yaml", action: "start", idleMinutes: 15 }],
    [["cache", "list"], "cache", { ...base, config: "kindling.yaml", action: "list" }],
    [
      ["--json", "cache", "clear"],
      "cache",
      { ...base, config: "kindling.yaml", json: true, action: "clear", keys: [] },
    ],
    [
      ["cache", "clear", "1a2b", "3c4d"],
      "cache",
      { ...base, config: "kindling.yaml", action: "clear", keys: ["1a2b", "3c4d"] },
    ],
    [
      ["cache", "list", "--remote", "--region", "eu-west-1"],
      "cache",
      { ...base, config: "kindling.yaml", action: "list", remote: true, region: "eu-west-1" },
    ],
    [
      ["--json", "cluster", "list"],
      "cluster",
      { ...base, json: true, config: "kindling.yaml", action: "list" },
    ],
    [
      ["cluster", "stop", "j-ABC", "--no-wait", "--region", "eu-west-1"],
      "cluster",
      {
        ...base,
        config: "kindling.yaml",
        action: "stop",
        cluster: "j-ABC",
        wait: false,
        region: "eu-west-1",
      },
    ],
    [
      ["run", "--target", "emr", "--cluster", "latest"],
      "run",
      {
        ...base,
        config: "kindling.yaml",
        target: "emr",
        dryRun: false,
        deploy: false,
        destroy: false,
        cluster: "latest",
      },
    ],
    [
      ["predict", "--run", "r", "--input", "a.csv", "--output", "b.csv", "--target", "standalone"],
      "predict",
      {
        ...base,
        config: "kindling.yaml",
        run: "r",
        input: "a.csv",
        output: "b.csv",
        force: false,
        target: "standalone",
      },
    ],
    [
      ["plan", "--target", "emr"],
      "plan",
      { ...base, config: "kindling.yaml", offline: false, target: "emr" },
    ],
    [["synth"], "synth", { ...base, config: "kindling.yaml", out: "out" }],
    [["synth", "--out", "cfn", "-c", "k.yaml"], "synth", { ...base, config: "k.yaml", out: "cfn" }],
    [["plan", "--offline"], "plan", { ...base, config: "kindling.yaml", offline: true }],
    [
      ["plan", "--profile", "dev", "--region", "eu-west-1"],
      "plan",
      { ...base, config: "kindling.yaml", offline: false, profile: "dev", region: "eu-west-1" },
    ],
    [["deploy", "-y"], "deploy", { ...base, config: "kindling.yaml", yes: true }],
    [["destroy"], "destroy", { ...base, config: "kindling.yaml", yes: false, deleteData: false }],
    [
      ["destroy", "--yes", "--delete-data", "--region", "us-east-2"],
      "destroy",
      { ...base, config: "kindling.yaml", yes: true, deleteData: true, region: "us-east-2" },
    ],
  ])("%j", async (argv, command, options) => {
    expect(await parse(argv)).toEqual({ command, options });
  });
});

describe("usage errors", () => {
  it.each([
    [["run", "--master", "http://x"]],
    [["run", "--target", "moon"]],
    [["frobnicate"]],
    [["run", "--no-such-flag"]],
    [["report"]],
    [["cluster", "start", "--idle-minutes", "0"]],
    [["cluster", "start", "--idle-minutes", "10081"]],
    [["cluster", "stop"]],
    [["cluster", "stop", "j-lower"]],
    [["run", "--target", "emr", "--cluster", ""]],
    [["run", "--target", "emr", "--cluster", "my-cluster"]],
    [["runs", "--since", "yesterday"]],
    [["runs", "--status", "lost"]],
    [["predict", "--run", "r", "--input", "a.csv"]],
    [["predict", "--run", "r", "--input", "a.csv", "--output", "b.csv", "--target", "moon"]],
  ])("%j is rejected with a non-zero commander exit", async (argv) => {
    await expect(Promise.resolve(parse(argv))).rejects.toBeInstanceOf(CommanderError);
  });

  it.each([
    [["compare", "only-one"], /two or more runs/],
    [["compare", "a", "b", "--last", "2"], /not both/],
    [["compare", "--last", "1"], /2 or more/],
    [["run", "--tag", "novalue"], /expected key=value/],
    [["run", "--tag", "bad key=1"], /must be 1–128 letters/],
    [["run", "--tag", "a=1", "--tag", "a=2"], /given twice/],
    [["run", "--tag", "__proto__=x"], /must be 1–128 letters/],
    [["run", "--set", "__proto__.polluted=1"], /expected key\.path=value/],
    [["run", "--note", "x".repeat(2001)], /at most 2000/],
    [["tag", "latest"], /nothing to change/],
    [["run", "--set", "train.folds"], /expected key\.path=value/],
    [["sweep"], /at least one --set/],
    [["sweep", "--set", "train.folds=2,3", "--cluster", "latest"], /--cluster needs --target emr/],
  ])("%j is a usage error that says why", async (argv, why) => {
    await expect(Promise.resolve(parse(argv))).rejects.toThrow(why);
  });

  it("--since takes an age back from now", async () => {
    const before = Date.now();
    const { options } = await parse(["runs", "--since", "36h"]);
    const since = (options as { since: Date }).since.getTime();
    expect(before - since).toBeGreaterThanOrEqual(36 * 3_600_000 - 1_000);
    expect(before - since).toBeLessThanOrEqual(36 * 3_600_000 + 1_000);
  });

  it("EMR-only flags without --target emr are a usage error", async () => {
    await expect(Promise.resolve(parse(["run", "--dry-run"]))).rejects.toThrow(/need --target emr/);
    await expect(Promise.resolve(parse(["logs"]))).rejects.toBeInstanceOf(CommanderError);
  });

  it("--cluster runs on EMR, and on a foundation that stays", async () => {
    await expect(Promise.resolve(parse(["run", "--cluster", "j-ABC"]))).rejects.toThrow(
      /--cluster needs --target emr/,
    );
    await expect(
      Promise.resolve(parse(["run", "--target", "emr", "--cluster", "latest", "--deploy"])),
    ).rejects.toThrow(/drop --deploy\/--destroy/);
  });

  it("--destroy only with --deploy: it removes only a stack the same command deployed", async () => {
    await expect(Promise.resolve(parse(["run", "--target", "emr", "--destroy"]))).rejects.toThrow(
      /--destroy removes only a foundation stack the same command deployed/,
    );
  });

  it("--env, or KINDLING_ENV, on every command that reads the config; the flag wins", async () => {
    for (const argv of [
      ["run"],
      ["validate"],
      ["plan"],
      ["deploy"],
      ["destroy"],
      ["runs"],
      ["cluster", "list"],
    ]) {
      const { options } = await parse([...argv, "--env", "prod"]);
      expect(options, argv.join(" ")).toMatchObject({ env: "prod" });
    }
    process.env.KINDLING_ENV = "staging";
    try {
      expect((await parse(["deploy"])).options).toMatchObject({ env: "staging" });
      expect((await parse(["deploy", "--env", "prod"])).options).toMatchObject({ env: "prod" });
    } finally {
      delete process.env.KINDLING_ENV;
    }
    expect((await parse(["deploy"])).options).not.toHaveProperty("env");
    await expect(Promise.resolve(parse(["deploy", "--env", "Prod"]))).rejects.toThrow(/lower-case/);
  });

  it("deploy --no-execute reviews, --change-set NAME applies exactly that one; not both", async () => {
    expect((await parse(["deploy", "--no-execute"])).options).toMatchObject({ noExecute: true });
    expect((await parse(["deploy", "--change-set", "kindling-20261207-051500"])).options).toMatchObject({
      changeSet: "kindling-20261207-051500",
    });
    expect((await parse(["deploy"])).options).not.toHaveProperty("noExecute");
    await expect(
      Promise.resolve(parse(["deploy", "--no-execute", "--change-set", "x"])),
    ).rejects.toBeInstanceOf(CommanderError);
  });

  it("--yes on run and cluster start, for environments that ask first", async () => {
    expect((await parse(["run", "--target", "emr", "--yes"])).options).toMatchObject({ yes: true });
    expect((await parse(["cluster", "start", "-y"])).options).toMatchObject({ yes: true });
  });

  it("--json and --events jsonl are two ways to be read by a program: one at a time", async () => {
    await expect(Promise.resolve(parse(["--json", "--events", "jsonl", "runs"]))).rejects.toBeInstanceOf(
      CommanderError,
    );
  });
});

describe("help", () => {
  it("every subcommand's help lists the global flags", () => {
    const program = buildProgram({} as Handlers);
    for (const command of program.commands) {
      const help = command.helpInformation();
      expect(help, command.name()).toMatch(/--json/);
      expect(help, command.name()).toMatch(/--events <format>/);
      expect(help, command.name()).toMatch(/--verbose/);
    }
  });
});
