#!/usr/bin/env node
// One set-up for `npm run demo` and `npm test`: installs what is missing and says exactly what to install
// when it cannot (Java, Python). Uses only Node built-ins: it runs before node_modules exists.
// Flags: --for-tests also prepares the test-only tools: cfn-lint/checkov for the infrastructure tests, moto
// and Spark's S3 connector for the emulated-AWS (EMR target) tests, scikit-learn for the benchmark
// baseline's test, and a venv for every other Spark line (the job's tests run under each); --spark-line LINE prepares that line's venv;
// --for-bench prepares scikit-learn (the benchmark's single-machine baseline) alone;
// --build-only (npm pack's prepack) installs the npm packages and compiles afresh: no Java, no Python.
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const versions = JSON.parse(readFileSync(path.join(root, "versions.json"), "utf8"));
const forTests = process.argv.includes("--for-tests");
const forBench = process.argv.includes("--for-bench");
const buildOnly = process.argv.includes("--build-only");
const lineArg = process.argv.indexOf("--spark-line");
const extraLine = lineArg > 0 ? process.argv[lineArg + 1] : undefined;
if (lineArg > 0 && !versions.sparkLines[extraLine]) {
  fail(
    `--spark-line ${extraLine ?? "(missing)"}: versions.json knows ${Object.keys(versions.sparkLines).join(", ")}.`,
  );
}
const defaultLine = versions.sparkLines[versions.sparkLine];

function fail(message) {
  process.stderr.write(`\nsetup: ${message}\n`);
  process.exit(1);
}

function say(message) {
  process.stderr.write(`setup: ${message}\n`);
}

function sh(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: ["ignore", "inherit", "inherit"], ...options });
  if (result.error) fail(`${command} could not start: ${result.error.message}`);
  if (result.status !== 0) fail(`\`${command} ${args.join(" ")}\` failed (exit ${result.status}).`);
}

function checkNode() {
  const [major, minor] = process.versions.node.split(".").map(Number);
  if (major < 20 || (major === 20 && minor < 12)) {
    fail(
      `Node.js 20.12 or newer is required (found ${process.versions.node}). Install it from your package manager or nodejs.org.`,
    );
  }
  if (major < 22) {
    say(
      `Node.js ${process.versions.node} is past its end of life, and AWS SDK releases from January 2027 need 22 or newer: install Node.js 24 LTS when you can (nodejs.org or your package manager).`,
    );
  }
}

function npmPackages() {
  const stamp = path.join(root, "node_modules", ".package-lock.json");
  const lock = path.join(root, "package-lock.json");
  if (existsSync(stamp) && statSync(stamp).mtimeMs >= statSync(lock).mtimeMs) return;
  say("installing npm packages (npm ci)…");
  sh("npm", ["ci", "--no-audit", "--no-fund"]);
}

function checkJava() {
  const java = process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, "bin", "java") : "java";
  const result = spawnSync(java, ["-version"], { encoding: "utf8" });
  const hint =
    `Install a JDK ${versions.java} or newer and put \`java\` on PATH (or set JAVA_HOME):\n` +
    "  Debian/Ubuntu: sudo apt-get install openjdk-17-jdk-headless\n" +
    "  macOS:         brew install openjdk@17\n" +
    "  Fedora:        sudo dnf install java-17-openjdk-headless";
  if (result.error || result.status !== 0) fail(`Java was not found (${java}).\n${hint}`);
  const version = /version "([^"]+)"/.exec(result.stderr)?.[1] ?? "0";
  const parts = version.split(/[._-]/).map(Number);
  const major = parts[0] === 1 ? parts[1] : parts[0];
  if (major < versions.java) fail(`Java ${version} is too old for Spark ${defaultLine.spark}.\n${hint}`);
}

/** A Python the Spark line's PySpark supports (versions.json sparkLines.*.python). */
function findPython(line = defaultLine) {
  const minor = (v) => Number(v.split(".")[1]);
  for (const candidate of [process.env.KINDLING_PYTHON, `python${versions.python}`, "python3"].filter(
    Boolean,
  )) {
    const result = spawnSync(candidate, ["-c", "import sys; print('%d.%d' % sys.version_info[:2])"], {
      encoding: "utf8",
    });
    if (result.status !== 0) continue;
    const found = result.stdout.trim();
    if (
      found.startsWith("3.") &&
      minor(found) >= minor(line.python.min) &&
      minor(found) <= minor(line.python.max)
    )
      return candidate;
  }
  fail(
    `Python ${line.python.min}–${line.python.max} with the venv module was not found (PySpark ${line.spark} supports these).\n` +
      `  Debian/Ubuntu: sudo apt-get install python3 python3-venv\n  macOS: brew install python@${versions.python}\n` +
      "  or point KINDLING_PYTHON at an interpreter.",
  );
}

/** Creates (or refreshes) a venv when its requirement files changed since it was last installed. */
function venv(dir, requirements, label, line = defaultLine) {
  const pins = requirements.map((r) =>
    r.startsWith("-r ") ? readFileSync(path.join(root, r.slice(3)), "utf8") : r,
  );
  const digest = createHash("sha256").update(pins.join("\n")).digest("hex");
  const stampFile = path.join(root, dir, ".kindling-stamp");
  if (existsSync(stampFile) && readFileSync(stampFile, "utf8") === digest) return;
  const python = findPython(line);
  if (!existsSync(path.join(root, dir, "bin", "python"))) {
    say(`creating ${dir} (${label})…`);
    sh(python, ["-m", "venv", dir]);
  }
  say(`installing ${label} into ${dir}…`);
  const args = ["-m", "pip", "install", "--disable-pip-version-check", "-q"];
  for (const r of requirements) args.push(...(r.startsWith("-r ") ? ["-r", r.slice(3)] : [r]));
  sh(path.join(root, dir, "bin", "python"), args);
  writeFileSync(stampFile, digest);
}

/** The report's browser test drives Debian's Chromium through playwright-core (no browser download). */
function chromium() {
  const executable = process.env.KINDLING_CHROMIUM ?? "/usr/bin/chromium";
  if (existsSync(executable)) return;
  const hint =
    "Install it (Debian/Ubuntu: sudo apt-get install chromium) or point KINDLING_CHROMIUM at a Chromium binary.";
  if (process.getuid?.() !== 0 || !existsSync("/usr/bin/apt-get"))
    fail(`Chromium was not found at ${executable}.\n  ${hint}`);
  say("installing Debian's chromium (for the report's browser test)…");
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  sh("apt-get", ["update", "-qq"], { env });
  sh("apt-get", ["install", "-y", "-qq", "chromium"], { env });
}

/**
 * The tests run under the current Node.js LTS whatever Node runs npm (20 is past its end of life here):
 * its official binary, from the npm registry's node-<os>-<cpu> package, kept in .cache/.
 */
function testNode() {
  const version = versions.testNode;
  const binary = path.join(root, ".cache", `node-${version}`, "bin", "node");
  if (existsSync(binary)) return;
  const pkg = `node-${process.platform}-${process.arch}`;
  say(`fetching Node.js ${version} (${pkg} from the npm registry) to run the tests under…`);
  const scratch = mkdtempSync(path.join(os.tmpdir(), "kindling-node-"));
  try {
    sh("npm", ["pack", `${pkg}@${version}`, "--silent", "--pack-destination", scratch], {
      stdio: ["ignore", "ignore", "inherit"],
    });
    sh("tar", ["-xzf", path.join(scratch, `${pkg}-${version}.tgz`), "-C", scratch]);
    mkdirSync(path.dirname(binary), { recursive: true });
    renameSync(path.join(scratch, "package", "bin", "node"), binary);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * Spark's S3 connector for the EMR emulator (test/emr-emulator/s3a-connector.json): each jar fetched once
 * from Maven Central into the per-user cache (KINDLING_CACHE_DIR overrides it), checked against its pinned
 * SHA-256, and the paths written to .cache/s3a-connector.json for the tests.
 */
async function s3aConnector() {
  const pins = JSON.parse(
    readFileSync(path.join(root, "test", "emr-emulator", "s3a-connector.json"), "utf8"),
  );
  const cache =
    process.env.KINDLING_CACHE_DIR ??
    path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "kindling");
  const found = {};
  for (const [line, jars] of Object.entries(pins)) {
    if (line.startsWith("$")) continue;
    found[line] = [];
    for (const { coordinate, sha256 } of jars) {
      const [group, artifact, version] = coordinate.split(":");
      const relative = [...group.split("."), artifact, version, `${artifact}-${version}.jar`].join("/");
      const file = path.join(cache, "maven", ...relative.split("/"));
      if (!existsSync(file)) await fetchVerified(`https://repo1.maven.org/maven2/${relative}`, file, sha256);
      found[line].push(file);
    }
  }
  mkdirSync(path.join(root, ".cache"), { recursive: true });
  writeFileSync(path.join(root, ".cache", "s3a-connector.json"), `${JSON.stringify(found, null, 2)}\n`);
}

/** Downloads `url` to `file` through a scratch file, kept only when its SHA-256 is `sha256`. */
async function fetchVerified(url, file, sha256) {
  say(`fetching ${path.basename(file)} (Spark's S3 connector, for the EMR emulator) from Maven Central…`);
  const response = await fetch(url).catch((error) => fail(`could not fetch ${url}: ${error.message}`));
  if (!response.ok) fail(`could not fetch ${url}: HTTP ${response.status}.`);
  mkdirSync(path.dirname(file), { recursive: true });
  // What an interrupted set-up left behind is never finished: start afresh.
  for (const entry of readdirSync(path.dirname(file))) {
    if (entry.startsWith(`${path.basename(file)}.part-`)) rmSync(path.join(path.dirname(file), entry));
  }
  const scratch = `${file}.part-${process.pid}`;
  const hash = createHash("sha256");
  const tee = new Transform({
    transform(chunk, _encoding, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  const written = await pipeline(Readable.fromWeb(response.body), tee, createWriteStream(scratch)).then(
    () => undefined,
    (error) => error,
  );
  const digest = hash.digest("hex");
  if (written || digest !== sha256) {
    rmSync(scratch, { force: true });
    fail(`${url}: ${written ? written.message : `SHA-256 ${digest}, not the pinned ${sha256}`}; not used.`);
  }
  renameSync(scratch, file);
}

function build() {
  // A package is built from nothing: a module deleted since the last build must not ship.
  if (buildOnly) rmSync(path.join(root, "dist"), { recursive: true, force: true });
  const tsc = path.join(root, "node_modules", "typescript", "bin", "tsc");
  execFileSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], { cwd: root, stdio: "inherit" });
}

checkNode();
if (buildOnly) {
  npmPackages();
  build();
  process.exit(0);
}
checkJava();
npmPackages();
/** The job's venv for a Spark line: `.venv` for the default line, `.venv-spark-<line>` for the others. */
function sparkVenv(name) {
  const line = versions.sparkLines[name];
  venv(
    name === versions.sparkLine ? ".venv" : `.venv-spark-${name}`,
    [`pyspark==${line.spark}`, "-r spark/requirements.txt", "-r spark/requirements-dev.txt"],
    `PySpark ${line.spark}`,
    line,
  );
}
sparkVenv(versions.sparkLine);
for (const name of Object.keys(versions.sparkLines)) {
  if (name !== versions.sparkLine && (forTests || name === extraLine)) sparkVenv(name);
}
if (forTests && existsSync(path.join(root, "infra", "requirements.txt"))) {
  venv(".venv-iac", ["-r infra/requirements.txt"], "cfn-lint, checkov and parliament");
}
// The moto server the emulated-AWS tests start on 127.0.0.1 (its own venv: see the requirement file).
if (forTests && existsSync(path.join(root, "test", "aws", "requirements.txt"))) {
  venv(".venv-aws", ["-r test/aws/requirements.txt"], "moto (emulated AWS for the tests)");
}
// A real MLflow server (and MLflow's client with PySpark) for the export test.
if (forTests && existsSync(path.join(root, "test", "mlflow", "requirements.txt"))) {
  venv(".venv-mlflow", ["-r test/mlflow/requirements.txt"], "MLflow (the export test's tracking server)");
}
// scikit-learn for the benchmark's baseline: its own venv, so the job's venv keeps only what Spark needs.
if ((forTests || forBench) && existsSync(path.join(root, "bench", "requirements.txt"))) {
  venv(".venv-bench", ["-r bench/requirements.txt"], "scikit-learn (the benchmark's baseline)");
}
if (forTests) chromium();
if (forTests) testNode();
if (forTests) await s3aConnector();
build();
