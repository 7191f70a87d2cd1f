import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { PrerequisiteError } from "../../errors.js";
import { requireSparkEnv } from "../local/pythonEnv.js";

/**
 * SPARK_HOME of the pip PySpark in the project venv (<venv>/lib/python3.X/site-packages/pyspark). It ships
 * bin/spark-class, which is all the standalone cluster needs (pip's PySpark has no sbin/start-*.sh).
 */
export function venvSparkHome(venv: string = requireSparkEnv().dir): string {
  const lib = path.join(venv, "lib");
  let versions: string[] = [];
  try {
    versions = readdirSync(lib).filter((name) => name.startsWith("python"));
  } catch {
    // No venv: reported below.
  }
  for (const version of versions) {
    const home = path.join(lib, version, "site-packages", "pyspark");
    if (existsSync(path.join(home, "bin", "spark-class"))) return home;
  }
  throw new PrerequisiteError(
    `PySpark's spark-class was not found under ${lib}/python3.*/site-packages/pyspark/bin. Nothing was started.`,
    {
      hint: "Make the environment again: `kindling setup --recreate` (in a Kindling checkout: delete .venv and run `npm run setup`).",
    },
  );
}
