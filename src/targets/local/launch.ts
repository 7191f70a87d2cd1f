import { copyFile, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { JOB_ENTRY, packageJob } from "../shared/package.js";
import { buildSparkSubmitArgs, type SparkSubmitOptions } from "../shared/sparkSubmit.js";
import { RUN_ID_ENV } from "./processes.js";

/** One spark-submit as a process: what runs, with which arguments, in which environment. */
export interface Launch {
  command: string;
  args: string[];
  /** The variables Kindling sets on top of the inherited environment. */
  env: Record<string, string>;
  cwd: string;
}

export interface LaunchOptions extends Omit<SparkSubmitOptions, "entry" | "pyFiles" | "specUri"> {
  venv: { python: string; sparkSubmit: string };
  /** Marks every process of the job (the JVM, Python workers) so all of them can be found and stopped. */
  runId: string;
  specFile: string;
  /** Where the job's code is put (entry.py and kindling_job.zip) and the process runs. */
  codeDir: string;
  cwd: string;
}

/**
 * Prepares a local spark-submit of the job: its code copied into `codeDir` (the exact code that ran stays
 * with the run, as on EMR), the arguments from the one builder every target uses, and the environment:
 * the venv's Python on driver and workers, loopback only.
 */
export async function prepareLaunch(options: LaunchOptions): Promise<Launch> {
  await mkdir(options.codeDir, { recursive: true });
  const entry = path.join(options.codeDir, "entry.py");
  await copyFile(JOB_ENTRY, entry);
  const zip = await packageJob(path.join(options.codeDir, "kindling_job.zip"));
  const { venv, runId, specFile, codeDir: _, cwd, ...submit } = options;
  return {
    command: venv.sparkSubmit,
    args: buildSparkSubmitArgs({ ...submit, entry, pyFiles: [zip], specUri: specFile }),
    env: sparkEnv(venv.python, runId),
    cwd,
  };
}

/** The environment Kindling adds for Spark processes (also the standalone cluster's). */
export function sparkEnv(python: string, runId: string): Record<string, string> {
  return {
    // spark-submit's launcher scripts look for `python3` on PATH to find SPARK_HOME: the venv's comes first.
    PATH: `${path.dirname(python)}${path.delimiter}${process.env.PATH ?? ""}`,
    PYSPARK_PYTHON: python,
    PYSPARK_DRIVER_PYTHON: python,
    SPARK_LOCAL_IP: process.env.SPARK_LOCAL_IP ?? "127.0.0.1",
    PYTHONUNBUFFERED: "1",
    // Inherited by the JVM and every Python worker: lets the runner find and stop all of them.
    [RUN_ID_ENV]: runId,
  };
}

/**
 * logs/command.txt: the launch as a shell command that runs as written (quoted, with the environment
 * Kindling set, from the folder it ran in).
 */
export async function writeCommandFile(file: string, launch: Launch): Promise<void> {
  const inherited = process.env.PATH ?? "";
  const env = Object.entries(launch.env).map(([k, v]) =>
    // PATH is the venv's bin before the caller's own: written so, not as this machine's whole PATH.
    k === "PATH" && inherited && v.endsWith(inherited)
      ? `PATH=${shellQuote(v.slice(0, -inherited.length))}"$PATH"`
      : `${k}=${shellQuote(v)}`,
  );
  await writeFile(
    file,
    [
      "# How Kindling started this job; it runs again as written (the job refuses to overwrite outputs",
      "# that exist: point output.uri in a copy of spec.json at a new folder to run it elsewhere).",
      `cd ${shellQuote(launch.cwd)} && env ${env.join(" ")} \\`,
      `  ${[launch.command, ...launch.args].map(shellQuote).join(" ")}`,
      "",
    ].join("\n"),
  );
}

/** POSIX single quotes, which keep every character as it is; plain words stay readable. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}
