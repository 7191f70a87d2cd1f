import path from "node:path";

/** Where a run's objects live in the data bucket. */
export interface RunLayout {
  bucket: string;
  /** runs/<run-id>/ (with the trailing slash). */
  prefix: string;
  outputUri: string;
  specKey: string;
  entryKey: string;
  zipKey: string;
}

export function runLayout(bucket: string, runId: string): RunLayout {
  const prefix = `runs/${runId}/`;
  return {
    bucket,
    prefix,
    outputUri: `s3://${bucket}/runs/${runId}`,
    specKey: `${prefix}spec.json`,
    entryKey: `${prefix}code/entry.py`,
    zipKey: `${prefix}code/kindling_job.zip`,
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

/** Files of a run's prefix that the CLI put there, not the job: they are not downloaded back. */
export function isRunInput(relativeKey: string): boolean {
  return relativeKey === "spec.json" || relativeKey.startsWith("code/");
}
