import { Duration, RemovalPolicy } from "aws-cdk-lib";
import * as s3 from "aws-cdk-lib/aws-s3";

/**
 * Protections shared by every Kindling bucket: versioned, no public access, ACLs disabled, TLS-only
 * policy, incomplete multipart uploads aborted after a week, retained when the stack is destroyed
 * (`kindling destroy --delete-data` empties and deletes them explicitly, so CloudFormation never does).
 */
export const protectedBucketProps = {
  versioned: true,
  blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
  objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
  enforceSSL: true,
  minimumTLSVersion: 1.2,
  removalPolicy: RemovalPolicy.RETAIN,
} satisfies s3.BucketProps;

/** Lifecycle rule every bucket carries: abandoned multipart uploads are billed until aborted. */
export const abortMultipartRule: s3.LifecycleRule = {
  id: "abort-incomplete-multipart-uploads",
  abortIncompleteMultipartUploadAfter: Duration.days(7),
};
