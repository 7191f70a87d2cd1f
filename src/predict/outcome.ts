import type { PredictResult } from "./spec.js";

export interface PredictOutcome {
  /** The predictions file, complete (never half-written). */
  output: string;
  result: PredictResult;
}
