import path from "node:path";
import type { Config } from "../config/schema.js";
import { type DataReport, validateData } from "./validate.js";

export { DataError, type DataFinding, formatFindings } from "./findings.js";
export {
  type DataCheckOptions,
  type DataReport,
  type DataSettings,
  inspectData,
  validateData,
} from "./validate.js";

/**
 * Validates a local input file before any Spark job starts (see validate.ts); throws a DataError naming
 * every problem, where it is and how to fix it. Kept for callers that have the resolved path already.
 */
export async function checkInput(
  file: string,
  data: Config["data"],
  options: { signal?: AbortSignal; cwd?: string; mode?: "train" | "predict" } = {},
): Promise<DataReport> {
  return validateData(
    { ...data, path: path.resolve(file) },
    { baseDir: path.dirname(path.resolve(file)), ...options },
  );
}
