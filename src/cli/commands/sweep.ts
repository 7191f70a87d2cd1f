import { randomBytes } from "node:crypto";
import path from "node:path";
import { systemClock } from "../../clock.js";
import { type LoadedConfig, loadConfig, loadOptionsOf } from "../../config/load.js";
import { InterruptedError, KindlingError, UsageError } from "../../errors.js";
import type { Confirm } from "../../infra/ioHost.js";
import { compareRuns } from "../../report/compare.js";
import { readReportSources } from "../../report/write.js";
import { runJob } from "../../runs/lifecycle.js";
import { combinations, SWEEP_CONFIRM_ABOVE } from "../../runs/sweep.js";
import { createTarget } from "../../targets/registry.js";
import { formatDuration, formatUsd } from "../../ui/format.js";
import { terminalConfirm } from "../confirm.js";
import { confirmInEnvironment } from "../environmentGate.js";
import type { CommandIO } from "../io.js";
import type { SweepOptions } from "../options.js";
import { renderComparison, writeComparisonPage } from "./compare.js";
import { targetChoice, targetContext } from "./run.js";

interface SweepRun {
  run_id: string | null;
  /** Where the run is (each combination may set its own output.dir). */
  run_dir: string | null;
  overrides: string[];
  status: "succeeded" | "failed" | "not started";
  error?: string;
}

/**
 * `kindling sweep --set key=v1,v2 …`: every combination as an ordinary run, one after another, tagged
 * with the sweep's id; then the comparison of those that succeeded. Every combination's config is
 * checked before the first run starts. A failed run does not stop the sweep; Ctrl-C does, keeping the
 * runs that finished.
 */
export async function sweepCommand(
  options: SweepOptions,
  io: CommandIO,
  confirm: Confirm | undefined = terminalConfirm(),
): Promise<void> {
  const combos = combinations(options.axes);
  const configs: LoadedConfig[] = [];
  for (const overrides of combos)
    configs.push(await loadConfig(options.config, loadOptionsOf({ ...options, set: overrides })));
  const shape = options.axes.map((a) => `${a.values.length} ${a.key}`).join(" × ");
  const cost = await estimateSweep(configs, options, io);
  const cloud = options.target === "emr" || options.target === "emr-serverless";
  const asked =
    cloud &&
    configs[0] !== undefined &&
    (await confirmInEnvironment(
      configs[0],
      "sweep",
      `train ${combos.length} runs on ${options.target}${cost ? ` for an estimated ${cost}` : ""}`,
      { yes: options.yes, confirm },
    ));
  if (combos.length > SWEEP_CONFIRM_ABOVE && !options.yes && !asked) {
    const question = `Train ${combos.length} runs (${shape}), one after another${cost ? `, for an estimated ${cost}` : ""}?`;
    if (!confirm) {
      throw new UsageError(
        `this sweep trains ${combos.length} runs (${shape}); more than ${SWEEP_CONFIRM_ABOVE} needs --yes`,
        {
          hint: "Add --yes, or sweep fewer values.",
        },
      );
    }
    if (!(await confirm(question))) throw new UsageError("sweep not started: not approved");
  }
  const sweepId = `${systemClock().toISOString().slice(0, 19).replace(/[-:]/g, "").replace("T", "-")}-${randomBytes(2).toString("hex")}`;
  io.print(
    `Sweep ${sweepId}: ${combos.length} runs (${shape}) on ${options.target}, one after another${cost ? `; estimated cost ${cost}` : ""}.`,
  );

  const runs: SweepRun[] = combos.map((c) => ({
    run_id: null,
    run_dir: null,
    overrides: c.map((o) => o.argument),
    status: "not started",
  }));
  const started = Date.now();
  for (const [i, loaded] of configs.entries()) {
    const entry = runs[i] as SweepRun;
    if (io.signal.aborted) break;
    io.print(`[${i + 1}/${combos.length}] ${entry.overrides.join(" ")}`);
    try {
      const target = await createTarget(targetChoice(options), targetContext(loaded, io));
      const result = await runJob({
        loaded,
        target,
        io: io.host,
        signal: io.signal,
        labels: { tags: { ...options.tags, sweep: sweepId } },
      });
      entry.run_id = result.runId;
      entry.run_dir = result.runDir;
      entry.status = "succeeded";
      if (process.env.MLFLOW_TRACKING_URI)
        await (await import("./export.js")).exportIfTracking(result, io.host);
    } catch (error) {
      if (error instanceof InterruptedError || io.signal.aborted) {
        io.print(
          `Sweep interrupted: ${runs.filter((r) => r.status === "succeeded").length} of ${combos.length} runs finished and are kept.`,
        );
        break;
      }
      entry.status = "failed";
      entry.error = (error as Error).message;
      entry.run_id = runIdOf(error);
      io.print(`  failed: ${entry.error.split("\n")[0]}`);
    }
  }

  const done = runs.filter((r) => r.status === "succeeded" && r.run_dir);
  let page: string | undefined;
  if (done.length >= 2) {
    const comparison = compareRuns(
      await Promise.all(done.map((r) => readReportSources(r.run_dir as string))),
    );
    // Beside the first run: the sweep's runs folder (unless the sweep itself changes output.dir).
    page = await writeComparisonPage(
      comparison,
      path.join(path.dirname(done[0]?.run_dir as string), `sweep-${sweepId}.html`),
    );
    io.print(renderComparison(comparison));
  }
  io.emitJson({ sweep_id: sweepId, runs, ...(page ? { comparison_html: page } : {}) });
  io.print(
    `Sweep ${sweepId}: ${done.length} of ${combos.length} runs succeeded in ${formatDuration((Date.now() - started) / 1000)}` +
      `${page ? `; comparison page: ${page}` : ""}. \`kindling runs --tag sweep=${sweepId}\` lists them.`,
  );
  if (io.signal.aborted) throw new InterruptedError("sweep interrupted");
  const failed = runs.filter((r) => r.status === "failed");
  if (failed.length > 0) {
    throw new KindlingError(
      `${failed.length} of ${combos.length} sweep runs failed: ${failed.map((r) => r.overrides.join(" ")).join("; ")}`,
      {
        hint: "Each failed run's folder has its manifest and logs; `kindling runs --status failed` lists them.",
      },
    );
  }
}

/**
 * A cloud sweep's estimated cost, summed over its runs: each combination planned as its dry run would be
 * (no AWS call), since a combination may change the instances or the data. Undefined for local targets.
 */
async function estimateSweep(
  configs: LoadedConfig[],
  options: SweepOptions,
  io: CommandIO,
): Promise<string | undefined> {
  if (options.target !== "emr" && options.target !== "emr-serverless") return undefined;
  const region = options.region ? { region: options.region } : {};
  let total = 0;
  let asOf = "";
  for (const loaded of configs) {
    const plan =
      options.target === "emr"
        ? await (await import("../../targets/emr/dryRun.js")).planEmrDryRun({
            loaded,
            io: io.host,
            signal: io.signal,
            ...region,
            ...(options.cluster ? { cluster: options.cluster } : {}),
          })
        : await (await import("../../targets/serverless/dryRun.js")).planServerlessDryRun({
            loaded,
            io: io.host,
            signal: io.signal,
            ...region,
          });
    if (plan.estimate.usd === undefined) return `unknown (${plan.estimate.missing.join("; ")})`;
    total += plan.estimate.usd;
    asOf = plan.estimate.priceTableAsOf;
  }
  return `${formatUsd(total)} (prices as of ${asOf}; \`kindling run --target ${options.target} --dry-run\` shows how one run is priced)`;
}

/** A failed run's id, when the lifecycle got as far as creating it. */
function runIdOf(error: unknown): string | null {
  const match = /^Run (\S+) (?:failed|was interrupted)/.exec((error as Error).message ?? "");
  return match?.[1] ?? null;
}
