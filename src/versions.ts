import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** Where the package lives on disk (the repo root, or the installed package root). */
export const PACKAGE_ROOT = fileURLToPath(new URL("../", import.meta.url));

interface Pairing {
  spark: string;
  emrRelease: string;
  java: number;
  python: string;
}

/**
 * versions.json is the one place that pairs the local PySpark with the default EMR release; the setup
 * script installs `pyspark==spark` from it and the EMR target defaults to `emrRelease`.
 */
export const VERSIONS: Pairing = JSON.parse(
  readFileSync(new URL("../versions.json", import.meta.url), "utf8"),
);

export const KINDLING_VERSION: string = JSON.parse(
  readFileSync(new URL("../package.json", import.meta.url), "utf8"),
).version;
