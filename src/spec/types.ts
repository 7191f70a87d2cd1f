/**
 * The job spec's types and version, inferred from the zod schema in ./schema.ts (the contract's one
 * source; docs/job-spec.md explains it). Kept as a module so existing imports need not change.
 */
export {
  type FeatureSetSpec,
  type JobSpec,
  SPEC_VERSION,
  type TargetName,
} from "./schema.js";
