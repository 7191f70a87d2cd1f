import { execFile } from "node:child_process";
import { existsSync, lstatSync, readlinkSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { PrerequisiteError } from "../../errors.js";
import { PACKAGE_ROOT, VERSIONS } from "../../versions.js";

const run = promisify(execFile);

/** The project-local Python environment made by scripts/setup.mjs. */
export const VENV_DIR = process.env.KINDLING_VENV ?? path.join(PACKAGE_ROOT, ".venv");
export const VENV_PYTHON = path.join(VENV_DIR, "bin", "python");
export const SPARK_SUBMIT = path.join(VENV_DIR, "bin", "spark-submit");

export interface JavaInfo {
  major: number;
  version: string;
  command: string;
}

/** Finds `java` (JAVA_HOME first, then PATH) and reads its major version from `java -version`. */
export async function detectJava(env: NodeJS.ProcessEnv = process.env): Promise<JavaInfo> {
  const command = env.JAVA_HOME ? path.join(env.JAVA_HOME, "bin", "java") : "java";
  let stderr: string;
  try {
    ({ stderr } = await run(command, ["-version"], { env }));
  } catch {
    const where = env.JAVA_HOME
      ? `JAVA_HOME is ${env.JAVA_HOME}, but ${command} is not there (or does not run)`
      : `\`${command}\` was not found on PATH`;
    throw new PrerequisiteError(
      `Java ${VERSIONS.java} or newer is required, and ${where}. Nothing was started.`,
      {
        hint: `Install a JDK ${VERSIONS.java}+ (Debian/Ubuntu: \`sudo apt-get install openjdk-17-jdk-headless\`; macOS: \`brew install openjdk@17\`) and put it on PATH or set JAVA_HOME.`,
      },
    );
  }
  const version = /version "([^"]+)"/.exec(stderr)?.[1] ?? "unknown";
  const major = parseJavaMajor(version);
  if (major < VERSIONS.java) {
    throw new PrerequisiteError(
      `Java ${version} found at ${command}; Spark ${VERSIONS.spark} needs Java ${VERSIONS.java} or newer.`,
      {
        hint: `Install JDK ${VERSIONS.java} (e.g. \`sudo apt-get install openjdk-17-jdk-headless\`) and set JAVA_HOME to it.`,
      },
    );
  }
  return { major, version, command };
}

/** "1.8.0_392" → 8, "17.0.15" → 17. */
export function parseJavaMajor(version: string): number {
  const parts = version.split(/[._-]/).map((p) => Number.parseInt(p, 10));
  const first = parts[0] ?? 0;
  return first === 1 ? (parts[1] ?? 0) : first;
}

/** The venv with PySpark must exist; it is made by `npm run setup` (run by `npm run demo` and `npm test`). */
export function requireSparkEnv(): { python: string; sparkSubmit: string } {
  const dangling = danglingTarget(VENV_PYTHON);
  if (dangling !== undefined) {
    throw new PrerequisiteError(
      `Python is missing: ${VENV_PYTHON} points to ${dangling}, which does not exist (the Python the environment was made with is gone). Nothing was started.`,
      {
        hint: `Delete ${VENV_DIR} and run \`npm run setup\` (it recreates it with a Python 3.9–3.12 on PATH).`,
      },
    );
  }
  if (!existsSync(SPARK_SUBMIT) || !existsSync(VENV_PYTHON)) {
    throw new PrerequisiteError(
      `Python with PySpark is not installed in the project environment (${VENV_DIR}). Nothing was started.`,
      {
        hint: "Run `npm run setup` (it creates .venv with the pinned PySpark).",
      },
    );
  }
  return { python: VENV_PYTHON, sparkSubmit: SPARK_SUBMIT };
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
