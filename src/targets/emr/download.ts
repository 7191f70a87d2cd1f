import { createWriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { S3 } from "@aws-sdk/client-s3";
import { isPlainKey } from "../../runs/remote.js";
import { SUCCESS_MARKER } from "../../runs/store.js";
import { CODES } from "../../ui/codes.js";
import { formatBytes } from "../../ui/format.js";
import type { IoHost } from "../../ui/io.js";
import { isRunInput } from "./layout.js";

/**
 * Downloads what the job wrote under the run's prefix into the local run directory, except the inputs
 * the CLI uploaded (spec, code), `_SUCCESS`, which the CLI writes itself, last, and keys with empty,
 * "." or ".." segments (left in S3 and named in the span's end).
 */
export async function downloadOutputs(
  s3: Pick<S3, "listObjectsV2" | "getObject">,
  bucket: string,
  prefix: string,
  runDir: string,
  io: IoHost,
): Promise<{ files: number; bytes: number; skipped: string[] }> {
  const uri = `s3://${bucket}/${prefix}`;
  const skipped: string[] = [];
  const stage = io.span(CODES.S3_DOWNLOAD.msg(`Downloading ${uri}`, { uri }));
  let files = 0;
  let bytes = 0;
  try {
    let token: string | undefined;
    do {
      const page = await s3.listObjectsV2({ Bucket: bucket, Prefix: prefix, ContinuationToken: token });
      for (const object of page.Contents ?? []) {
        const key = object.Key;
        if (!key || key.endsWith("/")) continue;
        const relative = key.slice(prefix.length);
        // "./_SUCCESS" would land on the local _SUCCESS, which only the CLI writes.
        if (!isPlainKey(relative)) {
          skipped.push(key);
          continue;
        }
        if (isRunInput(relative) || relative === SUCCESS_MARKER || relative.endsWith("_$folder$")) continue;
        const target = path.join(runDir, ...relative.split("/"));
        if (!target.startsWith(path.resolve(runDir) + path.sep)) continue;
        await mkdir(path.dirname(target), { recursive: true });
        const res = await s3.getObject({ Bucket: bucket, Key: key });
        const body = res.Body as Readable | undefined;
        await pipeline(body ?? Readable.from([]), createWriteStream(target));
        files += 1;
        bytes += object.Size ?? 0;
        stage.update(`${files} files, ${formatBytes(bytes)}`);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    stage.succeed(
      `${files} files, ${formatBytes(bytes)}${skipped.length > 0 ? `; left ${skipped.length} object(s) whose keys are not plain paths: ${skipped.slice(0, 3).join(", ")}` : ""}`,
    );
    return { files, bytes, skipped };
  } catch (error) {
    stage.fail();
    throw error;
  }
}
