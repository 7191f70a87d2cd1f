#!/usr/bin/env node
// `npm test`: every check and every test, TypeScript and Python, in one run. Runs all suites even when
// one fails, then exits non-zero if any did.
import { spawn, spawnSync } from "node:child_process";
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
// The job's checks and tests under every Spark line: the default line's .venv, then each other line's venv.
const lines = Object.entries(versions.sparkLines)
  .sort(([a], [b]) => (a === versions.sparkLine ? -1 : b === versions.sparkLine ? 1 : a.localeCompare(b)))
  .map(([name, line]) => {
    const bin = (tool) =>
      path.join(root, name === versions.sparkLine ? ".venv" : `.venv-spark-${name}`, "bin", tool);
    return {
      // Each mypy run its own cache: runs side by side must not share one (nor two PySparks one entry).
      mypy: [
        `mypy (PySpark ${line.spark})`,
        bin("mypy"),
        ["--config-file", "spark/pyproject.toml", "--cache-dir", `.mypy_cache/spark-${name}`, "spark"],
      ],
      pytest: [
        `pytest (PySpark ${line.spark})`,
        bin("pytest"),
        ["spark/tests", "-q", "-p", "no:cacheprovider"],
      ],
    };
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

// Suites in one group run at the same time; groups run one after the other. The checks are short; the
// job's two test runs leave much of a core idle each (one Python thread feeding small Spark jobs), so they
// share the two cores well. vitest runs alone and last: its slow lane runs Spark on both cores, and a CI log's tail
// then names what failed.
const groups = [
  [
    ["type-check", bin("tsc"), ["-p", "tsconfig.json", "--noEmit"]],
    ["biome", bin("biome"), ["check", "."]],
    ["ruff", venv("ruff"), ["check", "spark", "bench/python", "test/aws", "test/mlflow"]],
    ["ruff format", venv("ruff"), ["format", "--check", "spark", "bench/python", "test/aws", "test/mlflow"]],
    ...lines.map((line) => line.mypy),
    [
      "mypy (bench)",
      venv("mypy"),
      ["--config-file", "bench/python/pyproject.toml", "--cache-dir", ".mypy_cache/bench"],
    ],
    // The job runs on EMR 7's python3, which is 3.9: no module, function or syntax newer than that.
    [
      "vermin (the job needs no Python newer than 3.9)",
      venv("vermin"),
      ["--target=3.9-", "--violations", "--no-tips", "spark/kindling_job", "spark/entry.py"],
    ],
  ],
  lines.map((line) => line.pytest),
  // The benchmark's baselines: scikit-learn lives in its own venv; the seed-literal test uses .venv's Spark.
  // Alone: its Spark and scikit-learn runs keep both cores busy, and slowed the job's tests beside them.
  [["pytest (bench)", benchVenv("python"), ["-m", "pytest", "bench/python", "-q", "-p", "no:cacheprovider"]]],
  [
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
  ],
];

/**
 * Runs one suite. `buffered` suites run beside others: their output is held and printed whole when they
 * end, so a log reads suite by suite.
 */
function runSuite([name, command, args], buffered) {
  return new Promise((resolve) => {
    const started = Date.now();
    if (!buffered) process.stdout.write(`\n=== ${name} ===\n`);
    const child = spawn(command, args, {
      cwd: root,
      stdio: ["ignore", buffered ? "pipe" : "inherit", buffered ? "pipe" : "inherit"],
      env: { ...process.env, FORCE_COLOR: "0" },
    });
    const output = [];
    child.stdout?.on("data", (d) => output.push(d));
    child.stderr?.on("data", (d) => output.push(d));
    let ended = false;
    const end = (status) => {
      // A command that cannot start reports "error" and then "close": one verdict.
      if (ended) return;
      ended = true;
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      const ok = status === 0;
      if (buffered) process.stdout.write(`\n=== ${name} ===\n${Buffer.concat(output).toString()}`);
      process.stdout.write(`=== ${name}: ${ok ? "ok" : `FAILED (exit ${status})`} in ${seconds}s ===\n`);
      resolve(ok);
    };
    child.once("error", (error) => {
      output.push(Buffer.from(`${error.message}\n`));
      end(error.code ?? "error");
    });
    child.once("close", (code, signal) => end(code ?? signal));
  });
}

const failed = [];
for (const group of groups) {
  const results = await Promise.all(group.map((suite) => runSuite(suite, group.length > 1)));
  group.forEach(([name], i) => {
    if (!results[i]) failed.push(name);
  });
}
if (failed.some((name) => name.startsWith("vitest"))) {
  const lines = vitestFailures();
  if (lines.length) process.stdout.write(`\nFailed vitest tests:\n${lines.join("\n")}\n`);
}
process.stdout.write(failed.length ? `\nFailed: ${failed.join(", ")}\n` : "\nAll checks and tests passed.\n");
process.exit(failed.length ? 1 : 0);
