import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { S3 } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { isNotFound } from "../../aws/errors.js";
import { CODES } from "../../ui/codes.js";
import { formatBytes, formatDuration } from "../../ui/format.js";
import type { IoHost } from "../../ui/io.js";
import { s3Uri } from "./layout.js";

/** One file to put in S3. */
export interface PlannedUpload {
  kind: "code" | "spec" | "data" | "deps";
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

/** lib-storage sends a file of this size or more in parts, a smaller one in one PutObject. */
const PART_SIZE = 16 * 1024 * 1024;

/**
 * Uploads the planned files, skipping content-addressed ones that already exist (HeadObject), with one
 * progress line: bytes sent of the total and the rate.
 */
export async function uploadAll(
  s3: S3,
  plan: readonly PlannedUpload[],
  options: { io: IoHost; signal?: AbortSignal; now?: () => number },
): Promise<UploadResult[]> {
  const now = options.now ?? (() => Date.now());
  const total = plan.reduce((sum, u) => sum + u.bytes, 0);
  const stage = options.io.span(
    CODES.S3_UPLOAD.msg(`Uploading ${plan.length} files (${formatBytes(total)})`, {
      files: plan.length,
      bytes: total,
    }),
  );
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
        options.io.notify(
          CODES.S3_UNCHANGED.msg(`${uri} is already there (same content): not uploaded again`, { uri }),
        );
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
      `${formatBytes(sent)} sent in ${formatDuration(seconds)}${results.some((r) => r.skipped) ? `, ${results.filter((r) => r.skipped).length} unchanged` : ""}`,
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

/** A 20-cell text bar for the spinner line: ████████░░░░░░░░░░░░ */
export function progressBar(fraction: number, width = 20): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `${"█".repeat(filled)}${"░".repeat(width - filled)}`;
}
