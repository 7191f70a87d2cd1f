import { spawn, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, lstatSync, readlinkSync } from "node:fs";
import { rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { KindlingError, PrerequisiteError } from "../../errors.js";
import { cacheDir, ownRequirements } from "../../packaging/cache.js";
import { CODES } from "../../ui/codes.js";
import type { IoHost } from "../../ui/io.js";
import { type LinePairing, PACKAGE_ROOT, type SparkLine, sparkLine, VERSIONS } from "../../versions.js";

/**
 * The Python that runs the job locally (PySpark and the job's packages), one per Spark line. A development
 * checkout has its own (`.venv` for the default line, `.venv-spark-<line>` for the others), made by
 * `npm run setup`; an installed package keeps one per user and line in the cache folder, made on first use
 * and shared by every project on the machine; KINDLING_VENV points at any other.
 */
export interface SparkEnv {
  dir: string;
  python: string;
  sparkSubmit: string;
  source: SparkEnvSource;
}

/** Who makes the environment: the checkout's `npm run setup`, Kindling itself (cache), or the user. */
export type SparkEnvSource = "checkout" | "cache" | "KINDLING_VENV";

/** Written last into a cached environment: one without it is partial and is never used. */
const STAMP = ".kindling-env.json";
/** Bump when the way the environment is made changes, so older ones are made again. */
const LAYOUT_VERSION = 1;
/** Which environment: the Spark line's, as this process (or a test) sees the machine. */
export interface EnvQuery {
  /** Default: versions.json's default line. */
  line?: SparkLine;
  env?: NodeJS.ProcessEnv;
  /** The installed package's folder (tests use another). */
  packageRoot?: string;
}

/** What the environment holds: the line's PySpark and the job's own requirements (spark/requirements.txt). */
export function sparkEnvRequirements(line: LinePairing = VERSIONS): string[] {
  return [`pyspark==${line.spark}`, ...ownRequirements()];
}

/** A checkout's venv of a line (scripts/setup.mjs makes them): `.venv` for the default, `.venv-spark-<line>`. */
export function checkoutVenvName(line: SparkLine): string {
  return line === VERSIONS.line ? ".venv" : `.venv-spark-${line}`;
}

/** Where the environment is, and who makes it. */
export function sparkEnvLocation(query: EnvQuery = {}): { dir: string; source: SparkEnvSource } {
  const { env = process.env, packageRoot = PACKAGE_ROOT } = query;
  const line = sparkLine(query.line ?? VERSIONS.line);
  if (env.KINDLING_VENV) return { dir: env.KINDLING_VENV, source: "KINDLING_VENV" };
  // scripts/ is not in the published package: its presence means a clone of the repository.
  if (existsSync(path.join(packageRoot, "scripts", "setup.mjs"))) {
    return { dir: path.join(packageRoot, checkoutVenvName(line.line)), source: "checkout" };
  }
  const key = createHash("sha256")
    .update(JSON.stringify({ layout: LAYOUT_VERSION, requirements: sparkEnvRequirements(line) }))
    .digest("hex")
    .slice(0, 12);
  return { dir: path.join(cacheDir(env), "python", `pyspark-${line.spark}-${key}`), source: "cache" };
}

/** The environment if it is there and whole; otherwise a PrerequisiteError saying how to make it. */
export function requireSparkEnv(query: EnvQuery = {}): SparkEnv {
  const line = sparkLine(query.line ?? VERSIONS.line);
  const { dir, source } = sparkEnvLocation(query);
  const found = inspect(dir, source, line);
  if (found.ok) return found.env;
  throw new PrerequisiteError(`${found.problem}. Nothing was started.`, {
    hint: makeHint(source, dir, line),
  });
}

export interface EnsureOptions extends EnvQuery {
  io: IoHost;
  /** Make it again even if it is there (`kindling setup --recreate`). */
  recreate?: boolean;
  signal?: AbortSignal;
  platform?: NodeJS.Platform;
}

/**
 * The environment, made first if this is an installed package's first use: a venv is created beside the
 * final folder, PySpark and the job's packages are installed into it with pip, and it is renamed into place
 * only when whole (a venv's interpreter finds its packages relative to itself, so it survives the rename).
 * An interrupted install leaves nothing that is used; two processes making it at once both end with one.
 */
export async function ensureSparkEnv(options: EnsureOptions): Promise<SparkEnv> {
  if ((options.platform ?? process.platform) === "win32") {
    throw new PrerequisiteError(
      "Running Spark jobs on native Windows is not supported (the job's Python, PySpark's launch scripts and the process clean-up are POSIX). Nothing was started.",
      {
        hint: "Use WSL 2 (https://learn.microsoft.com/windows/wsl/install) and install Node.js, Java 17 and Python there; on native Windows, `validate`, `init`, `schema`, `synth` and `report` need no Spark.",
      },
    );
  }
  const env = options.env ?? process.env;
  const line = sparkLine(options.line ?? VERSIONS.line);
  const { dir, source } = sparkEnvLocation(options);
  if (source !== "cache") {
    if (options.recreate) {
      throw new KindlingError(`${dir} is not Kindling's to make again (${describeSource(source, dir)})`, {
        hint: makeHint(source, dir, line),
      });
    }
    return requireSparkEnv(options);
  }
  const found = inspect(dir, source, line);
  if (found.ok && !options.recreate) return found.env;

  const python = findBasePython(env, line);
  const requirements = sparkEnvRequirements(line);
  const span = options.io.span(
    CODES.PYTHON_ENV_CREATE.msg(
      `Installing PySpark ${line.spark} (${requirements.slice(1).join(", ")}) for Python ${python.version} into ${dir}: once per machine, ~320 MB to download`,
      { dir, python: python.command, requirements },
    ),
  );
  const scratch = `${dir}.partial-${process.pid}-${randomBytes(3).toString("hex")}`;
  try {
    await run(python.command, ["-m", "venv", scratch], options.signal);
    const pip = [
      "-m",
      "pip",
      "install",
      "--disable-pip-version-check",
      "--no-input",
      "--quiet",
      "--no-color",
    ];
    await run(path.join(scratch, "bin", "python"), [...pip, ...requirements], options.signal);
    await writeFile(
      path.join(scratch, STAMP),
      `${JSON.stringify({ layout: LAYOUT_VERSION, requirements, python: python.version, created_at: new Date().toISOString() }, null, 2)}\n`,
    );
    if (options.recreate && existsSync(dir)) await rm(dir, { recursive: true, force: true });
    await placeWhole(scratch, dir);
    span.succeed();
  } catch (error) {
    span.fail();
    throw error;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  return requireSparkEnv(options);
}

/** Renames a finished environment into place; if another process placed one first, theirs is kept. */
async function placeWhole(scratch: string, dir: string): Promise<void> {
  // A folder without the stamp is a leftover of an older, interrupted layout: never used, so replaced.
  if (existsSync(dir) && !existsSync(path.join(dir, STAMP))) await rm(dir, { recursive: true, force: true });
  try {
    await rename(scratch, dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if ((code === "ENOTEMPTY" || code === "EEXIST") && existsSync(path.join(dir, STAMP))) return;
    throw error;
  }
}

type Inspection = { ok: true; env: SparkEnv } | { ok: false; problem: string };

function inspect(dir: string, source: SparkEnvSource, line: LinePairing): Inspection {
  const python = path.join(dir, "bin", "python");
  const sparkSubmit = path.join(dir, "bin", "spark-submit");
  const dangling = danglingTarget(python);
  if (dangling !== undefined) {
    return {
      ok: false,
      problem: `Python is missing: ${python} points to ${dangling}, which does not exist (the Python the environment was made with is gone)`,
    };
  }
  if (
    !existsSync(python) ||
    !existsSync(sparkSubmit) ||
    (source === "cache" && !existsSync(path.join(dir, STAMP)))
  ) {
    return { ok: false, problem: `Python with PySpark ${line.spark} is not installed (${dir})` };
  }
  return { ok: true, env: { dir, python, sparkSubmit, source } };
}

function makeHint(source: SparkEnvSource, dir: string, line: LinePairing): string {
  const other = line.line === VERSIONS.line ? "" : ` --spark-line ${line.line}`;
  switch (source) {
    case "checkout":
      return other
        ? `Run \`npm run setup -- --spark-line ${line.line}\` in the Kindling checkout (it creates ${path.basename(dir)} with PySpark ${line.spark}).`
        : "Run `npm run setup` in the Kindling checkout (it creates .venv with the pinned PySpark).";
    case "cache":
      return `Run \`kindling setup${other}\` (any \`kindling run\` also makes it on first use); it needs Python ${line.python.min}–${line.python.max} with venv.`;
    case "KINDLING_VENV":
      return `KINDLING_VENV is ${dir}: point it at a venv with PySpark ${line.spark} (and numpy), or unset it to let Kindling make one.`;
  }
}

function describeSource(source: SparkEnvSource, dir: string): string {
  return source === "checkout" ? "the checkout's .venv, made by `npm run setup`" : `KINDLING_VENV=${dir}`;
}

/** A Python the line's PySpark runs on, to make the venv with: KINDLING_PYTHON, else the usual names on PATH. */
function findBasePython(env: NodeJS.ProcessEnv, line: LinePairing): { command: string; version: string } {
  const minorOf = (version: string) => Number(version.split(".")[1]);
  const supported = { min: minorOf(line.python.min), max: minorOf(line.python.max) };
  const names = [env.KINDLING_PYTHON, "python3.11", "python3.12", "python3.10", "python3.9", "python3"];
  const seen: string[] = [];
  for (const command of names.filter((n): n is string => Boolean(n))) {
    const probe = spawnSync(command, ["-c", "import sys, venv; print('%d.%d' % sys.version_info[:2])"], {
      encoding: "utf8",
      env,
    });
    if (probe.status !== 0) continue;
    const version = probe.stdout.trim();
    const minor = minorOf(version);
    if (version.startsWith("3.") && minor >= supported.min && minor <= supported.max) {
      return { command, version };
    }
    seen.push(`${command} is ${version}`);
  }
  throw new PrerequisiteError(
    `Python ${line.python.min}–${line.python.max} with the venv module is needed to install PySpark ${line.spark}${seen.length ? ` (${seen.join(", ")})` : ", and none was found on PATH"}. Nothing was started.`,
    {
      hint: "Install one (Debian/Ubuntu: `sudo apt-get install python3 python3-venv`; macOS: `brew install python@3.11`) or point KINDLING_PYTHON at an interpreter.",
    },
  );
}

/** Runs a set-up command; its output is kept to explain a failure. */
function run(command: string, args: string[], signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], ...(signal ? { signal } : {}) });
    let output = "";
    const keep = (d: Buffer) => {
      output = (output + d.toString()).slice(-4000);
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    child.once("error", (error) => reject(new KindlingError(`could not run ${command}: ${error.message}`)));
    child.once("close", (code) => {
      if (code === 0) return resolve();
      const last = output.trim().split("\n").slice(-5).join("\n  ");
      reject(
        new KindlingError(
          `\`${path.basename(command)} ${args.slice(0, 3).join(" ")} …\` failed (exit ${code}):\n  ${last}`,
          {
            hint: "pip downloads from PyPI (or PIP_INDEX_URL / PIP_EXTRA_INDEX_URL): check the network, then run `kindling setup` again.",
          },
        ),
      );
    });
  });
}

/** The target of a symlink that points nowhere, else undefined. */
function danglingTarget(file: string): string | undefined {
  try {
    if (!lstatSync(file).isSymbolicLink() || existsSync(file)) return undefined;
    return path.resolve(path.dirname(file), readlinkSync(file));
  } catch {
    return undefined;
  }
}
