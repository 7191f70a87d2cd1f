import type { S3 } from "@aws-sdk/client-s3";
import { deleteAllVersions } from "../aws/deleteVersions.js";
import { isNotFound } from "../aws/errors.js";
import { mapLimited } from "../limit.js";
import {
  describedEntry,
  ENTRY_FILE,
  oldestFirst,
  type PreparedEntry,
  type PreparedStore,
} from "./preparedText.js";

/** The S3 calls the cloud cache makes. */
export type PreparedS3 = Pick<S3, "listObjectsV2" | "getObject" | "listObjectVersions" | "deleteObjects">;

/**
 * Under runs/ because the nodes' role (EMR and EMR Serverless) may already read and write there and
 * nowhere else, so the cache needs no wider policy; `_` keeps it apart from run ids (which start with a
 * digit), so the shared history never lists it as a run.
 */
export const PREPARED_PREFIX = "runs/_prepared-text/";
/** entry.json reads in flight while listing. */
const CONCURRENCY = 8;

interface Listed {
  bytes: number;
  /** The newest object's time: a partial entry's age. */
  lastModified: Date;
  hasEntryFile: boolean;
}

/**
 * Cloud runs' entries: `s3://<data bucket>/runs/_prepared-text/<key>/`, one prefix per entry, with the
 * same files as a local entry. The job writes an entry in place with entry.json last (S3 has no atomic
 * rename), so an entry without it is partial.
 */
export class S3PreparedStore implements PreparedStore {
  readonly uri: string;
  readonly display: string;

  constructor(
    private readonly s3: PreparedS3,
    readonly bucket: string,
  ) {
    this.uri = `s3://${bucket}/${PREPARED_PREFIX.replace(/\/$/, "")}`;
    this.display = this.uri;
  }

  async list(): Promise<PreparedEntry[]> {
    const listed = new Map<string, Listed>();
    let token: string | undefined;
    do {
      const page = await this.s3.listObjectsV2({
        Bucket: this.bucket,
        Prefix: PREPARED_PREFIX,
        ContinuationToken: token,
      });
      for (const object of page.Contents ?? []) {
        const [key, ...rest] = (object.Key ?? "").slice(PREPARED_PREFIX.length).split("/");
        if (!key || rest.length === 0) continue; // an object beside the entries is none of them
        const seen = listed.get(key) ?? { bytes: 0, lastModified: new Date(0), hasEntryFile: false };
        seen.bytes += object.Size ?? 0;
        if (object.LastModified && object.LastModified > seen.lastModified)
          seen.lastModified = object.LastModified;
        seen.hasEntryFile ||= rest.join("/") === ENTRY_FILE;
        listed.set(key, seen);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    const entries = await mapLimited([...listed], CONCURRENCY, async ([key, seen]) => {
      const text = seen.hasEntryFile ? await this.entryText(key) : undefined;
      return (
        describedEntry(key, seen.bytes, text) ?? {
          key,
          bytes: seen.bytes,
          createdAt: seen.lastModified,
          complete: false,
        }
      );
    });
    return oldestFirst(entries);
  }

  /** Every version of the entry's objects: the bucket is versioned, and its space is what counts. */
  async remove(entry: PreparedEntry): Promise<void> {
    await deleteAllVersions(this.s3, this.bucket, `${PREPARED_PREFIX}${entry.key}/`);
  }

  private async entryText(key: string): Promise<string | undefined> {
    try {
      const res = await this.s3.getObject({
        Bucket: this.bucket,
        Key: `${PREPARED_PREFIX}${key}/${ENTRY_FILE}`,
      });
      return await res.Body?.transformToString("utf8");
    } catch (error) {
      // Removed since the listing (another run's eviction): listed as partial, and removing it is harmless.
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }
}
