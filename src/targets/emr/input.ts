import { createHash } from "node:crypto";
import { readdir } from "node:fs/promises";
import path from "node:path";
import type { S3 } from "@aws-sdk/client-s3";
import type { LoadedConfig } from "../../config/load.js";
import type { DataFinding } from "../../data/findings.js";
import { validateData } from "../../data/validate.js";
import { UsageError } from "../../errors.js";
import { fileDigest } from "../../runs/files.js";
import type { Reporter } from "../../ui/reporter.js";
import { isNotFound } from "./awsErrors.js";

/** The run's input as the EMR target ships it. */
export type EmrInput =
  | {
      kind: "local";
      /** The file, or the folder of part files (Parquet). */
      path: string;
      directory: boolean;
      /** Files to upload, with their name inside the content-addressed folder. */
      files: Array<{ file: string; name: string; bytes: number }>;
      /** Of the file; for a folder, of its part files' names, sizes and hashes (as the local target). */
      sha256: string;
      bytes: number;
    }
  | { kind: "s3"; uri: string; bucket: string; key: string };

/**
 * Validates the input exactly as the local target does (nothing is created on a problem) and describes
 * what to upload: a local file or folder, or nothing when data.path is already on S3.
 */
export async function resolveInput(
  loaded: LoadedConfig,
  reporter: Reporter,
  signal?: AbortSignal,
): Promise<EmrInput> {
  const report = await validateData(loaded.config.data, {
    baseDir: loaded.dir,
    ...(signal ? { signal } : {}),
  });
  for (const f of report.findings.filter((x) => x.severity === "warning")) reporter.warn(show(f));
  const location = report.location;
  if (!location) throw new UsageError(`data.path: cannot locate ${loaded.config.data.path}`);
  if (location.kind === "s3")
    return { kind: "s3", uri: location.uri, bucket: location.bucket, key: location.key };
  if (!location.directory) {
    const digest = await fileDigest(location.path);
    return {
      kind: "local",
      path: location.path,
      directory: false,
      files: [{ file: location.path, name: path.basename(location.path), bytes: digest.bytes }],
      ...digest,
    };
  }
  // Spark skips files starting with _ or . (markers, checksums); so does the upload.
  const names = (await readdir(location.path, { withFileTypes: true }))
    .filter((e) => e.isFile() && !e.name.startsWith("_") && !e.name.startsWith("."))
    .map((e) => e.name)
    .sort();
  const hash = createHash("sha256");
  const files: Array<{ file: string; name: string; bytes: number }> = [];
  for (const name of names) {
    const file = path.join(location.path, name);
    const d = await fileDigest(file);
    hash.update(`${name}\u0000${d.bytes}\u0000${d.sha256}\n`);
    files.push({ file, name: `${path.basename(location.path)}/${name}`, bytes: d.bytes });
  }
  return {
    kind: "local",
    path: location.path,
    directory: true,
    files,
    sha256: hash.digest("hex"),
    bytes: files.reduce((s, f) => s + f.bytes, 0),
  };
}

/** An s3:// input must exist (as an object or a prefix) before a cluster is paid for. */
export async function requireS3Input(
  s3: Pick<S3, "headObject" | "listObjectsV2">,
  input: { uri: string; bucket: string; key: string },
): Promise<void> {
  try {
    await s3.headObject({ Bucket: input.bucket, Key: input.key });
    return;
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  const page = await s3.listObjectsV2({
    Bucket: input.bucket,
    Prefix: `${input.key.replace(/\/$/, "")}/`,
    MaxKeys: 1,
  });
  if ((page?.KeyCount ?? page?.Contents?.length ?? 0) === 0) {
    throw new UsageError(`data.path: ${input.uri} does not exist.`, {
      hint: "Check the bucket and key (aws s3 ls), or point data.path at a local file to upload it.",
    });
  }
}

function show(f: DataFinding): string {
  return `${f.where}  ${f.message}${f.fix ? ` (fix: ${f.fix})` : ""}`;
}
