import type { S3 } from "@aws-sdk/client-s3";

/** The S3 calls deleting every version of some objects makes. */
export type VersionsApi = Pick<S3, "listObjectVersions" | "deleteObjects">;

/**
 * Deletes every version and delete marker of the objects under `prefix` (the whole bucket without one):
 * in a versioned bucket a plain delete only hides an object behind a marker, and its versions stay billed.
 * Returns how many were deleted.
 */
export async function deleteAllVersions(
  s3: VersionsApi,
  bucket: string,
  prefix?: string,
  onProgress: (deleted: number) => void = () => {},
): Promise<number> {
  let deleted = 0;
  let keyMarker: string | undefined;
  let versionMarker: string | undefined;
  for (;;) {
    const page = await s3.listObjectVersions({
      Bucket: bucket,
      ...(prefix ? { Prefix: prefix } : {}),
      KeyMarker: keyMarker,
      VersionIdMarker: versionMarker,
    });
    const objects = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])]
      .filter((o): o is { Key: string; VersionId?: string } => typeof o.Key === "string")
      .map((o) => ({ Key: o.Key, VersionId: o.VersionId }));
    // DeleteObjects takes at most 1000 keys; a page holds at most 1000 versions plus markers.
    for (let i = 0; i < objects.length; i += 1000) {
      const batch = objects.slice(i, i + 1000);
      const res = await s3.deleteObjects({ Bucket: bucket, Delete: { Objects: batch, Quiet: true } });
      const failed = res.Errors ?? [];
      if (failed.length > 0) {
        const first = failed[0];
        throw new Error(
          `Could not delete ${failed.length} object(s) from ${bucket}, e.g. ${first?.Key}: ${first?.Code} ${first?.Message}`,
        );
      }
      deleted += batch.length;
      onProgress(deleted);
    }
    if (!page.IsTruncated) return deleted;
    keyMarker = page.NextKeyMarker;
    versionMarker = page.NextVersionIdMarker;
  }
}
