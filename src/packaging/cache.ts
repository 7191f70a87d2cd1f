import { readFileSync } from "node:fs";
import path from "node:path";
import envPaths from "env-paths";
import { SPARK_DIR } from "../targets/shared/package.js";

/** Built archives live in the per-user cache (KINDLING_CACHE_DIR overrides it, e.g. for tests). */
export function cacheDir(env = process.env): string {
  return env.KINDLING_CACHE_DIR ?? envPaths("kindling", { suffix: "" }).cache;
}

/** The job's own requirements: spark/requirements.txt, without PySpark (versions.json pins it). */
export function ownRequirements(): string[] {
  return readFileSync(path.join(SPARK_DIR, "requirements.txt"), "utf8")
    .split("\n")
    .map((line) => line.replace(/#.*/, "").trim())
    .filter(Boolean);
}
