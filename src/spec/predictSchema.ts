import { z } from "zod";
import {
  csvOptionsSchema,
  dataFormatSchema,
  modelKeySchema,
  SPEC_VERSION,
  targetNameSchema,
  textColumnSchema,
} from "./schema.js";

/**
 * The predict spec (v1): the second entry mode of the same Spark job, chosen by `"kind": "predict"`.
 * URIs may be local (`file://`) or remote (`s3://`), so every target builds the same document.
 */

const nonEmpty = () => z.string().min(1);
const inputUri = nonEmpty().describe("The data to score: any Hadoop FileSystem URI or a local path.");
const format = "How to read input.uri; CSV is read with the training data's dialect (csv).";

export const predictSpecSchema = z
  .strictObject({
    spec_version: z
      .literal(SPEC_VERSION)
      .describe("Contract version; the job refuses versions it does not know."),
    kind: z.literal("predict").describe("Selects the predict entry mode (a training spec has no kind)."),
    run: z
      .strictObject({
        id: nonEmpty().describe("The training run whose model is used; names the Spark application."),
        kindling_version: nonEmpty().describe("Version of the CLI that wrote the spec (informational)."),
        target: targetNameSchema,
      })
      .describe("The training run the model comes from."),
    model: z
      .strictObject({
        uri: nonEmpty().describe("The saved PipelineModel (models/<model key>/ of the training run)."),
        feature_set: modelKeySchema.describe(
          "The model's key: its feature set, or <feature set>/<classifier> (reported in predict.json).",
        ),
        // Added within v1: without it, the model reads input.text_column.
        text_column: textColumnSchema
          .optional()
          .describe(
            "The text column the model was trained on; input.text_column is read as it (predict --text-column).",
          ),
      })
      .describe("The model that scores the input."),
    // CSV options only for CSV input: the training run's dialect, so new data is read as the training data was.
    input: z
      .discriminatedUnion("format", [
        z.strictObject({
          uri: inputUri,
          format: z.literal("csv").describe(format),
          text_column: textColumnSchema,
          csv: csvOptionsSchema,
        }),
        z.strictObject({
          uri: inputUri,
          format: z.literal("parquet").describe(format),
          text_column: textColumnSchema,
        }),
      ])
      .describe("The data to score; csv options are required for CSV and not allowed for Parquet."),
    output: z
      .strictObject({
        uri: nonEmpty().describe(
          "A directory that must not exist; the job writes data/ and predict.json in it.",
        ),
        format: dataFormatSchema.describe("Format of the one data file written."),
      })
      .describe("Where the predictions go."),
  })
  .meta({ id: "predict_spec", title: "Predict spec", description: "Scoring new data with a saved model." });

export type PredictSpec = z.output<typeof predictSpecSchema>;
