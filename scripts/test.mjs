#!/usr/bin/env node
// `npm test`: every check and every test, TypeScript and Python, in one run. Runs all suites even when
// one fails, then exits non-zero if any did.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const bin = (name) => path.join(root, "node_modules", ".bin", name);
const venv = (name) => path.join(root, ".venv", "bin", name);
const benchVenv = (name) => path.join(root, ".venv-bench", "bin", name);
const VITEST_JSON = path.join(root, ".cache", "vitest-results.json");
const versions = JSON.parse(readFileSync(path.join(root, "versions.json"), "utf8"));
// The Node.js LTS the set-up fetched (versions.json testNode); the CLI under test runs on it too.
const testNode = path.join(root, ".cache", `node-${versions.testNode}`, "bin", "node");
const node = existsSync(testNode) ? testNode : process.execPath;
// The job's tests under every Spark line: the default line's .venv, then each other line's venv.
const otherLines = Object.entries(versions.sparkLines)
  .filter(([name]) => name !== versions.sparkLine)
  .flatMap(([name, line]) => {
    const bin = (tool) => path.join(root, `.venv-spark-${name}`, "bin", tool);
    return [
      [`mypy (PySpark ${line.spark})`, bin("mypy"), ["--config-file", "spark/pyproject.toml", "spark"]],
      [`pytest (PySpark ${line.spark})`, bin("pytest"), ["spark/tests", "-q", "-p", "no:cacheprovider"]],
    ];
  });

/** The failed vitest tests, one line each with the first line of their error. */
function vitestFailures() {
  try {
    const results = JSON.parse(readFileSync(VITEST_JSON, "utf8")).testResults ?? [];
    return results.flatMap((file) =>
      (file.assertionResults ?? [])
        .filter((t) => t.status === "failed")
        .map((t) => {
          const why = (t.failureMessages?.[0] ?? "").split("\n")[0].slice(0, 300);
          return `  ${path.relative(root, file.name)} > ${t.fullName}: ${why}`;
        })
        .concat(
          file.status === "failed" && !file.assertionResults?.length
            ? [`  ${path.relative(root, file.name)}: ${file.message ?? "failed"}`]
            : [],
        ),
    );
  } catch {
    return [];
  }
}

const suites = [
  ["type-check", bin("tsc"), ["-p", "tsconfig.json", "--noEmit"]],
  ["biome", bin("biome"), ["check", "."]],
  ["ruff", venv("ruff"), ["check", "spark", "bench/python", "test/aws", "test/mlflow"]],
  ["ruff format", venv("ruff"), ["format", "--check", "spark", "bench/python", "test/aws", "test/mlflow"]],
  [
    `mypy (PySpark ${versions.sparkLines[versions.sparkLine].spark})`,
    venv("mypy"),
    ["--config-file", "spark/pyproject.toml", "spark"],
  ],
  ["mypy (bench)", venv("mypy"), ["--config-file", "bench/python/pyproject.toml"]],
  // The job runs on EMR 7's python3, which is 3.9: no module, function or syntax newer than that.
  [
    "vermin (the job needs no Python newer than 3.9)",
    venv("vermin"),
    ["--target=3.9-", "--violations", "--no-tips", "spark/kindling_job", "spark/entry.py"],
  ],
  [
    `pytest (PySpark ${versions.sparkLines[versions.sparkLine].spark})`,
    venv("pytest"),
    ["spark/tests", "-q"],
  ],
  ...otherLines,
  // The benchmark's baselines: scikit-learn lives in its own venv; the seed-literal test uses .venv's Spark.
  ["pytest (bench)", benchVenv("python"), ["-m", "pytest", "bench/python", "-q"]],
  // Last and summarised at the end: a CI log's tail then names what failed.
  [
    `vitest (Node.js ${spawnSync(node, ["--version"], { encoding: "utf8" }).stdout.trim()})`,
    node,
    [
      path.join(root, "node_modules", "vitest", "vitest.mjs"),
      "run",
      "--reporter=default",
      "--reporter=json",
      `--outputFile.json=${VITEST_JSON}`,
    ],
  ],
];

const failed = [];
for (const [name, command, args] of suites) {
  process.stdout.write(`\n=== ${name} ===\n`);
  const started = Date.now();
  const result = spawnSync(command, args, {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, FORCE_COLOR: "0" },
  });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const ok = result.status === 0;
  process.stdout.write(
    `=== ${name}: ${ok ? "ok" : `FAILED (exit ${result.status ?? result.signal})`} in ${seconds}s ===\n`,
  );
  if (!ok) failed.push(name);
}
if (failed.some((name) => name.startsWith("vitest"))) {
  const lines = vitestFailures();
  if (lines.length) process.stdout.write(`\nFailed vitest tests:\n${lines.join("\n")}\n`);
}
process.stdout.write(failed.length ? `\nFailed: ${failed.join(", ")}\n` : "\nAll checks and tests passed.\n");
process.exit(failed.length ? 1 : 0);
