import type { S3 } from "@aws-sdk/client-s3";
import { deleteAllVersions } from "../aws/deleteVersions.js";
import { errorName } from "../aws/errors.js";

/** The S3 calls `kindling destroy --delete-data` makes. */
export type BucketApi = Pick<
  S3,
  "listObjectVersions" | "deleteObjects" | "deleteBucket" | "listBuckets" | "getBucketTagging"
>;

/**
 * Deletes every object version and delete marker of a versioned bucket, then the bucket.
 * Returns the number of versions deleted, or undefined when the bucket does not exist (already deleted).
 */
export async function emptyAndDeleteBucket(
  s3: BucketApi,
  bucket: string,
  onProgress: (deleted: number) => void = () => {},
): Promise<number | undefined> {
  try {
    const deleted = await deleteAllVersions(s3, bucket, undefined, onProgress);
    await s3.deleteBucket({ Bucket: bucket });
    return deleted;
  } catch (e) {
    if (errorName(e) === "NoSuchBucket") return undefined;
    throw e;
  }
}

/**
 * Buckets CloudFormation created for `stackName` and left behind on delete (RETAIN): found by the
 * `aws:cloudformation:stack-name` tag CloudFormation puts on them.
 */
export async function findRetainedBuckets(s3: BucketApi, stackName: string): Promise<string[]> {
  const found: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.listBuckets({ Prefix: "kindling-", ContinuationToken: token });
    for (const b of page.Buckets ?? []) {
      if (!b.Name) continue;
      try {
        const tags = await s3.getBucketTagging({ Bucket: b.Name });
        const owner = tags.TagSet?.find((t) => t.Key === "aws:cloudformation:stack-name")?.Value;
        if (owner === stackName) found.push(b.Name);
      } catch (e) {
        if (errorName(e) === "NoSuchTagSet" || errorName(e) === "NoSuchBucket") continue;
        throw e;
      }
    }
    token = page.ContinuationToken;
  } while (token);
  return found;
}
