import type { Target } from "../targets/target.js";
import type { PredictOutcome } from "./outcome.js";
import type { PredictPlan } from "./plan.js";

/** Scores a checked plan on a target, through the same prepare/teardown every run goes through. */
export async function predictOn(target: Target, plan: PredictPlan): Promise<PredictOutcome> {
  await target.check({ kind: "local", path: plan.input.file, directory: false });
  try {
    await target.prepare();
    return await target.predict(plan);
  } finally {
    await target.teardown();
  }
}
