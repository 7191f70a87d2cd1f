import type { Reporter } from "../ui/reporter.js";
import type { PredictPlan } from "./plan.js";
import type { PredictResult } from "./spec.js";

/** What every target gets besides the plan. */
export interface PredictContext {
  reporter: Reporter;
  verbose: boolean;
  signal?: AbortSignal;
  /** Spark master for local scoring. Default local[*]. */
  master?: string;
  /** The project's kindling.yaml (absolute): a cloud target reads its settings there. */
  configFile?: string;
}

export interface PredictOutcome {
  /** The predictions file, complete (never half-written). */
  output: string;
  result: PredictResult;
}

/**
 * Runs a checked plan somewhere and leaves the predictions at plan.output.file. The local target runs
 * spark-submit here; a cloud target uploads the input, runs the same predict spec as a step with remote
 * URIs, and downloads the one result file.
 */
export type PredictExecutor = (plan: PredictPlan, context: PredictContext) => Promise<PredictOutcome>;
