import { createWriteStream } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { ZipFile } from "yazl";
import { PACKAGE_ROOT } from "../../versions.js";

/** Where the job's sources live in this checkout or install. */
export const SPARK_DIR = path.join(PACKAGE_ROOT, "spark");
export const JOB_ENTRY = path.join(SPARK_DIR, "entry.py");
const JOB_PACKAGE = "kindling_job";

/**
 * Zips spark/kindling_job for --py-files. Entries are sorted and carry a fixed timestamp, so the same
 * sources give the same bytes (the EMR target uploads it content-addressed).
 */
export async function packageJob(destination: string): Promise<string> {
  const zip = new ZipFile();
  const root = path.join(SPARK_DIR, JOB_PACKAGE);
  const files = (await listPython(root)).sort();
  const mtime = new Date("2000-01-01T00:00:00Z");
  for (const file of files) {
    const name = path.posix.join(JOB_PACKAGE, path.relative(root, file).split(path.sep).join("/"));
    zip.addBuffer(await readFile(file), name, { mtime, mode: 0o644 });
  }
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(destination));
  return destination;
}

async function listPython(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map(async (entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return entry.name === "__pycache__" ? [] : listPython(full);
      return entry.name.endsWith(".py") ? [full] : [];
    }),
  );
  return nested.flat();
}
