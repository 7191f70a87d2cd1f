import type { TargetName } from "../spec/types.js";
import type { Tags } from "./tags.js";

/** "running" while the CLI works on it (or after the CLI died); "interrupted" when a person stopped it. */
export type RunStatus = "running" | "succeeded" | "failed" | "interrupted";

/** Facts the Spark job reports in job.json (see docs/job-spec.md). */
export interface JobFacts {
  /** `rejected`: malformed input rows (absent in runs made before rejects existed). */
  rows: { read: number; null_dropped: number; used: number; rejected?: number };
  /** Present since rejects exist; `uri` is null when no row was rejected. */
  rejects?: { rows: number; max_fraction: number; uri: string | null };
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
  target: TargetName;
  master: string;
  created_at: string;
  finished_at?: string;
  duration_seconds?: number;
  config_file: string;
  config_hash: string;
  spec_hash: string;
  input: { uri: string; bytes: number; sha256: string };
  /** The environment of the config's `environments:` the run was started in (absent when it has none). */
  environment?: string;
  /** `--set` arguments applied over the config file, as typed (absent when none). */
  overrides?: string[];
  /** Labels set with `run --tag` or `kindling tag` (absent when there are none). */
  tags?: Tags;
  /** A person's words about the run (`run --note`, `kindling tag --note`). */
  note?: string;
  versions: {
    kindling: string;
    node: string;
    spark?: string;
    python?: string;
    java?: string;
    scala?: string;
  };
  rows?: JobFacts["rows"];
  /** Malformed input rows: how many, the threshold, and the folder (relative to the run) holding them. */
  rejects?: { rows: number; max_fraction: number; dir: string | null };
  null_counts?: JobFacts["null_counts"];
  class_balance?: JobFacts["class_balance"];
  stages?: JobFacts["stages"];
  partitions?: number;
  best?: { feature_set: string; accuracy: number; f1: number };
  failure?: {
    stage: string | null;
    kind: string;
    message: string;
    /** EMR: the likely cause (see src/targets/emr/classify.ts). */
    cause?: string;
  };
  /** Only for target "emr": the cluster, its instance mix, timings and cost. */
  emr?: EmrRunFacts;
  /** Only for target "emr-serverless": the application, the job run, its size, timings and cost. */
  serverless?: ServerlessRunFacts;
}

/** Where an EMR Serverless run ran, how long it waited and ran, and what it was billed. */
export interface ServerlessRunFacts {
  region: string;
  release_label: string;
  architecture: string;
  application_id: string;
  job_run_id?: string;
  job_run_state?: string;
  state_details?: string;
  /** s3://<data bucket>/runs/<run-id>/ */
  s3_prefix: string;
  log_uri: string;
  driver: { cpu: number; memory: string };
  executor: { cpu: number; memory: string; count: number };
  timings?: {
    created_at?: string;
    ended_at?: string;
    /** Submission → end, as EMR Serverless reports it. */
    total_seconds?: number;
    /** Time the workers ran (totalExecutionDurationSeconds). */
    running_seconds?: number;
    /** Submission → running: the application starting and workers being placed. */
    queued_seconds?: number;
  };
  billed?: { vcpu_hours: number; memory_gb_hours: number; storage_gb_hours: number };
  cost: CloudCost;
}

/** What a cloud run was expected to cost and, once it ended, what it cost. */
export interface CloudCost {
  currency: string;
  usd_per_hour?: number;
  estimated?: number;
  actual?: number;
  price_table_as_of: string;
}

/** One role of an EMR cluster as the manifest records it. */
export interface ManifestInstances {
  role: string;
  instance_types: string[];
  count: number;
  market: string;
  /** Each instance's EBS storage (absent in manifests written before it was recorded). */
  root_volume_gb?: number;
  volumes?: Array<{ type: string; size_gb: number }>;
}

/** Where an EMR run ran, how long each phase took and what it cost. */
export interface EmrRunFacts {
  region: string;
  release_label: string;
  cluster_id?: string;
  step_id?: string;
  /** s3://<data bucket>/runs/<run-id>/ */
  s3_prefix: string;
  log_uri: string;
  instances: ManifestInstances[];
  cluster_state?: string;
  state_change_reason?: string;
  /** The run was a step of a warm cluster: its cost is its share of the cluster's time. */
  warm_cluster?: boolean;
  timings?: {
    created_at?: string;
    ready_at?: string;
    ended_at?: string;
    /** Cluster creation → ready to run the step. */
    provisioning_seconds?: number;
    /** Step start → step end. */
    running_seconds?: number;
    /** Cluster creation → cluster end (what is billed). */
    billed_seconds?: number;
  };
  cost: CloudCost;
}

/** A change to manifest.json; `versions` and `emr` merge into what is there. */
export type ManifestPatch = Partial<Omit<Manifest, "versions" | "emr" | "serverless">> & {
  versions?: Partial<Manifest["versions"]>;
  emr?: Partial<EmrRunFacts>;
  serverless?: Partial<ServerlessRunFacts>;
};

export function mergeManifest(manifest: Manifest, patch: ManifestPatch): Manifest {
  const { versions, emr, serverless, ...rest } = patch;
  return {
    ...manifest,
    ...rest,
    versions: { ...manifest.versions, ...versions },
    ...(emr || manifest.emr ? { emr: { ...manifest.emr, ...emr } as EmrRunFacts } : {}),
    ...(serverless || manifest.serverless
      ? { serverless: { ...manifest.serverless, ...serverless } as ServerlessRunFacts }
      : {}),
  };
}
