import type { S3 } from "@aws-sdk/client-s3";
import { isNotFound } from "../../aws/errors.js";
import { UsageError } from "../../errors.js";

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
