import { z } from "zod";
import { archOfInstanceType } from "../packaging/platform.js";
import { isReservedColumn, RESERVED_COLUMNS, RESERVED_PREFIX } from "../spec/reserved.js";
import {
  CLASS_WEIGHTS,
  CLASSIFIERS,
  CV_METRICS,
  NAIVE_BAYES_TYPES,
  SPLIT_METHODS,
  STOP_WORD_LANGUAGES,
  termSettings,
} from "../spec/schema.js";
import { lineOfRelease, SPARK_LINES, type SparkLine, sparkLine, VERSIONS } from "../versions.js";
import { awsSection, checkRoleNames, checkStackName, projectName } from "./deploy.js";
import { environmentsSection } from "./environments.js";
import { PRESET_NAMES } from "./presets.js";
import { SECRET_KEY } from "./secrets.js";
import { estimatedRuntimeMinutes, serverlessSection } from "./serverless.js";
import { sparkConfProblem } from "./sparkConf.js";
import { didYouMean } from "./suggest.js";

/**
 * The kindling.yaml schema. Every default is the seed pipeline's parameter (the README's "What it
 * does" lists them), so an empty `data:` section reproduces the seed's job.
 * Objects are strict: an unknown key is an error (reported with a did-you-mean by load.ts).
 */

const regexString = z.string().refine(
  (s) => {
    try {
      new RegExp(s);
      return true;
    } catch {
      return false;
    }
  },
  { message: "is not a valid regular expression" },
);

const csvOptions = z
  .strictObject({
    header: z.boolean().default(true).describe("The first line names the columns."),
    delimiter: z.string().length(1).default(",").describe("Field separator (one character)."),
    quote: z.string().length(1).default('"').describe("Quote character."),
    escape: z
      .string()
      .length(1)
      .default('"')
      .describe("Escape character inside quoted fields (the seed's `\"`)."),
    multiline: z
      .boolean()
      .default(true)
      .describe(
        "Quoted fields may span lines (emails do). Slower on huge files; turn off for one-line records.",
      ),
    encoding: z.string().default("UTF-8").describe("Character set of the file, e.g. UTF-8, ISO-8859-1."),
    max_field_chars: z
      .int()
      .positive()
      .default(10_000_000)
      .describe(
        "Validation refuses a field longer than this: it is almost always a quote that is never closed. Raise it for very long documents.",
      ),
  })
  .prefault({});

const dataSection = z
  .strictObject({
    path: z
      .string()
      .min(1)
      .describe("CSV or Parquet file: a path relative to this config file, or an s3:// URI."),
    format: z.enum(["csv", "parquet"]).optional().describe("Default: from the file extension, else csv."),
    text: z.string().min(1).default("text").describe("Column holding the raw text."),
    label: z
      .string()
      .min(1)
      .default("label")
      .describe("Column holding the class label (two or more values)."),
    csv: csvOptions,
    max_reject_fraction: z
      .number()
      .min(0)
      .max(1)
      .default(0.01)
      .describe(
        "Share of malformed input rows (wrong number of fields) above which the run fails; they go to runs/<id>/rejects/. 0: any malformed row fails the run; 1: never fail.",
      ),
  })
  .superRefine((data, ctx) => {
    // Options that are each valid but contradict one another.
    if (data.text === data.label) {
      ctx.addIssue({
        code: "custom",
        path: ["label"],
        message: `must differ from data.text (both are ${JSON.stringify(data.text)})`,
      });
    }
    if (isReservedColumn(data.text)) {
      ctx.addIssue({
        code: "custom",
        path: ["text"],
        message: `${JSON.stringify(data.text)} is a column the job adds (${RESERVED_COLUMNS.join(", ")}, ${RESERVED_PREFIX}*); rename the text column in the data`,
      });
    }
    const csvLike = /\.(csv|tsv|txt)(\.gz)?$/i.test(data.path);
    const parquetLike = /\.(parquet|pq)\/?$/i.test(data.path);
    if ((data.format === "parquet" && csvLike) || (data.format === "csv" && parquetLike)) {
      ctx.addIssue({
        code: "custom",
        path: ["format"],
        message: `is ${data.format} but data.path ${JSON.stringify(data.path)} names a ${csvLike ? "CSV" : "Parquet"} file; set the one that is true (or remove format: it follows the extension)`,
      });
    }
    const { delimiter, quote, escape: escapeChar } = data.csv;
    if (delimiter === quote) {
      ctx.addIssue({
        code: "custom",
        path: ["csv", "quote"],
        message: `must differ from data.csv.delimiter (both are ${JSON.stringify(quote)})`,
      });
    }
    if (escapeChar === delimiter) {
      ctx.addIssue({
        code: "custom",
        path: ["csv", "escape"],
        message: `must differ from data.csv.delimiter (both are ${JSON.stringify(escapeChar)})`,
      });
    }
    if (delimiter === "\n" || delimiter === "\r") {
      ctx.addIssue({ code: "custom", path: ["csv", "delimiter"], message: "must not be a line break" });
    }
  });

const cleaningRule = z
  .strictObject({
    // Non-empty as in the job spec: an empty pattern matches between every two characters.
    pattern: regexString
      .min(1, "must not be empty")
      .describe("Java regular expression replaced in the text."),
    replace: z
      .string()
      .default("")
      .describe("Replacement (default: remove); $1 is a group, \\$ a dollar sign, \\\\ a backslash."),
  })
  .superRefine((rule, ctx) => {
    const problem = replacementProblem(rule.pattern, rule.replace);
    if (problem) ctx.addIssue({ code: "custom", path: ["replace"], message: problem });
  });

/**
 * Why Java's Matcher would reject a replacement string for this pattern (it would fail the run inside
 * Spark, mid-featurize), or undefined: a lone trailing backslash, a $ that is no group reference, a group
 * the pattern does not have.
 */
export function replacementProblem(pattern: string, replacement: string): string | undefined {
  let groups = 0;
  let names: string[] = [];
  try {
    const match = new RegExp(`(?:${pattern})|`).exec("");
    groups = (match?.length ?? 1) - 1;
    names = Object.keys(match?.groups ?? {});
  } catch {
    return undefined; // the pattern itself is reported
  }
  for (let i = 0; i < replacement.length; i++) {
    const c = replacement[i];
    if (c === "\\") {
      if (i + 1 >= replacement.length) return "ends with a lone \\ (write \\\\ for a backslash)";
      i++;
    } else if (c === "$") {
      const next = replacement[i + 1] ?? "";
      if (next === "{") {
        const end = replacement.indexOf("}", i);
        const name = end === -1 ? "" : replacement.slice(i + 2, end);
        if (!names.includes(name)) return `refers to group \${${name}}, which the pattern does not name`;
        i = end;
      } else if (/\d/.test(next)) {
        if (Number(next) > groups) {
          return `refers to group $${next}, but the pattern has ${groups} group${groups === 1 ? "" : "s"} (write \\$ for a dollar sign)`;
        }
        i++;
      } else {
        return "has a $ that is not a group reference (write \\$ for a dollar sign)";
      }
    }
  }
  return undefined;
}

/**
 * The seed's cleaning rule for rule, for runs that must match it (spell it out in text.clean). Its
 * `[^A-Za-z ]` is written `[^\p{Alpha} ]`: the same ASCII letters in Java regex (\p{Alpha} is ASCII unless
 * the UNICODE_CHARACTER_CLASS flag is on), about 7x faster on Spark here.
 */
export const SEED_LITERAL_CLEANING = [
  { pattern: "<.*/>", replace: "" },
  { pattern: "[^\\p{Alpha} ]", replace: "" },
  { pattern: " +", replace: " " },
];

/**
 * The default: the seed's rules without its two defects. A removed character becomes a space, so words
 * joined by a line break or a comma stay two words (the seed glued "refund\ninvoice" into one unknown
 * token: raw e-mail has a line break every few words); and a tag goes alone, not everything from a line's
 * first `<` to its last `/>` (the seed's greedy first rule ate the text between two `<br />`).
 */
export const DEFAULT_CLEANING = [
  { pattern: "<[^<>]*>", replace: " " },
  { pattern: "[^\\p{Alpha} ]", replace: " " },
  { pattern: " +", replace: " " },
];

const textSection = z
  .strictObject({
    clean: z
      .array(cleaningRule)
      .default(DEFAULT_CLEANING)
      .describe(
        "Regex replacements applied in order. Default: tags and every character but ASCII letters become spaces, runs of spaces collapse.",
      ),
    lowercase: z.boolean().default(true),
    tokenizer_pattern: regexString
      .min(1, "must not be empty")
      .default("\\W")
      .describe("Token separator regex (Spark RegexTokenizer, gaps)."),
    min_token_length: z.int().min(1).default(1),
    stop_words: z
      .union([z.enum(["none", ...STOP_WORD_LANGUAGES]), z.array(z.string().min(1))], {
        error: `must be a language Spark has a list for (${STOP_WORD_LANGUAGES.join(", ")}), "none" or a list of words`,
      })
      .default("english")
      .describe(
        'A language Spark ships a stop-word list for ("english", "portuguese", …), "none", or your own list of words.',
      ),
  })
  .prefault({});

/** A positive count, or "auto": sized by the job to the cores Spark sees (and to the data, where it says). */
const auto = z.union([z.literal("auto"), z.int().positive()]);

const enabled = z.boolean().default(true).describe("Train and evaluate this feature set.");

const featuresSection = z
  .strictObject({
    hashing_tf: z
      .strictObject({ enabled, num_features: z.int().positive().default(250), ...termSettings })
      .prefault({}),
    tfidf: z
      .strictObject({
        enabled,
        num_features: z.int().positive().default(250),
        min_doc_freq: z.int().min(0).default(0),
        ...termSettings,
      })
      .prefault({}),
    word2vec: z
      .strictObject({
        enabled,
        vector_size: z.int().positive().default(250),
        min_count: z.int().min(0).default(5),
        max_iter: z.int().positive().default(1),
        // Spark's Word2Vec sums the partitions' updates in shuffle-arrival order, so more than one partition
        // gives different vectors from run to run with the same seed: 1 keeps a run reproducible.
        num_partitions: auto
          .default(1)
          .describe(
            "Word2Vec partitions. 1 is reproducible (the seed's choice); auto = the cores Spark sees, about 2x faster on 2 cores but the vectors change from run to run.",
          ),
        step_size: z.number().positive().default(0.025),
        window_size: z.int().positive().default(5),
        seed: z.int().default(11),
        scaler: z.enum(["minmax", "none"]).default("minmax"),
      })
      .prefault({}),
  })
  .prefault({})
  .refine((f) => f.hashing_tf.enabled || f.tfidf.enabled || f.word2vec.enabled, {
    message: "at least one feature set must be enabled (hashing_tf, tfidf or word2vec)",
  });

const fraction = z.number().gt(0).lt(1);

const trainSection = z
  .strictObject({
    train_fraction: fraction
      .default(0.7)
      .describe("Share of rows used for training; the rest is the test split."),
    seed: z.int().default(11).describe("Seed of the train/test split and cross-validation folds."),
    split: z
      .enum(SPLIT_METHODS)
      .default("random")
      .describe(
        "random: each row trains with probability train_fraction (the seed's); stratified: each label keeps its share on both sides (rare labels are never left out of the test split).",
      ),
    folds: z.int().min(2).default(2).describe("Cross-validation folds."),
    metric: z
      .enum(CV_METRICS)
      .default("f1")
      .describe(
        "What cross-validation maximizes: f1 (weighted), accuracy, weightedPrecision, weightedRecall, or for two labels areaUnderROC / areaUnderPR (threshold-free, from the scores).",
      ),
    parallelism: auto
      .default("auto")
      .describe("Models CrossValidator fits at once. auto = min(grid points, cores Spark sees)."),
    classifiers: z
      .array(z.enum(CLASSIFIERS))
      .nonempty()
      .refine((list) => new Set(list).size === list.length, { message: "names a classifier twice" })
      .default(["logistic_regression"])
      .describe(
        "Classifiers cross-validated on every feature set, each saved as its own model: logistic_regression, linear_svc, naive_bayes.",
      ),
    grid: z
      .strictObject({
        max_iter: z.array(z.int().positive()).nonempty().default([10, 15, 20]),
        reg_param: z.array(z.number().min(0)).nonempty().default([0]),
        elastic_net_param: z.array(z.number().min(0).max(1)).nonempty().default([0]),
      })
      .prefault({})
      .describe("LogisticRegression hyper-parameters tried by cross-validation."),
    standardization: z
      .boolean()
      .default(true)
      .describe(
        "Scale features to unit variance before fitting logistic regression and LinearSVC (Spark's default). false lets regularization favour frequent words, usually better for text.",
      ),
    linear_svc: z
      .strictObject({
        grid: z
          .strictObject({
            max_iter: z.array(z.int().positive()).nonempty().default([100]),
            reg_param: z.array(z.number().min(0)).nonempty().default([0.0001, 0.001, 0.01]),
          })
          .prefault({}),
      })
      .prefault({})
      .describe("LinearSVC hyper-parameters tried by cross-validation (when classifiers lists it)."),
    naive_bayes: z
      .strictObject({
        grid: z
          .strictObject({ smoothing: z.array(z.number().min(0)).nonempty().default([0.01, 0.1]) })
          .prefault({}),
        model_type: z
          .enum(NAIVE_BAYES_TYPES)
          .default("multinomial")
          .describe("multinomial, or complement (often better when one label is rare)."),
      })
      .prefault({})
      .describe("NaiveBayes settings (when classifiers lists it)."),
    class_weights: z
      .enum(CLASS_WEIGHTS)
      .default("none")
      .describe(
        "balanced: each label weighs the same in training, however rare (rows / (labels x the label's rows)).",
      ),
  })
  .prefault({});

const outputSection = z
  .strictObject({
    dir: z.string().min(1).default("runs").describe("Where runs are written, relative to this config file."),
    write_features: z.boolean().default(false).describe("Also write features/<set>/ Parquet (seed parity)."),
  })
  .prefault({});

const memory = z.string().regex(/^\d+[kmgt]?$/i, "must look like 512m or 4g");

const SIZE_UNITS: Record<string, number> = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** "10g" → bytes, as Spark reads a size (binary units; no unit = bytes). */
export function sizeBytes(size: string): number {
  const [, digits, unit] = /^(\d+)([kmgt]?)$/i.exec(size) ?? [];
  if (digits === undefined) throw new Error(`not a size: ${size}`);
  return Number(digits) * (SIZE_UNITS[(unit ?? "").toLowerCase()] ?? 1);
}

const cacheSection = z
  .strictObject({
    prepared_text: z
      .boolean()
      .default(true)
      .describe(
        "Reuse the prepared text (cleaned, tokenized, stop words removed, split) of an earlier run with the same input, data, text and split settings: such a run does not read its input again.",
      ),
    max_size: memory
      .default("10g")
      .describe(
        "Size limit of the prepared-text cache (per user, shared by projects); the oldest entries go first.",
      ),
  })
  .prefault({});

const sparkSection = z
  .strictObject({
    line: z
      .enum(SPARK_LINES)
      .optional()
      .describe(
        "The Spark line the job runs on, everywhere: the local PySpark, the EMR release, the saved models. Default: versions.json sparkLine (3.5).",
      ),
    master: z
      .string()
      .min(1)
      .superRefine((master, ctx) => {
        const problem = sparkMasterProblem(master);
        if (problem) ctx.addIssue({ code: "custom", message: problem });
      })
      .default("local[*]")
      .describe("Spark master URL for local runs (local[*], spark://host:port)."),
    driver_memory: memory.default("2g"),
    executor_memory: memory.optional(),
    partitions: z
      .int()
      .positive()
      .optional()
      .describe("Input partitions. Default: 2 x the cores Spark sees."),
    conf: z
      .record(
        z.string().regex(/^spark\./, "Spark settings start with 'spark.'"),
        z.union([z.string(), z.number(), z.boolean()]),
      )
      .default({})
      .describe(
        "Extra Spark settings passed with --conf. A setting named like a secret (secret, password, token, access key) is refused: the config is saved with every run.",
      ),
  })
  .prefault({})
  .superRefine((spark, ctx) => {
    for (const [key, value] of Object.entries(spark.conf)) {
      const own = DEDICATED_CONF[key];
      if (own) {
        ctx.addIssue({
          code: "custom",
          path: ["conf", key],
          message: `conflicts with ${own}; set ${own} instead`,
        });
      } else if (SECRET_KEY.test(key)) {
        ctx.addIssue({
          code: "custom",
          path: ["conf", key],
          message:
            "looks like a secret (its name matches Spark's own redaction pattern: secret, password, token, access key), " +
            "and every setting here is saved in each run's spec and manifest: remove it. AWS access comes from the " +
            "standard credential chain (environment, profile, instance role); nothing needs a key in this file",
        });
      } else {
        const problem = sparkConfProblem(key, value);
        if (problem) ctx.addIssue({ code: "custom", path: ["conf", key], message: problem });
      }
    }
  });

/** Spark settings that have their own key in kindling.yaml (or are Kindling's to set). */
const DEDICATED_CONF: Record<string, string> = {
  "spark.master": "spark.master",
  "spark.driver.memory": "spark.driver_memory",
  "spark.executor.memory": "spark.executor_memory",
  "spark.app.name": "the run id (Kindling names the application)",
  "spark.submit.deployMode": "the target (--target)",
};

/** Why a Spark master URL is not one Kindling can use, or undefined. Shared with the --master flag. */
export function sparkMasterProblem(master: string): string | undefined {
  if (/^(local(\[(\*|[1-9]\d*)(,[1-9]\d*)?\])?|yarn|k8s:\/\/\S+)$/.test(master)) return undefined;
  if (/^spark:\/\/[^\s/:]+:\d+(,[^\s/:]+:\d+)*$/.test(master)) return undefined;
  if (/^spark:\/\/[^\s/:]+$/.test(master)) {
    return `needs the master's port: ${master}:7077 (7077 is the standalone default)`;
  }
  if (didYouMean(master.toLowerCase().split("[")[0] ?? "", ["local"]) !== undefined) {
    return `must be local, local[N], local[*] or local[N,F], got ${JSON.stringify(master)}`;
  }
  return `must be local[*], local[N], spark://HOST:PORT, yarn or k8s://URL, got ${JSON.stringify(master)}`;
}

const instanceType = z
  .string()
  .regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, "must be an EC2 instance type such as m5.xlarge");

const nodeGroup = (count: number, describe: string) =>
  z
    .strictObject({
      instance_types: z
        .array(instanceType)
        .nonempty()
        .default(["m5.xlarge"])
        .describe("EC2 instance types; instance groups use the first, instance fleets may use any."),
      count: z.int().min(0).default(count).describe(describe),
      spot: z.boolean().default(false).describe("Use spot capacity (cheaper, may be reclaimed)."),
    })
    .prefault({});

const bootstrapAction = z.strictObject({
  name: z.string().min(1),
  path: z.string().regex(/^s3:\/\/[^/]+\/.+/, "must be an s3:// URI of a script"),
  args: z.array(z.string()).default([]),
});

/** A pip requirement pinned to one version: the archive it goes into is content-addressed. */
const pinnedRequirement = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9_,.-]+\])?==[A-Za-z0-9][A-Za-z0-9.+!_-]*$/,
    'must pin one version, like "nltk==3.9.1" (the archive it goes into is built once per exact set of packages)',
  );

const pythonSection = z
  .strictObject({
    packages: z
      .array(pinnedRequirement)
      .default([])
      .describe(
        "Extra Python packages the job's code needs on the cluster, pinned (name==version). They travel with the job in one archive of wheels built for the cluster's Python and CPU.",
      ),
    version: z
      .string()
      .regex(/^3\.\d{1,2}$/, 'must be a Python version like "3.9"')
      .optional()
      .describe(
        "The cluster's Python. Default: the EMR release's (3.9 for emr-7.x, 3.11 for emr-spark-8.x).",
      ),
  })
  .prefault({});

/**
 * The EBS storage of every cluster instance, set explicitly rather than left to EMR's per-type defaults so
 * that the cost estimate prices exactly what the cluster asks for.
 */
const ebsSection = z
  .strictObject({
    volume_gb: z
      .int()
      .min(5)
      .max(16384)
      .default(64)
      .describe(
        "One data volume per instance, in GiB (HDFS, shuffle and spill). EMR needs at least 5 on core nodes.",
      ),
    volume_type: z
      .enum(["gp3", "gp2"])
      .default("gp3")
      .describe("The data volume's type: gp3 is cheaper than gp2 with the same baseline performance."),
    root_volume_gb: z
      .int()
      .min(15)
      .max(100)
      .default(15)
      .describe("The root volume, in GiB: EMR's default since 6.10.0 is 15 (gp3 since 6.15.0)."),
  })
  .prefault({});

const emrSection = z
  .strictObject({
    release_label: z
      .string()
      .regex(/^emr-(spark-)?\d+\.\d+\.\d+$/, "must look like emr-7.13.0 or emr-spark-8.0.0")
      .optional()
      .describe(
        "EMR release; its Spark must be spark.line's (emr-7.x: 3.5, emr-spark-8.x: 4.0). Default: the line's release in versions.json.",
      ),
    instance_fleets: z
      .boolean()
      .default(false)
      .describe("Instance fleets (several types per role) instead of instance groups."),
    primary: z
      .strictObject({
        instance_types: z.array(instanceType).nonempty().default(["m5.xlarge"]),
      })
      .prefault({})
      .describe("The primary node (one instance, always on-demand)."),
    core: nodeGroup(2, "Core nodes (HDFS + executors)."),
    task: nodeGroup(0, "Task nodes (executors only)."),
    idle_timeout_minutes: z
      .int()
      .min(1)
      .max(10080)
      .default(30)
      .describe("Auto-termination after this idle time: a safety net; the cluster ends after its step."),
    bootstrap_actions: z.array(bootstrapAction).default([]).describe("Scripts run on every node first."),
    ebs: ebsSection.describe("EBS volumes of every instance; priced in the cost estimate."),
    estimated_runtime_minutes: estimatedRuntimeMinutes,
  })
  .prefault({})
  .refine(
    (e) =>
      e.instance_fleets ||
      (e.primary.instance_types.length === 1 &&
        e.core.instance_types.length === 1 &&
        e.task.instance_types.length === 1),
    { message: "several instance_types per role need instance_fleets: true" },
  )
  .superRefine((e, ctx) => {
    // The job's Python packages are built for one CPU (src/packaging).
    const types = [...e.primary.instance_types, ...e.core.instance_types, ...e.task.instance_types];
    if (new Set(types.map(archOfInstanceType)).size > 1) {
      ctx.addIssue({
        code: "custom",
        path: ["core", "instance_types"],
        message: `mixes x86_64 and Graviton (arm64) instance types (${types.join(", ")}); use one architecture for every role`,
      });
    }
  });

export const configSchema = z
  .strictObject({
    $schema: z.string().optional(),
    version: z.literal(1).default(1).describe("Config format version."),
    preset: z
      .enum(PRESET_NAMES)
      .default("seed")
      .describe(
        "Defaults for text, features and train that the file does not set: seed (the seed pipeline's settings) or recommended (measured on the demo corpus; docs/presets.md).",
      ),
    project: projectName
      .default("kindling")
      .describe("Names runs and cloud resources (with aws.environment, the foundation stack)."),
    data: dataSection,
    text: textSection,
    features: featuresSection,
    train: trainSection,
    output: outputSection,
    cache: cacheSection,
    spark: sparkSection,
    aws: awsSection,
    emr: emrSection,
    serverless: serverlessSection,
    python: pythonSection,
    environments: environmentsSection,
  })
  // project and aws.environment together name the foundation stack (src/config/deploy.ts).
  .superRefine(checkStackName)
  .superRefine(checkRoleNames)
  .superRefine(checkReleaseLines)
  .superRefine(checkNaiveBayesFeatures);

/** NaiveBayes needs non-negative features; Word2Vec's averages are signed unless rescaled to [0, 1]. */
function checkNaiveBayesFeatures(
  config: {
    features: { word2vec: { enabled: boolean; scaler: string } };
    train: { classifiers: readonly string[] };
  },
  ctx: z.RefinementCtx,
): void {
  const { word2vec } = config.features;
  if (config.train.classifiers.includes("naive_bayes") && word2vec.enabled && word2vec.scaler === "none") {
    ctx.addIssue({
      code: "custom",
      path: ["features", "word2vec", "scaler"],
      message:
        'is "none", but train.classifiers has naive_bayes, which needs non-negative features: use "minmax" or disable word2vec',
    });
  }
}

/** An explicit EMR release must run the configured Spark line: a model is only read by the line that saved it. */
function checkReleaseLines(
  config: {
    spark: { line?: SparkLine | undefined };
    emr: { release_label?: string | undefined };
    serverless: { release_label?: string | undefined };
  },
  ctx: z.RefinementCtx,
): void {
  const line = config.spark.line ?? VERSIONS.line;
  for (const section of ["emr", "serverless"] as const) {
    const label = config[section].release_label;
    if (label === undefined) continue;
    const runs = lineOfRelease(label);
    if (runs === line) continue;
    const lines = SPARK_LINES.map((l) => `${sparkLine(l).emrRelease} for ${l}`).join(", ");
    ctx.addIssue({
      code: "custom",
      path: [section, "release_label"],
      message: runs
        ? `${label} runs Spark ${runs}, but spark.line is ${line}${config.spark.line ? "" : " (the default)"}: set spark.line: "${runs}" or a release of the ${line} line (${lines})`
        : `${label} runs no Spark line Kindling supports (${lines}; emr-7.x has Spark 3.5, emr-spark-8.x Spark 4.0)`,
    });
  }
}

/** A config with every default applied. */
export type Config = z.output<typeof configSchema>;
export type FeatureSetName = keyof Config["features"];
