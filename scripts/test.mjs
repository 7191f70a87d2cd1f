#!/usr/bin/env node
// `npm test`: every check and every test, TypeScript and Python, in one run. Runs all suites even when
// one fails, then exits non-zero if any did.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const bin = (name) => path.join(root, "node_modules", ".bin", name);
const venv = (name) => path.join(root, ".venv", "bin", name);
const benchVenv = (name) => path.join(root, ".venv-bench", "bin", name);

const suites = [
  ["type-check", bin("tsc"), ["-p", "tsconfig.json", "--noEmit"]],
  ["biome", bin("biome"), ["check", "."]],
  ["ruff", venv("ruff"), ["check", "spark", "bench/python", "test/aws"]],
  ["ruff format", venv("ruff"), ["format", "--check", "spark", "bench/python", "test/aws"]],
  ["mypy", venv("mypy"), ["--config-file", "spark/pyproject.toml", "spark"]],
  ["mypy (bench)", venv("mypy"), ["--config-file", "bench/python/pyproject.toml"]],
  ["vitest", bin("vitest"), ["run"]],
  ["pytest", venv("pytest"), ["spark/tests", "-q"]],
  // The benchmark's baselines: scikit-learn lives in its own venv; the seed-literal test uses .venv's Spark.
  ["pytest (bench)", benchVenv("python"), ["-m", "pytest", "bench/python", "-q"]],
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
process.stdout.write(failed.length ? `\nFailed: ${failed.join(", ")}\n` : "\nAll checks and tests passed.\n");
process.exit(failed.length ? 1 : 0);
