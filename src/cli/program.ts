import tab from "@bomb.sh/tab/commander";
import { Command, InvalidArgumentError, Option } from "commander";
import { environmentName } from "../config/deploy.js";
import { type Override, parseOverride } from "../config/overrides.js";
import { sparkMasterProblem } from "../config/schema.js";
import { UsageError } from "../errors.js";
import { parseAxis, SWEEP_CONFIRM_ABOVE } from "../runs/sweep.js";
import { checkNote, parseTagFilter, parseTags } from "../runs/tags.js";
import { KINDLING_VERSION, SPARK_LINES, type SparkLine } from "../versions.js";
import type {
  CacheOptions,
  ClusterOptions,
  CollectOptions,
  CompareOptions,
  DemoOptions,
  DeployOptions,
  DestroyOptions,
  DoctorOptions,
  ExportOptions,
  HistoryOptions,
  InitOptions,
  LogsOptions,
  PlanOptions,
  PredictOptions,
  PreflightOptions,
  ReportOptions,
  RunOptions,
  RunsOptions,
  SchemaOptions,
  SetupOptions,
  ShareOptions,
  StatusOptions,
  SweepOptions,
  SynthOptions,
  TagOptions,
  TerminateOptions,
  ValidateOptions,
} from "./options.js";

/** What each command does; main.ts passes the real ones, tests pass recorders. */
export interface Handlers {
  demo(options: DemoOptions): Promise<void>;
  init(options: InitOptions): Promise<void>;
  run(options: RunOptions): Promise<void>;
  validate(options: ValidateOptions): Promise<void>;
  doctor(options: DoctorOptions): Promise<void>;
  setup(options: SetupOptions): Promise<void>;
  runs(options: RunsOptions): Promise<void>;
  schema(options: SchemaOptions): Promise<void>;
  synth(options: SynthOptions): Promise<void>;
  plan(options: PlanOptions): Promise<void>;
  deploy(options: DeployOptions): Promise<void>;
  destroy(options: DestroyOptions): Promise<void>;
  status(options: StatusOptions): Promise<void>;
  logs(options: LogsOptions): Promise<void>;
  report(options: ReportOptions): Promise<void>;
  compare(options: CompareOptions): Promise<void>;
  tag(options: TagOptions): Promise<void>;
  exportMlflow(options: ExportOptions): Promise<void>;
  sweep(options: SweepOptions): Promise<void>;
  push(options: ShareOptions): Promise<void>;
  pull(options: ShareOptions): Promise<void>;
  predict(options: PredictOptions): Promise<void>;
  terminate(options: TerminateOptions): Promise<void>;
  collect(options: CollectOptions): Promise<void>;
  cluster(options: ClusterOptions): Promise<void>;
  cache(options: CacheOptions): Promise<void>;
  preflight(options: PreflightOptions): Promise<void>;
  history(options: HistoryOptions): Promise<void>;
}

const DEFAULT_CONFIG = "kindling.yaml";
const RUN_REF = "run id (or its unique start), `latest`, `latest~N`, or a run directory";

/** The same rule as spark.master in kindling.yaml, so the flag and the key accept the same URLs. */
function masterUrl(value: string): string {
  const problem = sparkMasterProblem(value);
  if (problem) throw new InvalidArgumentError(problem);
  return value;
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidArgumentError(`must be a whole number of 1 or more, got ${JSON.stringify(value)}`);
  }
  return n;
}

/** `--env`: the rule environment names follow in kindling.yaml (they name the stack). */
function environmentArgument(value: string): string {
  const parsed = environmentName.safeParse(value);
  if (!parsed.success) {
    throw new InvalidArgumentError(
      `${parsed.error.issues[0]?.message ?? "not an environment name"}, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/** Repeatable options: each use adds one value. */
function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `--set key.path=value`, repeatable, on the commands that read the config to act on it. */
const SET_OPTION = [
  "--set <key=value>",
  "override a config value, e.g. --set train.folds=3 (repeatable; YAML values, checked like the file)",
  collect,
  [] as string[],
] as const;

function setOf(cmd: Command): { set?: Override[] } {
  const given = cmd.opts<{ set?: string[] }>().set ?? [];
  return given.length ? { set: given.map(parseOverride) } : {};
}

const AGE = /^(\d+)([hdw])$/;
const HOURS = { h: 1, d: 24, w: 24 * 7 } as const;

/** `--since`: an age (36h, 7d, 2w) back from now, or a date or time JavaScript reads (2026-12-01). */
function since(value: string): Date {
  const age = AGE.exec(value);
  if (age) {
    const hours = Number(age[1]) * HOURS[age[2] as keyof typeof HOURS];
    return new Date(Date.now() - hours * 3_600_000);
  }
  // A date alone is local midnight, like a date with a time (JavaScript reads the former as UTC).
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const date = day
    ? new Date(Number(day[1]), Number(day[2]) - 1, Number(day[3]))
    : /^\d{4}-\d{2}-\d{2}T/.test(value)
      ? new Date(value)
      : Number.NaN;
  if (typeof date === "number" || Number.isNaN(date.getTime())) {
    throw new InvalidArgumentError(
      `must be an age such as 36h, 7d or 2w, or a date such as 2026-12-01 (a time may follow: 2026-12-01T09:00), got ${JSON.stringify(value)}`,
    );
  }
  return date;
}

/** EMR's AutoTerminationPolicy takes 60 seconds to 7 days of idle time. */
function idleMinutes(value: string): number {
  const n = positiveInteger(value);
  if (n > 10_080) throw new InvalidArgumentError(`must be at most 10080 (7 days, EMR's limit), got ${n}`);
  return n;
}

/** An EMR cluster id (`j-` and letters/digits, as EMR issues them) or `latest`. */
function clusterRef(value: string): string {
  if (value === "latest" || /^j-[A-Z0-9]{1,253}$/.test(value)) return value;
  throw new InvalidArgumentError(
    `must be a cluster id such as j-2AXXXXXXGAPLF (see \`kindling cluster list\`) or \`latest\`, got ${JSON.stringify(value)}`,
  );
}

/** Declares commands and flags only; behaviour lives in ./commands/. */
export function buildProgram(handlers: Handlers): Command {
  const program = new Command("kindling")
    .description("Train Spark ML text classifiers locally or on AWS EMR from one config file.")
    .version(KINDLING_VERSION)
    .option("--json", "print one machine-readable JSON result", false)
    .addOption(
      new Option("--events <format>", "stream every message as one JSON object per line on stdout")
        .choices(["jsonl"])
        .conflicts("json"),
    )
    .option("-v, --verbose", "show Spark's log and debug detail", false)
    // Every subcommand's --help lists --json, --events and --verbose too.
    .configureHelp({ showGlobalOptions: true })
    .showHelpAfterError()
    .exitOverride();

  // Only the global flags: optsWithGlobals() also carries the command's own options.
  const global = (command: Command) => {
    const o = command.optsWithGlobals() as { json: boolean; verbose: boolean; events?: "jsonl" };
    return { json: o.json, verbose: o.verbose, ...(o.events ? { events: o.events } : {}) };
  };
  const withConfig = (command: Command) =>
    command
      .option("-c, --config <file>", "config file", DEFAULT_CONFIG)
      .addOption(
        new Option("--env <name>", "the environment of the config's environments: to use")
          .env("KINDLING_ENV")
          .argParser(environmentArgument),
      );
  // The config file and environment a command reads.
  const configOf = (command: Command): { config: string; env?: string } => {
    const o = command.opts<{ config: string; env?: string }>();
    return { config: o.config, ...(o.env !== undefined ? { env: o.env } : {}) };
  };

  program
    .command("demo")
    .description("build the bundled SpamAssassin corpus, write kindling.yaml if absent, and train locally")
    .option("--master <url>", "Spark master URL (default local[*])", masterUrl)
    .action(async (_opts, cmd: Command) => {
      const o = cmd.opts<{ master?: string }>();
      await handlers.demo({ ...global(cmd), ...(o.master ? { master: o.master } : {}) });
    });

  program
    .command("init")
    .description("write a commented kindling.yaml")
    .argument("[dir]", "folder to write it in", ".")
    .option("--force", "overwrite an existing kindling.yaml", false)
    .action(async (dir: string, _opts, cmd: Command) => {
      await handlers.init({ ...global(cmd), dir, force: cmd.opts<{ force: boolean }>().force });
    });

  withConfig(program.command("run").description("train and evaluate every feature set, then save the models"))
    .addOption(
      new Option("--target <target>", "where the job runs")
        .choices(["local", "standalone", "emr", "emr-serverless"])
        .default("local"),
    )
    .option("--master <url>", "Spark master URL (overrides spark.master)", masterUrl)
    .option("--workers <n>", "standalone: workers to start (default 2)", positiveInteger)
    .option(
      "--dry-run",
      "EMR: print the requests (RunJobFlow, AddJobFlowSteps or StartJobRun) and planned uploads; no AWS call",
      false,
    )
    .option("--deploy", "EMR: deploy the foundation stack first if it is absent", false)
    .option(
      "--destroy",
      "EMR, with --deploy: destroy the stack this command deployed afterwards, also on failure",
      false,
    )
    .option(
      "--cluster <id>",
      "EMR: run as a step of this warm cluster (`latest`: the newest; see `kindling cluster`)",
      clusterRef,
    )
    .option("--profile <name>", "AWS profile (EMR)")
    .option("--region <region>", "AWS region (EMR; default: aws.region, then AWS_REGION)")
    .option(...SET_OPTION)
    .option(
      "--tag <key=value>",
      "label the run (repeatable); `kindling runs --tag` filters by it",
      collect,
      [],
    )
    .option("--note <text>", "a few words about the run, kept in its manifest")
    .option("-y, --yes", "go ahead where the environment asks first (its confirm: list)", false)
    .action(async (_opts, cmd: Command) => {
      const o = cmd.opts<{
        yes: boolean;
        tag: string[];
        note?: string;
        config: string;
        target: "local" | "standalone" | "emr" | "emr-serverless";
        master?: string;
        workers?: number;
        dryRun: boolean;
        deploy: boolean;
        destroy: boolean;
        cluster?: string;
        profile?: string;
        region?: string;
      }>();
      const cloud = o.target === "emr" || o.target === "emr-serverless";
      if (!cloud && (o.dryRun || o.deploy || o.destroy)) {
        throw new UsageError("--dry-run, --deploy and --destroy need --target emr or emr-serverless");
      }
      if (o.cluster !== undefined && o.target !== "emr") throw new UsageError("--cluster needs --target emr");
      if (o.cluster !== undefined && (o.deploy || o.destroy)) {
        throw new UsageError(
          "--cluster runs on a warm cluster, whose foundation must stay: drop --deploy/--destroy",
        );
      }
      if (o.destroy && !o.deploy) {
        throw new UsageError("--destroy removes only a foundation stack the same command deployed", {
          hint: "Use it with --deploy (`--deploy --destroy`: a one-off stack for this run); `kindling destroy` removes a stack deployed earlier.",
        });
      }
      if (o.workers !== undefined && o.target !== "standalone") {
        throw new UsageError("--workers needs --target standalone");
      }
      if (o.master && o.target === "standalone") {
        throw new UsageError(
          "--master cannot be combined with --target standalone: it starts its own master",
          {
            hint: "Drop --master, or drop --target standalone to run on that master.",
          },
        );
      }
      await handlers.run({
        ...global(cmd),
        ...configOf(cmd),
        target: o.target,
        ...(o.master ? { master: o.master } : {}),
        ...(o.workers !== undefined ? { workers: o.workers } : {}),
        ...(cloud ? { dryRun: o.dryRun, deploy: o.deploy, destroy: o.destroy } : {}),
        ...(o.cluster !== undefined ? { cluster: o.cluster } : {}),
        ...(o.profile ? { profile: o.profile } : {}),
        ...(o.region ? { region: o.region } : {}),
        ...setOf(cmd),
        ...(o.tag.length ? { tags: parseTags(o.tag) } : {}),
        ...(o.note !== undefined ? { note: checkNote(o.note) } : {}),
        ...(o.yes ? { yes: true } : {}),
      });
    });

  withConfig(program.command("validate").description("check the config and the data; starts no Spark job"))
    .option(...SET_OPTION)
    .action(async (_opts, cmd: Command) => {
      await handlers.validate({
        ...global(cmd),
        ...configOf(cmd),
        ...setOf(cmd),
      });
    });

  withConfig(
    program
      .command("doctor")
      .description(
        "check Java, Python, PySpark and AWS settings (the config's aws.region too), and say what to fix",
      ),
  ).action(async (_opts, cmd: Command) => {
    await handlers.doctor({ ...global(cmd), ...configOf(cmd) });
  });

  program
    .command("setup")
    .description(
      "install the local Python with PySpark (once per machine, in the user cache; `run` does it on first use)",
    )
    .option("--recreate", "make it again, e.g. after the Python it was made with was removed", false)
    .addOption(
      new Option(
        "--spark-line <line>",
        "the Spark line's PySpark (default: the config's spark.line)",
      ).choices(SPARK_LINES),
    )
    .option("-c, --config <file>", "kindling.yaml whose spark.line to install", DEFAULT_CONFIG)
    .action(async (_opts, cmd: Command) => {
      const o = cmd.opts<{ recreate: boolean; sparkLine?: SparkLine; config: string }>();
      await handlers.setup({
        ...global(cmd),
        recreate: o.recreate,
        ...configOf(cmd),
        ...(o.sparkLine ? { sparkLine: o.sparkLine } : {}),
      });
    });

  withConfig(program.command("runs").description("list runs, newest first"))
    .option("--tag <key[=value]>", "only runs with this tag (repeatable: all of them)", collect, [])
    .addOption(
      new Option("--status <status>", "only runs that ended so").choices([
        "succeeded",
        "failed",
        "interrupted",
        "running",
        "incomplete",
      ]),
    )
    .addOption(
      new Option("--target <target>", "only runs on this target").choices([
        "local",
        "standalone",
        "emr",
        "emr-serverless",
      ]),
    )
    .option(
      "--since <when>",
      "only runs created since: a date (2026-12-01), a time, or an age (36h, 7d, 2w)",
      since,
    )
    .option("--limit <n>", "at most this many (the newest)", positiveInteger)
    .option(
      "--remote",
      "the shared history in the data bucket (pushed and cloud runs) instead of this folder",
      false,
    )
    .option("--profile <name>", "AWS profile (--remote)")
    .option("--region <region>", "AWS region (--remote; default: aws.region, then AWS_REGION)")
    .action(async (_opts, cmd: Command) => {
      const o = cmd.opts<{
        remote: boolean;
        profile?: string;
        region?: string;
        config: string;
        tag: string[];
        status?: string;
        target?: string;
        since?: Date;
        limit?: number;
      }>();
      await handlers.runs({
        ...global(cmd),
        ...configOf(cmd),
        ...(o.tag.length ? { tags: o.tag.map(parseTagFilter) } : {}),
        ...(o.status ? { status: o.status } : {}),
        ...(o.target ? { target: o.target } : {}),
        ...(o.since ? { since: o.since } : {}),
        ...(o.limit !== undefined ? { limit: o.limit } : {}),
        ...(o.remote ? { remote: true } : {}),
        ...(o.profile ? { profile: o.profile } : {}),
        ...(o.region ? { region: o.region } : {}),
      });
    });

  withConfig(
    program
      .command("sweep")
      .description("train one run per combination of --set values (one after another), then compare them"),
  )
    .option(
      "--set <key=v1,v2>",
      "a config key and the values to try (repeatable: every combination)",
      collect,
      [],
    )
    .addOption(
      new Option("--target <target>", "where the runs train")
        .choices(["local", "standalone", "emr", "emr-serverless"])
        .default("local"),
    )
    .option(
      "--cluster <id>",
      "EMR: run each as a step of this warm cluster (`latest`: the newest)",
      clusterRef,
    )
    .option("--profile <name>", "AWS profile (EMR)")
    .option("--region <region>", "AWS region (EMR; default: aws.region, then AWS_REGION)")
    .option("--master <url>", "Spark master URL (default: spark.master)", masterUrl)
    .option("--tag <key=value>", "label every run of the sweep (each also gets sweep=<id>)", collect, [])
    .option("-y, --yes", `start without asking, even past ${SWEEP_CONFIRM_ABOVE} runs`, false)
    .action(async (_opts, cmd: Command) => {
      const o = cmd.opts<{
        config: string;
        set: string[];
        target: "local" | "standalone" | "emr" | "emr-serverless";
        cluster?: string;
        profile?: string;
        region?: string;
        master?: string;
        tag: string[];
        yes: boolean;
      }>();
      if (o.set.length === 0) {
        throw new UsageError("a sweep needs at least one --set key=value1,value2", {
          hint: "For example `kindling sweep --set features.tfidf.num_features=1024,4096 --set train.folds=2,3`.",
        });
      }
      if (o.cluster !== undefined && o.target !== "emr") throw new UsageError("--cluster needs --target emr");
      if (o.master && o.target === "standalone") {
        throw new UsageError(
          "--master cannot be combined with --target standalone: it starts its own master",
        );
      }
      await handlers.sweep({
        ...global(cmd),
        ...configOf(cmd),
        axes: o.set.map(parseAxis),
        target: o.target,
        yes: o.yes,
        ...(o.master ? { master: o.master } : {}),
        ...(o.cluster ? { cluster: o.cluster } : {}),
        ...(o.profile ? { profile: o.profile } : {}),
        ...(o.region ? { region: o.region } : {}),
        ...(o.tag.length ? { tags: parseTags(o.tag) } : {}),
      });
    });

  const exporter = program.command("export").description("send runs to other tools (MLflow)");
  withConfig(
    exporter
      .command("mlflow")
      .description(
        "export runs to an MLflow tracking server: settings, metrics, tags, report and the best model (Spark flavor)",
      ),
  )
    .argument("<runs...>", RUN_REF)
    .option("--tracking-uri <uri>", "the MLflow server (default: MLFLOW_TRACKING_URI)")
    .option("--experiment <name>", "MLflow experiment (default: MLFLOW_EXPERIMENT_NAME, then the project)")
    .action(async (runs: string[], _opts, cmd: Command) => {
      const o = cmd.opts<{ config: string; trackingUri?: string; experiment?: string }>();
      await handlers.exportMlflow({
        ...global(cmd),
        ...configOf(cmd),
        runs,
        ...(o.trackingUri ? { trackingUri: o.trackingUri } : {}),
        ...(o.experiment ? { experiment: o.experiment } : {}),
      });
    });

  withConfig(
    program
      .command("tag")
      .description("add, change or remove a run's tags and note")
      .argument("<run>", RUN_REF)
      .argument("[tags...]", "key=value pairs to set"),
  )
    .option("--remove <key>", "remove this tag (repeatable)", collect, [])
    .option("--note <text>", 'replace the run\'s note ("" removes it)')
    .action(async (run: string, tags: string[], _opts, cmd: Command) => {
      const o = cmd.opts<{ config: string; remove: string[]; note?: string }>();
      if (tags.length === 0 && o.remove.length === 0 && o.note === undefined) {
        throw new UsageError("nothing to change", {
          hint: "Give key=value pairs, --remove KEY or --note TEXT; `kindling runs` shows the tags.",
        });
      }
      await handlers.tag({
        ...global(cmd),
        ...configOf(cmd),
        run,
        set: parseTags(tags, "tag"),
        remove: o.remove.map((key) => parseTagFilter(key).key),
        ...(o.note !== undefined ? { note: checkNote(o.note) } : {}),
      });
    });

  withConfig(
    program
      .command("report")
      .description("write runs/<id>/report.html again (charts as inline SVG; works offline)"),
  )
    .argument("<run>", RUN_REF)
    .option("--open", "open it in the default browser", false)
    .action(async (run: string, _opts, cmd: Command) => {
      const o = cmd.opts<{ config: string; open: boolean }>();
      await handlers.report({ ...global(cmd), ...configOf(cmd), run, open: o.open });
    });

  withConfig(
    program
      .command("compare")
      .description(
        "runs side by side: every metric with the best marked, and the settings that differ (the first run is the baseline)",
      ),
  )
    .argument("[runs...]", `two or more runs: ${RUN_REF}`)
    .option("--last <n>", "the newest N complete runs instead of naming them", positiveInteger)
    .option("--html <file>", "also write the comparison as one self-contained HTML page")
    .option("--open", "open the HTML page in the default browser", false)
    .action(async (runs: string[], _opts, cmd: Command) => {
      const o = cmd.opts<{ config: string; last?: number; html?: string; open: boolean }>();
      if (o.last !== undefined && runs.length > 0) {
        throw new UsageError("name the runs or give --last N, not both");
      }
      if (o.last === undefined && runs.length < 2) {
        throw new UsageError("compare needs two or more runs", {
          hint: "For example `kindling compare latest~1 latest`, or `kindling compare --last 3`.",
        });
      }
      if (o.last === 1) throw new UsageError("--last needs 2 or more runs to compare");
      await handlers.compare({
        ...global(cmd),
        ...configOf(cmd),
        runs,
        ...(o.last !== undefined ? { last: o.last } : {}),
        ...(o.html ? { html: o.html } : {}),
        ...(o.open ? { open: true } : {}),
      });
    });

  withConfig(
    program
      .command("predict")
      .description(
        "score raw text with a run's saved model: input columns + predicted label and probabilities",
      ),
  )
    .requiredOption("--run <run>", `the training run: ${RUN_REF} (latest counts complete runs only)`)
    .option("--feature-set <name>", "which model of the run (default: its best feature set)")
    .requiredOption("--input <file>", "CSV or Parquet with the text column the model was trained on")
    .requiredOption("--output <file>", "predictions file: .csv or .parquet")
    .option("--text-column <name>", "the input's column with the text, when not named as the model's")
    .option("--force", "replace an existing output file", false)
    .addOption(
      new Option("--target <target>", "where scoring runs")
        .choices(["local", "standalone", "emr", "emr-serverless"])
        .default("local"),
    )
    .option("--master <url>", "Spark master URL (default local[*])", masterUrl)
    .option("--profile <name>", "AWS profile (EMR)")
    .option("--region <region>", "AWS region (EMR; default: aws.region, then AWS_REGION)")
    .option("--dry-run", "with --target emr: show the uploads and the cluster request; no AWS call", false)
    .action(async (_opts, cmd: Command) => {
      const o = cmd.opts<{
        dryRun: boolean;
        config: string;
        run: string;
        featureSet?: string;
        textColumn?: string;
        input: string;
        output: string;
        force: boolean;
        target: "local" | "standalone" | "emr" | "emr-serverless";
        master?: string;
        profile?: string;
        region?: string;
      }>();
      if (o.master && o.target !== "local") throw new UsageError("--master goes with --target local");
      await handlers.predict({
        ...global(cmd),
        ...configOf(cmd),
        run: o.run,
        input: o.input,
        output: o.output,
        force: o.force,
        target: o.target,
        ...(o.featureSet ? { featureSet: o.featureSet } : {}),
        ...(o.textColumn ? { textColumn: o.textColumn } : {}),
        ...(o.master ? { master: o.master } : {}),
        ...(o.dryRun ? { dryRun: true } : {}),
        ...(o.profile ? { profile: o.profile } : {}),
        ...(o.region ? { region: o.region } : {}),
      });
    });

  program
    .command("schema")
    .description("print the JSON Schema of kindling.yaml (for editor completion)")
    .option("--out <file>", "write it to a file instead")
    .action(async (_opts, cmd: Command) => {
      const o = cmd.opts<{ out?: string }>();
      await handlers.schema({ ...global(cmd), ...(o.out ? { out: o.out } : {}) });
    });

  withConfig(
    program.command("synth").description("write the foundation's CloudFormation templates (offline)"),
  )
    .option("--out <dir>", "output folder", "out")
    .action(async (_opts, cmd: Command) => {
      const o = cmd.opts<{ config: string; out: string }>();
      await handlers.synth({ ...global(cmd), ...configOf(cmd), out: o.out });
    });

  const withAws = (command: Command) =>
    withConfig(command)
      .option("--profile <name>", "AWS profile (default: AWS_PROFILE / the default credential chain)")
      .option("--region <region>", "AWS region (default: aws.region, then AWS_REGION / the profile)");
  const awsOpts = (cmd: Command) => {
    const o = cmd.opts<{ config: string; profile?: string; region?: string }>();
    return {
      ...global(cmd),
      ...configOf(cmd),
      ...(o.profile ? { profile: o.profile } : {}),
      ...(o.region ? { region: o.region } : {}),
    };
  };

  withAws(program.command("plan").description("show what deploy would create or change"))
    .option(...SET_OPTION)
    .option("--offline", "list the resources without calling AWS", false)
    .addOption(new Option("--target <target>", "also plan an EMR run: cluster, step, cost").choices(["emr"]))
    .option("--exit-code", "exit 2 when deploy would change something, 0 when not (for CI)", false)
    .action(async (_opts, cmd: Command) => {
      const o = cmd.opts<{ offline: boolean; target?: "emr"; exitCode: boolean }>();
      await handlers.plan({
        ...awsOpts(cmd),
        ...setOf(cmd),
        offline: o.offline,
        ...(o.exitCode ? { exitCode: true } : {}),
        ...(o.target ? { target: o.target } : {}),
      });
    });

  withAws(
    program
      .command("preflight")
      .description("check the AWS account before a cloud run (read-only): what would fail, and the fix"),
  )
    .addOption(
      new Option("--target <target>", "the cloud target to check for")
        .choices(["emr", "emr-serverless"])
        .default("emr"),
    )
    .action(async (_opts, cmd: Command) => {
      const o = cmd.opts<{ target: "emr" | "emr-serverless" }>();
      await handlers.preflight({ ...awsOpts(cmd), target: o.target });
    });

  withConfig(
    program
      .command("history")
      .description("serve a run's Spark event log in Spark's History Server on 127.0.0.1 (Ctrl-C stops it)"),
  )
    .argument("<run>", RUN_REF)
    .action(async (run: string, _opts, cmd: Command) => {
      await handlers.history({ ...global(cmd), ...configOf(cmd), run });
    });

  withAws(program.command("status").description("show a run's state (EMR: the cluster and step, live)"))
    .argument("<run>", RUN_REF)
    .action(async (run: string, _opts, cmd: Command) => {
      await handlers.status({ ...awsOpts(cmd), run });
    });

  withAws(program.command("logs").description("print a run's logs (EMR: step and driver logs from S3)"))
    .argument("<run>", RUN_REF)
    .option("-f, --follow", "keep printing new output until the run ends", false)
    .action(async (run: string, _opts, cmd: Command) => {
      await handlers.logs({ ...awsOpts(cmd), run, follow: cmd.opts<{ follow: boolean }>().follow });
    });

  withAws(
    program
      .command("terminate")
      .description("end a cloud run's cluster (after the CLI that started it died)"),
  )
    .argument("<run>", RUN_REF)
    .option("--no-wait", "do not wait for the cluster to end (its final state and cost stay unrecorded)")
    .action(async (run: string, _opts, cmd: Command) => {
      await handlers.terminate({ ...awsOpts(cmd), run, wait: cmd.opts<{ wait: boolean }>().wait });
    });

  const cluster = program
    .command("cluster")
    .description("warm EMR clusters: one cluster for many runs while you iterate (they end when idle)");
  withAws(cluster.command("start").description("start a warm cluster for this project's runs"))
    .option(
      "--idle-minutes <n>",
      "minutes without a run after which it ends by itself (1–10080)",
      idleMinutes,
      15,
    )
    .option("-y, --yes", "go ahead where the environment asks first (its confirm: list)", false)
    .action(async (_opts, cmd: Command) => {
      const o = cmd.opts<{ idleMinutes: number; yes: boolean }>();
      await handlers.cluster({
        ...awsOpts(cmd),
        action: "start",
        idleMinutes: o.idleMinutes,
        ...(o.yes ? { yes: true } : {}),
      });
    });
  withAws(cluster.command("list").description("this project's warm clusters that are up")).action(
    async (_opts, cmd: Command) => {
      await handlers.cluster({ ...awsOpts(cmd), action: "list" });
    },
  );
  withAws(cluster.command("stop").description("end a warm cluster"))
    .argument("<cluster>", "the cluster id, or `latest`", clusterRef)
    .option("--no-wait", "do not wait for it to end")
    .action(async (id: string, _opts, cmd: Command) => {
      const o = cmd.opts<{ wait: boolean }>();
      await handlers.cluster({ ...awsOpts(cmd), action: "stop", cluster: id, wait: o.wait });
    });

  const cache = program
    .command("cache")
    .description("the prepared text of earlier runs, reused when input, text and split settings match");
  const REMOTE_CACHE = [
    "--remote",
    "the cloud runs' cache in the data bucket (runs/_prepared-text/) instead of this machine's",
    false,
  ] as const;
  const remoteOf = (cmd: Command) => ({
    ...awsOpts(cmd),
    ...(cmd.opts<{ remote: boolean }>().remote ? { remote: true } : {}),
  });
  withAws(cache.command("list"))
    .description("the cache's entries, oldest first, with their size and the run that built each")
    .option(...REMOTE_CACHE)
    .action(async (_opts, cmd: Command) => {
      await handlers.cache({ ...remoteOf(cmd), action: "list" });
    });
  withAws(cache.command("clear"))
    .description("remove entries (all of them without keys); later runs prepare their text again")
    .argument("[keys...]", "entry keys, or unique starts of them, as `kindling cache list` shows")
    .option(...REMOTE_CACHE)
    .action(async (keys: string[], _opts, cmd: Command) => {
      await handlers.cache({ ...remoteOf(cmd), action: "clear", keys });
    });

  withAws(
    program
      .command("collect")
      .description("download a cloud run that finished while no CLI watched it, and complete it"),
  )
    .argument("<run>", RUN_REF)
    .action(async (run: string, _opts, cmd: Command) => {
      await handlers.collect({ ...awsOpts(cmd), run });
    });

  withAws(
    program
      .command("push")
      .description("publish a finished run to the shared history in the data bucket (never overwrites)"),
  )
    .argument("<run>", RUN_REF)
    .action(async (run: string, _opts, cmd: Command) => {
      await handlers.push({ ...awsOpts(cmd), run });
    });

  withAws(program.command("pull").description("bring a run of the shared history into the local run folder"))
    .argument("<run>", "run id in the bucket (or its unique start), or `latest`")
    .action(async (run: string, _opts, cmd: Command) => {
      await handlers.pull({ ...awsOpts(cmd), run });
    });

  withAws(
    program
      .command("deploy")
      .description("create or update the foundation stack (buckets, network, IAM, EMR security)"),
  )
    .option("-y, --yes", "approve without a prompt", false)
    .option(...SET_OPTION)
    .addOption(
      new Option("--no-execute", "create a CloudFormation change set to review, print it, apply nothing"),
    )
    .addOption(
      new Option("--change-set <name>", "execute exactly this change set (made by --no-execute)").conflicts(
        "execute",
      ),
    )
    .action(async (_opts, cmd: Command) => {
      const o = cmd.opts<{ yes: boolean; execute: boolean; changeSet?: string }>();
      await handlers.deploy({
        ...awsOpts(cmd),
        ...setOf(cmd),
        yes: o.yes,
        ...(o.execute ? {} : { noExecute: true }),
        ...(o.changeSet !== undefined ? { changeSet: o.changeSet } : {}),
      });
    });

  withAws(
    program
      .command("destroy")
      .description("delete the foundation stack; data buckets are kept unless --delete-data"),
  )
    .option("-y, --yes", "approve without a prompt", false)
    .option("--delete-data", "also empty and delete the data and logs buckets", false)
    .option(...SET_OPTION)
    .action(async (_opts, cmd: Command) => {
      const o = cmd.opts<{ yes: boolean; deleteData: boolean }>();
      await handlers.destroy({ ...awsOpts(cmd), ...setOf(cmd), yes: o.yes, deleteData: o.deleteData });
    });

  // `kindling completion bash|zsh|fish|powershell` prints the shell's script; the script asks the hidden
  // `kindling complete -- <words>` for suggestions, which come from the commands and options above.
  tab(program, { completionCommandName: "completion" });
  addExamples(program);
  return program;
}

/** One to three real invocations per command, shown at the end of its --help. */
const EXAMPLES: Record<string, string[]> = {
  demo: ["kindling demo", "kindling demo --master spark://127.0.0.1:7077"],
  init: ["kindling init", "kindling init projects/reviews --force"],
  run: [
    "kindling run",
    "kindling run --target emr --dry-run --json",
    'kindling run --tag dataset=v2 --note "wider grid"',
  ],
  validate: ["kindling validate", "kindling validate -c experiments/large.yaml --json"],
  doctor: ["kindling doctor", "kindling doctor --json"],
  history: ["kindling history latest"],
  preflight: ["kindling preflight", "kindling preflight --target emr-serverless --env prod --json"],
  setup: ["kindling setup", "kindling setup --spark-line 4.0", "kindling setup --recreate"],
  runs: [
    "kindling runs",
    "kindling runs --tag dataset=v2 --status succeeded --since 7d",
    "kindling runs --json",
  ],
  tag: ["kindling tag latest stage=prod", 'kindling tag latest --remove stage --note "superseded"'],
  report: ["kindling report latest --open", "kindling report 20261127-231500-spam-7f3a"],
  compare: ["kindling compare latest~1 latest", "kindling compare --last 4 --html comparison.html --open"],
  predict: [
    "kindling predict --run latest --input new.csv --output scored.csv",
    "kindling predict --run latest --input tickets.parquet --text-column body --output scored.parquet",
    "kindling predict --run latest --input new.csv --output scored.csv --target emr",
  ],
  schema: ["kindling schema --out kindling.schema.json"],
  synth: ["kindling synth", "kindling synth --out cdk.out"],
  plan: [
    "kindling plan",
    "kindling plan --exit-code --env prod",
    "kindling plan --target emr --offline --region eu-west-1",
  ],
  status: ["kindling status latest", "kindling status 20261127-231500 --json"],
  logs: ["kindling logs latest", "kindling logs latest --follow"],
  terminate: ["kindling terminate latest"],
  cluster: [
    "kindling cluster start --idle-minutes 30",
    "kindling cluster list",
    "kindling cluster stop latest",
  ],
  "cluster start": ["kindling cluster start", "kindling cluster start --idle-minutes 60"],
  "cluster list": ["kindling cluster list --json"],
  "cluster stop": ["kindling cluster stop latest", "kindling cluster stop j-2AXXXXXXGAPLF --no-wait"],
  collect: ["kindling collect latest"],
  cache: ["kindling cache list", "kindling cache clear"],
  "cache list": ["kindling cache list --json", "kindling cache list --remote"],
  "cache clear": [
    "kindling cache clear",
    "kindling cache clear 1a2b3c4d5e6f",
    "kindling cache clear --remote",
  ],
  export: ["kindling export mlflow latest --tracking-uri http://127.0.0.1:5000"],
  "export mlflow": [
    "kindling export mlflow latest --tracking-uri http://127.0.0.1:5000",
    "MLFLOW_TRACKING_URI=http://mlflow.internal:5000 kindling export mlflow latest~2 latest~1 latest",
  ],
  sweep: [
    "kindling sweep --set features.tfidf.num_features=1024,4096 --set train.grid.reg_param=0,0.01",
    "kindling sweep --set preset=seed,recommended --tag question=presets",
  ],
  push: ["kindling push latest", "kindling push 20261127-231500-spam-7f3a --region eu-west-1"],
  pull: ["kindling pull 20261127-231500", "kindling runs --remote --tag dataset=v2 && kindling pull latest"],
  deploy: [
    "kindling deploy",
    "kindling deploy --env prod --no-execute",
    "kindling deploy --env prod --change-set kindling-20261207-091500",
  ],
  destroy: ["kindling destroy", "kindling destroy --yes --delete-data"],
  completion: [
    "echo 'source <(kindling completion bash)' >> ~/.bashrc",
    "echo 'source <(kindling completion zsh)' >> ~/.zshrc",
    "kindling completion fish > ~/.config/fish/completions/kindling.fish",
  ],
};

function addExamples(command: Command, prefix = ""): void {
  for (const sub of command.commands) {
    const name = `${prefix}${sub.name()}`;
    const examples = EXAMPLES[name];
    if (examples) sub.addHelpText("after", `\nExamples:\n${examples.map((e) => `  $ ${e}`).join("\n")}`);
    addExamples(sub, `${name} `);
  }
}
