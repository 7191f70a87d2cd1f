import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { S3 } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import type { Reporter } from "../../ui/reporter.js";
import { isNotFound } from "./awsErrors.js";
import { s3Uri } from "./layout.js";

/** One file to put in S3. */
export interface PlannedUpload {
  kind: "code" | "spec" | "data";
  file: string;
  bucket: string;
  key: string;
  bytes: number;
  /** Content-addressed uploads are skipped when the key already exists. */
  skipIfExists: boolean;
}

export interface UploadResult {
  uri: string;
  bytes: number;
  skipped: boolean;
}

/** Files at or above this size go up in parts (lib-storage); smaller ones in one PutObject. */
export const MULTIPART_THRESHOLD = 16 * 1024 * 1024;
const PART_SIZE = 16 * 1024 * 1024;

/**
 * Uploads the planned files, skipping content-addressed ones that already exist (HeadObject), with one
 * progress line: bytes sent of the total and the rate.
 */
export async function uploadAll(
  s3: S3,
  plan: readonly PlannedUpload[],
  options: { reporter: Reporter; signal?: AbortSignal; now?: () => number },
): Promise<UploadResult[]> {
  const now = options.now ?? (() => Date.now());
  const total = plan.reduce((sum, u) => sum + u.bytes, 0);
  const stage = options.reporter.stage(`Uploading ${plan.length} files (${formatBytes(total)})`);
  const started = now();
  let done = 0;
  const show = (current: number) => {
    const seconds = Math.max((now() - started) / 1000, 0.001);
    const sent = done + current;
    stage.update(
      `${progressBar(total === 0 ? 1 : sent / total)} ${formatBytes(sent)} / ${formatBytes(total)} · ${formatBytes(sent / seconds)}/s`,
    );
  };
  const results: UploadResult[] = [];
  try {
    for (const item of plan) {
      options.signal?.throwIfAborted();
      const uri = s3Uri(item.bucket, item.key);
      if (item.skipIfExists && (await objectExists(s3, item.bucket, item.key))) {
        options.reporter.info(`${uri} is already there (same content): not uploaded again`);
        results.push({ uri, bytes: item.bytes, skipped: true });
        done += item.bytes;
        show(0);
        continue;
      }
      const size = (await stat(item.file)).size;
      const upload = new Upload({
        client: s3,
        params: { Bucket: item.bucket, Key: item.key, Body: size === 0 ? "" : createReadStream(item.file) },
        partSize: PART_SIZE,
        queueSize: 4,
        leavePartsOnError: false,
      });
      upload.on("httpUploadProgress", (p) => show(p.loaded ?? 0));
      const abort = () => void upload.abort();
      options.signal?.addEventListener("abort", abort, { once: true });
      try {
        await upload.done();
      } finally {
        options.signal?.removeEventListener("abort", abort);
      }
      done += item.bytes;
      show(0);
      results.push({ uri, bytes: item.bytes, skipped: false });
    }
    const seconds = (now() - started) / 1000;
    const sent = results.filter((r) => !r.skipped).reduce((s, r) => s + r.bytes, 0);
    stage.succeed(
      `${formatBytes(sent)} sent in ${seconds.toFixed(1)}s${results.some((r) => r.skipped) ? `, ${results.filter((r) => r.skipped).length} unchanged` : ""}`,
    );
    return results;
  } catch (error) {
    stage.fail();
    throw error;
  }
}

export async function objectExists(s3: S3, bucket: string, key: string): Promise<boolean> {
  try {
    await s3.headObject({ Bucket: bucket, Key: key });
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${Math.round(bytes)} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** A 20-cell text bar for the spinner line: ████████░░░░░░░░░░░░ */
export function progressBar(fraction: number, width = 20): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `${"█".repeat(filled)}${"░".repeat(width - filled)}`;
}
