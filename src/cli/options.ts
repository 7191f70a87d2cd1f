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
