import { describe, expect, it } from "vitest";
import { clearPreparedEntries } from "../../src/cache/preparedText.js";
import { type PreparedS3, S3PreparedStore } from "../../src/cache/s3PreparedStore.js";
import { type ApiRequest, validateAgainstApiModels } from "../aws/apiModels.js";

/**
 * An S3 holding one complete entry (two versions of a file and a delete marker) that records every request
 * the cloud cache makes, as botocore names them. Listings come in two pages, so the continuation members
 * are sent too.
 */
function recordingS3(): { s3: PreparedS3; requests: ApiRequest[] } {
  const requests: ApiRequest[] = [];
  const record = (operation: string, params: Record<string, unknown>) =>
    requests.push({ service: "s3", operation, params: { ...params } });
  const prefix = "runs/_prepared-text/1a2b/";
  const s3 = {
    listObjectsV2: async (p: { ContinuationToken?: string }) => {
      record("ListObjectsV2", p);
      return p.ContinuationToken
        ? { Contents: [{ Key: `${prefix}entry.json`, Size: 60, LastModified: new Date() }] }
        : {
            Contents: [{ Key: `${prefix}train/part-00000-x.parquet`, Size: 100, LastModified: new Date() }],
            IsTruncated: true,
            NextContinuationToken: "page-2",
          };
    },
    getObject: async (p: Record<string, unknown>) => {
      record("GetObject", p);
      const text = JSON.stringify({
        created_at: "2026-12-07T10:00:00Z",
        run_id: "20261207-100000-spam-aaaa",
      });
      return { Body: { transformToString: async () => text } };
    },
    listObjectVersions: async (p: { KeyMarker?: string }) => {
      record("ListObjectVersions", p);
      return p.KeyMarker
        ? { DeleteMarkers: [{ Key: `${prefix}entry.json`, VersionId: "m1" }] }
        : {
            Versions: [
              { Key: `${prefix}train/part-00000-x.parquet`, VersionId: "v1" },
              { Key: `${prefix}train/part-00000-x.parquet`, VersionId: "v2" },
            ],
            IsTruncated: true,
            NextKeyMarker: `${prefix}train/part-00000-x.parquet`,
            NextVersionIdMarker: "v2",
          };
    },
    deleteObjects: async (p: Record<string, unknown>) => {
      record("DeleteObjects", p);
      return {};
    },
  } as unknown as PreparedS3;
  return { s3, requests };
}

describe("the cloud cache's S3 requests", () => {
  it("are valid by AWS's published API models: listing, reading entry.json, deleting every version", async () => {
    const { s3, requests } = recordingS3();
    const store = new S3PreparedStore(s3, "kindling-spam-data-123456789012-us-east-1");

    const removed = await clearPreparedEntries(store, ["1a"]);

    expect(removed.map((e) => [e.key, e.bytes, e.complete])).toEqual([["1a2b", 160, true]]);
    expect(requests.map((r) => r.operation)).toEqual([
      "ListObjectsV2",
      "ListObjectsV2",
      "GetObject",
      "ListObjectVersions",
      "DeleteObjects",
      "ListObjectVersions",
      "DeleteObjects",
    ]);
    expect(validateAgainstApiModels(requests)).toEqual(requests.map(() => ""));
  });
});
