import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { loadConfig, loadOptionsOf } from "../../config/load.js";
import { configuredLine } from "../../config/sparkLine.js";
import { KindlingError } from "../../errors.js";
import { detectJava } from "../../targets/local/prerequisites.js";
import { requireSparkEnv, type SparkEnvSource, sparkEnvLocation } from "../../targets/local/pythonEnv.js";
import { type Check, checkLines } from "../../ui/checks.js";
import { type LinePairing, type SparkLine, sparkLine, VERSIONS } from "../../versions.js";
import type { CommandIO } from "../io.js";
import type { DoctorOptions } from "../options.js";

const run = promisify(execFile);

export type { Check };

/** `kindling doctor`: what is there, what is missing, and the command that fixes it. */
export async function doctorCommand(options: DoctorOptions, io: CommandIO, env = process.env): Promise<void> {
  const config = await projectConfig(options.config, options.env);
  const checks = [
    nodeCheck(process.versions.node),
    await javaCheck(env),
    await pysparkCheck(env, sparkLine(config.line ?? VERSIONS.line)),
    awsCredentialsCheck(env),
    awsRegionCheck(env, config.region),
    ...(config.check ? [config.check] : []),
  ];
  io.emitJson({ ok: checks.every((c) => c.status !== "fail"), checks });
  for (const line of checkLines(checks)) io.print(line);
  if (checks.some((c) => c.status === "fail")) throw new PrerequisitesMissing(checks);
}

/** Some check failed; under --json the error carries every check, since nothing else is printed. */
class PrerequisitesMissing extends KindlingError {
  readonly checks: Check[];
  constructor(checks: Check[]) {
    super(
      `Some prerequisites are missing: ${checks
        .filter((c) => c.status === "fail")
        .map((c) => c.name)
        .join(", ")} (see above).`,
    );
    this.checks = checks;
  }
}

/** Node.js 20 left support in April 2026; the AWS SDK needs 22 from January 2027. */
export function nodeCheck(version: string): Check {
  const major = Number(version.split(".")[0]);
  if (major >= 22) return { name: "Node.js", status: "ok", detail: version };
  return {
    name: "Node.js",
    status: "warn",
    detail: `${version}: past its end of life; AWS SDK releases from January 2027 need Node.js 22 or newer`,
    fix: "Install Node.js 24 LTS (https://nodejs.org/en/download, or your package manager, e.g. `brew install node@24`).",
  };
}

async function javaCheck(env: NodeJS.ProcessEnv): Promise<Check> {
  try {
    const java = await detectJava(env);
    return { name: "Java", status: "ok", detail: `${java.version} (${java.command})` };
  } catch (error) {
    const e = error as KindlingError;
    return { name: "Java", status: "fail", detail: e.message, ...(e.hint ? { fix: e.hint } : {}) };
  }
}

/** Whose environment it is, for the doctor's line. */
const SOURCE: Record<SparkEnvSource, string> = {
  checkout: "the checkout's venv",
  cache: "per-user cache, shared by all projects",
  KINDLING_VENV: "KINDLING_VENV",
};

/** The local PySpark of the Spark line the project's config runs (versions.json's default without one). */
async function pysparkCheck(env: NodeJS.ProcessEnv, line: LinePairing): Promise<Check> {
  const query = { env, line: line.line };
  const { dir, source } = sparkEnvLocation(query);
  const lineFlag = line.line === VERSIONS.line ? "" : ` --spark-line ${line.line}`;
  const remake =
    source === "checkout"
      ? `Run \`npm run setup${lineFlag ? ` --${lineFlag}` : ""}\`.`
      : `Run \`kindling setup${lineFlag} --recreate\`.`;
  try {
    const { python } = requireSparkEnv(query);
    const { stdout } = await run(python, [
      "-c",
      "import platform, pyspark; print(pyspark.__version__, platform.python_version())",
    ]);
    const [pyspark = "", pythonVersion = ""] = stdout.trim().split(" ");
    if (pyspark !== line.spark) {
      return {
        name: "PySpark",
        status: "fail",
        detail: `${pyspark} in ${dir}, but the Spark ${line.line} line pairs Spark ${line.spark} with ${line.emrRelease} (versions.json)`,
        fix:
          source === "KINDLING_VENV"
            ? `Install pyspark==${line.spark} there, or unset KINDLING_VENV.`
            : remake,
      };
    }
    return {
      name: "PySpark",
      status: "ok",
      detail: `${pyspark} on Python ${pythonVersion} in ${dir} (${SOURCE[source]}); same Spark as ${line.emrRelease}`,
    };
  } catch (error) {
    return {
      name: "PySpark",
      status: "fail",
      detail: String((error as Error).message),
      fix: (error as KindlingError).hint ?? remake,
    };
  }
}

function awsFile(name: "credentials" | "config", env: NodeJS.ProcessEnv): string {
  const override = name === "credentials" ? env.AWS_SHARED_CREDENTIALS_FILE : env.AWS_CONFIG_FILE;
  return override ?? path.join(os.homedir(), ".aws", name);
}

/** Looks for a source of the standard credential chain without calling AWS (local runs need none). */
export function awsCredentialsCheck(env: NodeJS.ProcessEnv): Check {
  const sources: string[] = [];
  if (env.AWS_ACCESS_KEY_ID) sources.push("environment variables");
  if (env.AWS_PROFILE) sources.push(`profile ${env.AWS_PROFILE}`);
  if (env.AWS_WEB_IDENTITY_TOKEN_FILE) sources.push("web identity token");
  if (env.AWS_CONTAINER_CREDENTIALS_FULL_URI || env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI)
    sources.push("container");
  if (existsSync(awsFile("credentials", env))) sources.push(awsFile("credentials", env));
  if (existsSync(awsFile("config", env))) sources.push(awsFile("config", env));
  return sources.length > 0
    ? {
        name: "AWS credentials",
        status: "ok",
        detail: `found: ${sources.join(", ")} (not verified; no AWS call made)`,
      }
    : {
        name: "AWS credentials",
        status: "warn",
        detail: "none found (only needed for --target emr, deploy and destroy)",
        fix: "Run `aws configure` or `aws sso login`, or set AWS_PROFILE.",
      };
}

/**
 * The region cloud commands use, in their order: the config's aws.region, then AWS_REGION /
 * AWS_DEFAULT_REGION (a region in the AWS profile is read by the SDK at run time, not here).
 */
export function awsRegionCheck(env: NodeJS.ProcessEnv, configRegion?: string): Check {
  if (configRegion)
    return { name: "AWS region", status: "ok", detail: `${configRegion} (aws.region in the config)` };
  const fromEnv = env.AWS_REGION ? "AWS_REGION" : env.AWS_DEFAULT_REGION ? "AWS_DEFAULT_REGION" : undefined;
  return fromEnv
    ? { name: "AWS region", status: "ok", detail: `${env[fromEnv]} (${fromEnv})` }
    : {
        name: "AWS region",
        status: "warn",
        detail: "not set in the config nor the environment (only needed for cloud commands)",
        fix: "Set aws.region in kindling.yaml, or AWS_REGION, or `region` in your AWS profile.",
      };
}

/** The config's aws.region, when the config exists and is valid; a check saying why when it is not. */
async function projectConfig(
  file: string | undefined,
  env: string | undefined,
): Promise<{ region?: string; line?: SparkLine; check?: Check }> {
  if (!file || !existsSync(file)) return {};
  try {
    const { config } = await loadConfig(file, loadOptionsOf({ ...(env !== undefined ? { env } : {}) }));
    return {
      line: configuredLine(config).line,
      ...(config.aws.region ? { region: config.aws.region } : {}),
    };
  } catch (error) {
    return {
      check: {
        name: "Config",
        status: "warn",
        detail: `${file}: ${(error as Error).message}`,
        fix: `\`kindling validate -c ${file}\` shows every problem and where.`,
      },
    };
  }
}
