import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { PrerequisiteError } from "../../errors.js";
import { VERSIONS } from "../../versions.js";

const run = promisify(execFile);

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
