/** Options shared by every command. */
export interface GlobalOptions {
  /** Print one machine-readable JSON document on stdout. Default false. */
  json: boolean;
  /** Show Spark's log and debug detail. Default false. */
  verbose: boolean;
}

export interface ConfigOption {
  /** Path of the config file. Default kindling.yaml. */
  config: string;
}

export interface RunOptions extends GlobalOptions, ConfigOption {
  /** Where the job runs. Default local. */
  target: "local";
  /** Spark master URL; overrides spark.master. */
  master?: string;
}

export type ValidateOptions = GlobalOptions & ConfigOption;
export type RunsOptions = GlobalOptions & ConfigOption;
export type DoctorOptions = GlobalOptions;

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

export interface PlanOptions extends GlobalOptions, ConfigOption, AwsOptions {
  /** List the resources without calling AWS. Default false. */
  offline: boolean;
}

export interface DeployOptions extends GlobalOptions, ConfigOption, AwsOptions {
  /** Approve without a prompt. Default false. */
  yes: boolean;
}

export interface DestroyOptions extends DeployOptions {
  /** Also empty and delete the data and logs buckets. Default false (they are kept). */
  deleteData: boolean;
}
