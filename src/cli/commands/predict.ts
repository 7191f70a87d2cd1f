import path from "node:path";
import Table from "cli-table3";
import type { PredictExecutor, PredictOutcome } from "../../predict/executor.js";
import { predictLocal } from "../../predict/local.js";
import { planPredict } from "../../predict/plan.js";
import { formatInteger, formatPercent } from "../../report/format.js";
import { readJson } from "../../runs/files.js";
import { findRun, runsRoot } from "../../runs/resolve.js";
import type { JobSpec } from "../../spec/types.js";
import type { CommandIO } from "../io.js";
import type { PredictOptions } from "../options.js";

/** Where predict can run; a target registers its executor here. */
export const PREDICT_TARGETS: Record<PredictOptions["target"], PredictExecutor> = { local: predictLocal };

/** `kindling predict`: score raw text with a run's saved model, writing input columns + predictions. */
export async function predictCommand(options: PredictOptions, io: CommandIO): Promise<PredictOutcome> {
  const run = await findRun(options.run, await runsRoot(options.config, io.cwd), io.cwd);
  const spec = await readJson<JobSpec>(path.join(run.dir, "spec.json")).catch(() => undefined);
  const plan = await planPredict({
    run,
    spec,
    input: path.resolve(io.cwd, options.input),
    output: path.resolve(io.cwd, options.output),
    force: options.force,
    ...(options.featureSet ? { featureSet: options.featureSet } : {}),
  });
  for (const warning of plan.warnings) io.reporter.warn(warning);
  io.reporter.info(
    `Scoring ${path.basename(plan.input.file)} with ${plan.featureSet} from run ${plan.runId}`,
  );
  const outcome = await PREDICT_TARGETS[options.target](plan, {
    reporter: io.reporter,
    verbose: options.verbose,
    signal: io.signal,
    ...(options.master ? { master: options.master } : {}),
  });
  const { result } = outcome;
  io.emitJson({
    run_id: plan.runId,
    feature_set: plan.featureSet,
    input: plan.input.file,
    output: outcome.output,
    format: plan.output.format,
    rows: result.rows,
    predicted: result.predicted,
  });
  const table = new Table({ head: ["predicted label", "rows", "share"], style: { head: [], border: [] } });
  for (const label of result.labels) {
    const n = result.predicted[label] ?? 0;
    table.push([label, formatInteger(n), formatPercent(result.rows ? n / result.rows : null)]);
  }
  io.reporter.print(
    `${table.toString()}\nScored ${formatInteger(result.rows)} rows with ${plan.featureSet} (run ${plan.runId}).\nPredictions: ${outcome.output}`,
  );
  return outcome;
}
