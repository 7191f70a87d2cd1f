import type { Target } from "../spec/types.js";

export type RunStatus = "running" | "succeeded" | "failed";

/** Facts the Spark job reports in job.json (see docs/job-spec.md). */
export interface JobFacts {
  rows: { read: number; null_dropped: number; used: number };
  null_counts: Record<string, number>;
  class_balance: Record<string, number>;
  stages: Array<{ name: string; seconds: number }>;
  versions: { spark: string; python: string; java: string; scala?: string };
  partitions: number;
}

/** runs/<id>/manifest.json: what ran, on what, with which inputs, and how it ended. */
export interface Manifest {
  manifest_version: 1;
  run_id: string;
  project: string;
  status: RunStatus;
  target: Target;
  master: string;
  created_at: string;
  finished_at?: string;
  duration_seconds?: number;
  config_file: string;
  config_hash: string;
  spec_hash: string;
  input: { uri: string; bytes: number; sha256: string };
  versions: { kindling: string; node: string; spark?: string; python?: string; java?: string; scala?: string };
  rows?: JobFacts["rows"];
  null_counts?: JobFacts["null_counts"];
  class_balance?: JobFacts["class_balance"];
  stages?: JobFacts["stages"];
  partitions?: number;
  best?: { feature_set: string; accuracy: number; f1: number };
  failure?: { stage: string | null; kind: string; message: string };
}
