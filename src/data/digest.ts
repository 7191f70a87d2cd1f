import { createHash } from "node:crypto";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { fileDigest } from "../runs/files.js";

/** One file of a local input, as uploaded or recorded. */
export interface InputFile {
  file: string;
  /** Its name inside the input: the file name, or `<folder>/<part file>` for a folder. */
  name: string;
  bytes: number;
}

/** The input's identity: what runs record and what content-addressed uploads are keyed by. */
export interface InputDigest {
  /** Of the file; of a folder, of its part files' names, sizes and hashes. */
  sha256: string;
  bytes: number;
  files: InputFile[];
}

/**
 * Checksums a local input, streaming (a large file is never held in memory). A folder (Parquet, or CSV
 * part files) is hashed over the files Spark reads: it skips names starting with _ or . (markers, checksums).
 */
export async function digestInput(input: { path: string; directory: boolean }): Promise<InputDigest> {
  if (!input.directory) {
    const d = await fileDigest(input.path);
    return { ...d, files: [{ file: input.path, name: path.basename(input.path), bytes: d.bytes }] };
  }
  const names = (await readdir(input.path, { withFileTypes: true }))
    .filter((e) => e.isFile() && !e.name.startsWith("_") && !e.name.startsWith("."))
    .map((e) => e.name)
    .sort();
  const hash = createHash("sha256");
  const files: InputFile[] = [];
  for (const name of names) {
    const file = path.join(input.path, name);
    const d = await fileDigest(file);
    hash.update(`${name}\u0000${d.bytes}\u0000${d.sha256}\n`);
    files.push({ file, name: `${path.basename(input.path)}/${name}`, bytes: d.bytes });
  }
  return { sha256: hash.digest("hex"), bytes: files.reduce((s, f) => s + f.bytes, 0), files };
}
