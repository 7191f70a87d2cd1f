import { z } from "zod";
import { SPARK_LINES } from "../versions.js";
import { isReservedColumn, RESERVED_COLUMNS, RESERVED_PREFIX } from "./reserved.js";

/**
 * The training job spec (v1) as a zod schema: the one source of the contract between the CLI and the
 * Spark job. The TypeScript types are inferred from it, schema/job-spec.schema.json is generated from it
 * (src/spec/jsonSchema.ts), and the Python parser (spark/kindling_job/spec.py) and docs/job-spec.md are
 * tested against that file. Bump SPEC_VERSION on any incompatible change.
 *
 * Every rule the job enforces is here, so a spec this schema accepts is one the job accepts (and the
 * reverse): the JSON Schema is read as the job's acceptance test, not as a loose description.
 */

export const SPEC_VERSION = 1;

export const TARGET_NAMES = ["local", "spark", "standalone", "emr", "emr-serverless"] as const;
/** How the rows are split into training and test rows. */
export const SPLIT_METHODS = ["random", "stratified"] as const;

export const CV_METRICS = [
  "f1",
  "accuracy",
  "weightedPrecision",
  "weightedRecall",
  // Areas under the ROC and precision-recall curves, from the scores: two labels only (the job checks).
  "areaUnderROC",
  "areaUnderPR",
] as const;
/** Spark's StopWordsRemover.loadDefaultStopWords languages. */
export const STOP_WORD_LANGUAGES = [
  "danish",
  "dutch",
  "english",
  "finnish",
  "french",
  "german",
  "hungarian",
  "italian",
  "norwegian",
  "portuguese",
  "russian",
  "spanish",
  "swedish",
  "turkish",
] as const;

// The job refuses empty strings wherever it reads text (a blank URI or column is never meant).
const nonEmpty = () => z.string().min(1);
// zod's int() is bounded to JavaScript's safe integers, and so is the job: the CLI cannot write others exactly.
const positive = () => z.int().min(1);
const oneChar = () => z.string().length(1);

export const targetNameSchema = z
  .enum(TARGET_NAMES)
  .describe("Where the run was started (informational; the job does not depend on it).");

export const dataFormatSchema = z.enum(["csv", "parquet"]);

/** Feature set names become directory and stage names, so they are path-safe. */
export const featureSetNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/)
  .describe("Names the model directory models/<name>/ and the stages; unique within the spec.");

/**
 * The raw text column keeps its input name through the saved model, so it must not be a column the job
 * adds. The refine is what zod checks; the `not` is the same rule written for the JSON Schema (zod cannot
 * derive one from a refine).
 */
export const textColumnSchema = nonEmpty()
  .refine((name) => !isReservedColumn(name), {
    message: `is a column the job adds (${RESERVED_COLUMNS.join(", ")}, ${RESERVED_PREFIX}*)`,
  })
  .meta({ not: { anyOf: [{ enum: RESERVED_COLUMNS }, { pattern: `^${RESERVED_PREFIX}` }] } })
  .describe(
    "The raw text column, kept under its input name through the saved model, so not a column the job adds.",
  );

export const csvOptionsSchema = z
  .strictObject({
    header: z.boolean().describe("The first line names the columns."),
    delimiter: oneChar().describe("Field separator."),
    quote: oneChar().describe("Quote character."),
    escape: oneChar().describe("Escape character inside quoted fields."),
    multiline: z.boolean().describe("Quoted fields may span lines."),
    encoding: nonEmpty().describe("Character set of the file, e.g. UTF-8."),
  })
  .describe("Spark CSV reader options; the training data's dialect, also used to read data to predict.");

const runSchema = z.strictObject({
  id: nonEmpty().describe("The run id; names the Spark application."),
  created_at: nonEmpty().describe("ISO 8601 time the CLI compiled the spec (informational)."),
  kindling_version: nonEmpty().describe("Version of the CLI that compiled the spec (informational)."),
  target: targetNameSchema,
});

const inputSchema = z
  .strictObject({
    uri: nonEmpty().describe("The data: any Hadoop FileSystem URI (file://, s3://) or a local path."),
    format: dataFormatSchema.describe("How to read input.uri."),
    text_column: textColumnSchema,
    label_column: nonEmpty().describe("The class label column, read as a string; differs from text_column."),
    // Always written, even for Parquet: predict reads new CSV data with the training data's dialect.
    csv: csvOptionsSchema,
    // Added within v1, so older v1 specs without it stay valid; the CLI always writes it.
    max_reject_fraction: z
      .number()
      .min(0)
      .max(1)
      .default(0.01)
      .describe(
        "Share of malformed CSV rows (wrong field count) above which the job fails (TooManyRejects).",
      ),
  })
  .superRefine((input, ctx) => {
    if (input.text_column === input.label_column) {
      ctx.addIssue({ code: "custom", path: ["label_column"], message: "must differ from text_column" });
    }
  })
  .describe("What to read.");

const textSchema = z
  .strictObject({
    clean: z
      .array(
        z.strictObject({
          pattern: nonEmpty().describe("Java regex, replaced with regexp_replace."),
          replacement: z
            .string()
            .describe("Java replacement string ($1 is a group, \\$ a dollar); may be empty."),
        }),
      )
      .describe("Regex replacements applied in order before tokenizing; may be empty."),
    lowercase: z.boolean().describe("Lower-case the text after cleaning."),
    tokenizer_pattern: nonEmpty().describe("Java regex separating tokens (RegexTokenizer, gaps)."),
    min_token_length: positive().describe("Shorter tokens are dropped (1 keeps every non-empty token)."),
    stop_words: z
      .union([
        z.strictObject({
          language: z.enum(STOP_WORD_LANGUAGES).describe("One of Spark's built-in stop-word lists."),
        }),
        z.strictObject({
          words: z
            .array(nonEmpty())
            .describe("Your own stop words (matched case-insensitively); may be empty."),
        }),
      ])
      .nullable()
      .describe("Stop words removed after tokenizing: a built-in list, your own words, or null (keep all)."),
  })
  .describe("Turning raw text into tokens, fitted once and shared by every feature set.");

export const CLASSIFIERS = ["logistic_regression", "linear_svc", "naive_bayes"] as const;
export const CLASS_WEIGHTS = ["none", "balanced"] as const;
export const NAIVE_BAYES_TYPES = ["multinomial", "complement"] as const;
/** Word n-grams beyond 3 add features far faster than accuracy on text classification. */
export const MAX_NGRAMS = 3;

/** Names a saved model (models/<key>/): the feature set when the spec has one classifier, else <set>/<classifier>. */
export const modelKeySchema = z
  .string()
  .regex(new RegExp(`^[A-Za-z0-9][A-Za-z0-9_.-]*(/(${CLASSIFIERS.join("|")}))?$`))
  .describe("A model's key: its feature set, or <feature set>/<classifier> when the run trained several.");

const name = featureSetNameSchema;
/** How hashed feature sets count terms; the config's features.hashing_tf / tfidf take the same keys.
 * Added within v1: older specs hashed single tokens, counted. */
export const termSettings = {
  ngrams: z
    .int()
    .min(1)
    .max(MAX_NGRAMS)
    .default(1)
    .describe("Word n-grams of length 1..ngrams are hashed together (1: single words)."),
  binary: z.boolean().default(false).describe("Hash 1 for a term present instead of its count."),
};
const kind = "Which featurizer: hashed term frequencies, TF-IDF, or the average of Word2Vec word vectors.";

export const featureSetSchema = z.discriminatedUnion("kind", [
  z.strictObject({
    name,
    kind: z.literal("hashing_tf").describe(kind),
    num_features: positive().describe("Hash buckets (vector size)."),
    ...termSettings,
  }),
  z.strictObject({
    name,
    kind: z.literal("tfidf").describe(kind),
    num_features: positive().describe("Hash buckets (vector size)."),
    min_doc_freq: z.int().min(0).describe("Terms in fewer documents get no weight."),
    ...termSettings,
  }),
  z.strictObject({
    name,
    kind: z.literal("word2vec").describe(kind),
    vector_size: positive().describe("Dimensions of the word vectors."),
    min_count: z.int().min(0).describe("Words seen fewer times are ignored."),
    max_iter: positive().describe("Word2Vec training iterations."),
    num_partitions: positive()
      .nullable()
      .describe("Word2Vec partitions; null = the cores Spark sees (faster, not reproducible)."),
    step_size: z.number().gt(0).describe("Learning rate."),
    window_size: positive().describe("Context window."),
    seed: z.int().describe("Word2Vec seed."),
    scaler: z
      .enum(["minmax", "none"])
      .describe("Rescale the document vectors to [0, 1] per dimension, or not."),
  }),
]);

const maxIter = z.array(positive()).min(1).describe("maxIter values tried.");
const regParam = z.array(z.number().min(0)).min(1).describe("regParam values tried.");
const standardization = z
  .boolean()
  .describe("Scale each feature to unit variance before fitting (Spark's default: true).");

export const classifierSchema = z.discriminatedUnion("kind", [
  z.strictObject({
    kind: z.literal("logistic_regression").describe("Which classifier."),
    grid: z
      .strictObject({
        max_iter: maxIter,
        reg_param: regParam,
        elastic_net_param: z.array(z.number().min(0).max(1)).min(1).describe("elasticNetParam values tried."),
      })
      .describe("Hyper-parameters tried by cross-validation (every combination)."),
    // Added within v1: older specs standardized (Spark's default).
    standardization: standardization.default(true),
  }),
  z.strictObject({
    kind: z.literal("linear_svc").describe("Which classifier."),
    grid: z
      .strictObject({ max_iter: maxIter, reg_param: regParam })
      .describe("Hyper-parameters tried by cross-validation (every combination)."),
    standardization,
  }),
  z.strictObject({
    kind: z.literal("naive_bayes").describe("Which classifier."),
    grid: z
      .strictObject({
        smoothing: z.array(z.number().min(0)).min(1).describe("Additive smoothing values tried."),
      })
      .describe("Hyper-parameters tried by cross-validation."),
    model_type: z
      .enum(NAIVE_BAYES_TYPES)
      .describe("multinomial, or complement (often better on imbalanced text)."),
  }),
]);

const trainingSchema = z
  .strictObject({
    split: z
      .strictObject({
        train_fraction: z
          .number()
          .gt(0)
          .lt(1)
          .describe("Share of rows trained on; the rest is the test split."),
        seed: z.int().describe("Seed of the train/test split."),
        // Added within v1: older v1 specs without it split at random, as there was no other way.
        method: z
          .enum(SPLIT_METHODS)
          .default("random")
          .describe(
            "random: Spark's randomSplit; stratified: within each label, the train_fraction of its rows with the lowest seeded hash train.",
          ),
      })
      .describe("One split shared by every feature set."),
    model: z
      .union([classifierSchema, z.array(classifierSchema).min(1)])
      .superRefine((model, ctx) => {
        if (!Array.isArray(model)) return;
        const kinds = model.map((c) => c.kind);
        const dupes = kinds.filter((k, i) => kinds.indexOf(k) !== i);
        if (dupes.length) ctx.addIssue({ code: "custom", message: `duplicate kind(s) ${dupes.join(", ")}` });
      })
      .describe(
        "The classifier and its grid, or (added within v1) a list of classifiers with unique kinds: each is cross-validated on every feature set.",
      ),
    // Added within v1: older specs weighed every row the same.
    class_weights: z
      .enum(CLASS_WEIGHTS)
      .default("none")
      .describe("balanced: each training row weighs rows / (labels x its label's rows)."),
    cv: z
      .strictObject({
        folds: z.int().min(2).describe("Cross-validation folds."),
        metric: z.enum(CV_METRICS).describe("What cross-validation maximizes."),
        seed: z.int().describe("Seed of the folds."),
        parallelism: positive()
          .nullable()
          .describe("Models fitted at once; null = min(grid points, cores Spark sees)."),
      })
      .describe("Cross-validation on the training split, choosing the grid point."),
  })
  .describe("Split, model grid and cross-validation.");

export const jobSpecSchema = z
  .strictObject({
    spec_version: z
      .literal(SPEC_VERSION)
      .describe("Contract version; the job refuses versions it does not know."),
    run: runSchema.describe("The run this spec belongs to."),
    input: inputSchema,
    text: textSchema,
    feature_sets: z
      .array(featureSetSchema)
      .min(1)
      .superRefine((sets, ctx) => {
        const names = sets.map((s) => s.name);
        const dupes = names.filter((n, i) => names.indexOf(n) !== i);
        if (dupes.length) ctx.addIssue({ code: "custom", message: `duplicate name(s) ${dupes.join(", ")}` });
      })
      .describe("Feature sets trained and compared, in order; at least one; names unique."),
    training: trainingSchema,
    output: z
      .strictObject({
        uri: nonEmpty().describe("The run directory or prefix the job writes into."),
        write_features: z.boolean().describe("Also write features/<set>/ Parquet partitioned by label."),
        success_marker: z.boolean().describe("Write <uri>/_SUCCESS last (EMR); locally the CLI writes it."),
      })
      .describe("Where the outputs go."),
    spark: z
      .strictObject({
        partitions: positive()
          .nullable()
          .describe("Input partitions before the split; null = sized to the input and the cores."),
        // Added within v1: older v1 specs without it ran on the only line there was, 3.5.
        line: z
          .enum(SPARK_LINES)
          .default("3.5")
          .describe(
            "The Spark line the CLI chose (spark.line): the job refuses to run on another, whose saved models that line could not read back.",
          ),
      })
      .describe("Spark settings the job applies itself."),
    // Added within v1: older v1 specs without it never used the cache.
    prepared_cache: z
      .strictObject({
        uri: nonEmpty().describe(
          "The cache entry (a folder) this run reuses when it is complete and current, or else stores: the split's label and tokens, entry.json last.",
        ),
      })
      .nullable()
      .default(null)
      .describe(
        "The prepared-text cache entry for this run's input, text and split settings; null = no cache.",
      ),
  })
  .superRefine((spec, ctx) => {
    const problem = naiveBayesProblem(spec);
    if (problem) ctx.addIssue({ code: "custom", path: ["training", "model"], message: problem });
  })
  // One meta call: a describe() after it would describe a copy, not the schema the JSON Schema names.
  .meta({
    id: "train_spec",
    title: "Training spec",
    description: "A training run: read, prepare, featurize, cross-validate, evaluate, save.",
  });

/** NaiveBayes needs non-negative features; Word2Vec's averages are signed unless rescaled to [0, 1]. */
export function naiveBayesProblem(spec: {
  feature_sets: Array<{ name: string; kind: string; scaler?: string }>;
  training: { model: { kind: string } | Array<{ kind: string }> };
}): string | undefined {
  const classifiers = Array.isArray(spec.training.model) ? spec.training.model : [spec.training.model];
  if (!classifiers.some((c) => c.kind === "naive_bayes")) return undefined;
  const signed = spec.feature_sets.find((f) => f.kind === "word2vec" && f.scaler === "none");
  return signed
    ? `naive_bayes needs non-negative features, but feature set ${signed.name} is Word2Vec with scaler "none" (use "minmax")`
    : undefined;
}

export type TargetName = z.infer<typeof targetNameSchema>;
export type DataFormat = z.infer<typeof dataFormatSchema>;
/** A spec as the CLI writes it (every default filled in). */
export type JobSpec = z.output<typeof jobSpecSchema>;
export type FeatureSetSpec = z.output<typeof featureSetSchema>;
export type ClassifierSpec = z.output<typeof classifierSchema>;
