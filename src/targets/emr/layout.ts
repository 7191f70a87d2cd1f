import path from "node:path";

/** Where a run's objects live in the data bucket. */
export interface RunLayout {
  bucket: string;
  /** runs/<run-id>/ (with the trailing slash): the job's outputs, the only prefix nodes may write. */
  prefix: string;
  outputUri: string;
  /** The job's code and spec go under code/<run-id>/, which nodes may only read (codePrefix). */
  specKey: string;
  entryKey: string;
  zipKey: string;
}

/**
 * Where the CLI puts what a job runs for `id` (a run id, or `<run-id>/predict/<predict-id>`): under
 * code/, which the nodes' role may read but not write, so no job can change the code or spec of another
 * (the outputs of every run share runs/, which IAM cannot narrow to one run).
 */
export function codePrefix(id: string): string {
  return `code/${id}/`;
}

export function runLayout(bucket: string, runId: string): RunLayout {
  const prefix = `runs/${runId}/`;
  const code = codePrefix(runId);
  return {
    bucket,
    prefix,
    outputUri: `s3://${bucket}/runs/${runId}`,
    specKey: `${code}spec.json`,
    entryKey: `${code}entry.py`,
    zipKey: `${code}kindling_job.zip`,
  };
}

/** The job's Python packages are content-addressed too: one archive per exact set, uploaded once. */
export function depsKey(sha256: string): string {
  return `deps/${sha256}/pydeps.tar.gz`;
}

/** Input data is content-addressed: an unchanged file has the same key and is not uploaded again. */
export function dataKey(sha256: string, file: string): string {
  return `data/${sha256}/${path.basename(file)}`;
}

export function s3Uri(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

/** s3://bucket/a/b → { bucket, key: "a/b" }. */
export function parseS3Uri(uri: string): { bucket: string; key: string } {
  const match = /^s3a?n?:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!match) throw new Error(`not an s3:// URI: ${uri}`);
  return { bucket: match[1] as string, key: match[2] as string };
}

/**
 * Files of a run's prefix that the CLI put there, not the job: they are not downloaded back. (Runs made
 * before code and spec moved to code/ have them there.)
 */
export function isRunInput(relativeKey: string): boolean {
  return relativeKey === "spec.json" || relativeKey.startsWith("code/");
}
