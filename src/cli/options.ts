import type { Override } from "../config/overrides.js";
import type { SweepAxis } from "../runs/sweep.js";
import type { Tags } from "../runs/tags.js";
import type { SparkLine } from "../versions.js";
/** Options shared by every command. */
export interface GlobalOptions {
  /** Print one machine-readable JSON document on stdout. Default false. */
  json: boolean;
  /** Show Spark's log and debug detail. Default false. */
  verbose: boolean;
  /** "jsonl": stream every message as one JSON object per line on stdout. Default: human output. */
  events?: "jsonl";
}

export interface ConfigOption {
  /** Path of the config file. Default kindling.yaml. */
  config: string;
  /** `--env NAME` or KINDLING_ENV: the environment of the config's `environments:`. */
  env?: string;
}

/** `--set key.path=value` (repeatable): config values over the file's, checked by the same schema. */
export interface OverrideOption {
  set?: Override[];
}

export interface RunOptions extends GlobalOptions, ConfigOption, OverrideOption, AwsOptions {
  /**
   * Where the job runs; "standalone" starts a Spark standalone cluster on 127.0.0.1 for the run,
   * "emr-serverless" runs it on the foundation's EMR Serverless application. Default local.
   */
  target: "local" | "standalone" | "emr" | "emr-serverless";
  /** Spark master URL; overrides spark.master. */
  master?: string;
  /** Standalone: how many workers to start. Default 2. */
  workers?: number;
  /** EMR (Serverless): print the RunJobFlow / StartJobRun request and the planned uploads; no AWS call. Default false. */
  dryRun?: boolean;
  /** EMR: deploy the foundation stack first if it is absent. Default false. */
  deploy?: boolean;
  /** EMR: destroy the foundation stack afterwards, also when the run fails. Default false. */
  destroy?: boolean;
  /** EMR: run as a step of this warm cluster (id or `latest`). Default: a transient cluster. */
  cluster?: string;
  /** `--tag key=value` (repeatable), recorded in the manifest. */
  tags?: Tags;
  /** `--note TEXT`, recorded in the manifest. */
  note?: string;
  /** Go ahead where the environment asks first (`confirm: [run]`). Default false. */
  yes?: boolean;
}

/** `kindling cluster start|list|stop`: warm EMR clusters for iteration. */
export interface ClusterOptions extends GlobalOptions, ConfigOption, AwsOptions {
  action: "start" | "list" | "stop";
  /** start: idle minutes after which the cluster ends by itself. Default 15. */
  idleMinutes?: number;
  /** stop: the cluster (id or `latest`). */
  cluster?: string;
  /** stop: wait until the cluster has ended. Default true. */
  wait?: boolean;
  /** start: go ahead where the environment asks first (`confirm: [cluster]`). Default false. */
  yes?: boolean;
}

/** `kindling cache list|clear`: the prepared-text cache of local and standalone runs. */
export interface CacheOptions extends GlobalOptions, ConfigOption, AwsOptions {
  action: "list" | "clear";
  /** The cloud runs' cache in the data bucket instead of this machine's. */
  remote?: boolean;
  /** clear: the entries (keys, or unique starts of keys) to remove. Default: every entry. */
  keys?: string[];
}

/** `kindling status RUN`: where a run is (for a running EMR run: the cluster's live state). */
export interface StatusOptions extends GlobalOptions, ConfigOption, AwsOptions {
  /** Run id (or a unique start of one), `latest`, `latest~N`, or a run directory. */
  run: string;
}

/** `kindling logs RUN`: the run's logs (EMR: step and driver logs from the log URI). */
export interface LogsOptions extends GlobalOptions, ConfigOption, AwsOptions {
  run: string;
  /** Keep printing new output until the run ends. Default false. */
  follow: boolean;
}

/** `kindling terminate RUN`: end a cloud run's cluster. */
export interface TerminateOptions extends GlobalOptions, ConfigOption, AwsOptions {
  run: string;
  /** Wait for the cluster to end and record its final state and cost. Default true. */
  wait: boolean;
}

/** `kindling collect RUN`: bring back a cloud run that ended while no CLI watched it. */
export interface CollectOptions extends GlobalOptions, ConfigOption, AwsOptions {
  run: string;
}

export type ValidateOptions = GlobalOptions & ConfigOption & OverrideOption;
/** `kindling runs`: the run history, filtered. */
export interface RunsOptions extends GlobalOptions, ConfigOption, AwsOptions {
  /** List the shared history in the data bucket instead of the local run folder. */
  remote?: boolean;
  /** `--tag key=value` or `--tag key` (repeatable): runs carrying every one. */
  tags?: Array<{ key: string; value?: string }>;
  /** Only runs that ended so (`succeeded`, `failed`, `interrupted`, `running`, `incomplete`). */
  status?: string;
  /** Only runs on this target. */
  target?: string;
  /** Only runs created at or after this time. */
  since?: Date;
  /** At most this many runs (the newest). */
  limit?: number;
}

/** `kindling push RUN` / `kindling pull RUN`: share a run through the data bucket, or bring one down. */
export interface ShareOptions extends GlobalOptions, ConfigOption, AwsOptions {
  /** push: a local run; pull: a run in the bucket (id, unique start, or `latest`). */
  run: string;
}

/** `kindling sweep --set key=v1,v2 …`: one run per combination, then their comparison. */
export interface SweepOptions extends GlobalOptions, ConfigOption, AwsOptions {
  /** Each `--set key=v1,v2`: a key and the values it takes. */
  axes: SweepAxis[];
  /** Where the runs train (one after another). Default local. */
  target: "local" | "standalone" | "emr" | "emr-serverless";
  /** EMR: run each as a step of this warm cluster (id or `latest`). */
  cluster?: string;
  /** Spark master URL for local runs. */
  master?: string;
  /** Tags for every run of the sweep (each also gets sweep=<id>). */
  tags?: Tags;
  /** Start without asking, however many runs. Default false. */
  yes: boolean;
}

/** `kindling export mlflow RUN…`: runs to an MLflow tracking server. */
export interface ExportOptions extends GlobalOptions, ConfigOption {
  runs: string[];
  /** Default: MLFLOW_TRACKING_URI. */
  trackingUri?: string;
  /** Default: MLFLOW_EXPERIMENT_NAME, then the run's project. */
  experiment?: string;
}

/** `kindling tag RUN key=value…`: change a run's tags and note. */
export interface TagOptions extends GlobalOptions, ConfigOption {
  run: string;
  /** Tags to add or change. */
  set: Tags;
  /** Tag keys to remove. */
  remove: string[];
  /** The new note; "" removes it; absent leaves it. */
  note?: string;
}
export interface SetupOptions extends GlobalOptions, ConfigOption {
  /** Make the Python environment again even if it is there. */
  recreate: boolean;
  /** The Spark line to install; default: the config's spark.line, else versions.json's. */
  sparkLine?: SparkLine;
}

/** The project's config, read for `aws.region` when it exists. */
export interface DoctorOptions extends GlobalOptions, Partial<ConfigOption> {}

/** `kindling history RUN`: Spark's History Server over a run's event log. */
export interface HistoryOptions extends GlobalOptions, ConfigOption {
  run: string;
}

/** `kindling preflight`: read-only checks of the account before a cloud run. */
export interface PreflightOptions extends GlobalOptions, ConfigOption, AwsOptions {
  /** The cloud target to check for. Default emr. */
  target: "emr" | "emr-serverless";
}

export interface DemoOptions extends GlobalOptions {
  /** Spark master URL. Default local[*]. */
  master?: string;
}

export interface InitOptions extends GlobalOptions {
  /** Folder to write kindling.yaml in. Default the current folder. */
  dir: string;
  /** Overwrite an existing kindling.yaml. Default false. */
  force: boolean;
}

export interface SchemaOptions extends GlobalOptions {
  /** Write the schema to this file. Default: print it. */
  out?: string;
}

/** Standard AWS credential chain, optionally narrowed. */
export interface AwsOptions {
  /** Named profile. Default: AWS_PROFILE or the default chain. */
  profile?: string;
  /** Region. Default: aws.region in the config, then AWS_REGION / the profile's region. */
  region?: string;
}

export interface SynthOptions extends GlobalOptions, ConfigOption {
  /** Folder for the CloudFormation templates. Default out. */
  out: string;
}

export interface PlanOptions extends GlobalOptions, ConfigOption, OverrideOption, AwsOptions {
  /** List the resources without calling AWS. Default false. */
  offline: boolean;
  /** "emr": also show the cluster, the step and the cost estimate of a run. Default: the foundation only. */
  target?: "emr";
  /** Exit 2 when deploy would change something, 0 when not. Default false. */
  exitCode?: boolean;
}

export interface DeployOptions extends GlobalOptions, ConfigOption, OverrideOption, AwsOptions {
  /** Approve without a prompt. Default false. */
  yes: boolean;
  /** `--no-execute`: create a change set for review and apply nothing. */
  noExecute?: boolean;
  /** `--change-set NAME`: execute exactly this reviewed change set. */
  changeSet?: string;
}

export interface DestroyOptions extends DeployOptions {
  /** Also empty and delete the data and logs buckets. Default false (they are kept). */
  deleteData: boolean;
}

export interface ReportOptions extends GlobalOptions, ConfigOption {
  /** Run id, `latest`, or a run directory. */
  run: string;
  /** Open the report in the default browser afterwards. Default false. */
  open: boolean;
}

export interface CompareOptions extends GlobalOptions, ConfigOption {
  /** The runs (id, `latest` or directory); the first is the baseline. Empty with `last`. */
  runs: string[];
  /** Instead of naming runs: the newest N complete runs, oldest first. */
  last?: number;
  /** Also write the comparison as a self-contained HTML page here. */
  html?: string;
  /** Open the HTML page in the default browser (writes it under the run folder when --html is not given). */
  open?: boolean;
}

export interface PredictOptions extends GlobalOptions, ConfigOption, AwsOptions {
  /** The training run whose model scores the input (id, `latest` or directory). */
  run: string;
  /** Feature set whose model is used. Default: the run's best_feature_set. */
  featureSet?: string;
  /** The input's column with the text, when it is not named as the model's text column. */
  textColumn?: string;
  /** CSV or Parquet file of raw text (format from the extension). */
  input: string;
  /** Where the predictions go: .csv or .parquet. */
  output: string;
  /** Replace an existing output file. Default false. */
  force: boolean;
  /** Where the scoring job runs. Default local. */
  target: "local" | "standalone" | "emr" | "emr-serverless";
  /** Spark master URL for local scoring. Default local[*]. */
  master?: string;
  /** With --target emr: print the uploads, spec and RunJobFlow request; no AWS call. */
  dryRun?: boolean;
}
