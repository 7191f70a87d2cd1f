/**
 * Names and limits the Spark job reserves. Exported once here; the config schema, predict's column
 * checks and the JSON Schema (schema/job-spec.schema.json, which the Python tests read) all use these.
 */

/** What the saved model adds to the rows it scores (predict refuses inputs that already have them). */
export const MODEL_COLUMNS = ["features", "prediction", "probability", "rawPrediction", "predicted_label"];

/**
 * Every column the training job adds besides its `kindling_*` working columns: the label as a string
 * (`label_value`) and its index (`label`), then what the model adds. The text column keeps its input name,
 * so it must be none of these.
 */
export const RESERVED_COLUMNS = ["label_value", "label", ...MODEL_COLUMNS];

/** The job's working columns (cleaned text, tokens, corrupt records, …) all start with this. */
export const RESERVED_PREFIX = "kindling_";

export function isReservedColumn(name: string): boolean {
  return RESERVED_COLUMNS.includes(name) || name.startsWith(RESERVED_PREFIX);
}

/** More distinct labels than this almost always means the wrong column was named as the label. */
export const MAX_CLASSES = 1000;
