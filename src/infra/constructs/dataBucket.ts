import { Duration } from "aws-cdk-lib";
import type * as kms from "aws-cdk-lib/aws-kms";
import * as s3 from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import type { BucketEncryption } from "../settings.js";
import { abortMultipartRule, protectedBucketProps } from "./bucketDefaults.js";
import { ACCESS_LOG_PREFIX } from "./logsBucket.js";

export interface DataBucketProps {
  encryption: BucketEncryption;
  /** Used when `encryption` is "sse-kms". */
  key: kms.IKey;
  logsBucket: s3.IBucket;
  /** An existing bucket's name, referenced instead: its settings are its owner's. */
  existingName?: string;
}

/**
 * Guarantees a private, versioned, encrypted, TLS-only data bucket with server access logs, retained on
 * destroy; or references an existing bucket (plan and deploy check that its encryption fits).
 */
export class DataBucket extends Construct {
  readonly bucket: s3.IBucket;

  constructor(scope: Construct, id: string, props: DataBucketProps) {
    super(scope, id);
    if (props.existingName) {
      this.bucket = s3.Bucket.fromBucketName(this, "Bucket", props.existingName);
      return;
    }
    const kmsMode = props.encryption === "sse-kms";
    this.bucket = new s3.Bucket(this, "Bucket", {
      ...protectedBucketProps,
      encryption: kmsMode ? s3.BucketEncryption.KMS : s3.BucketEncryption.S3_MANAGED,
      ...(kmsMode ? { encryptionKey: props.key, bucketKeyEnabled: true } : {}),
      serverAccessLogsBucket: props.logsBucket,
      serverAccessLogsPrefix: ACCESS_LOG_PREFIX,
      lifecycleRules: [
        abortMultipartRule,
        // Versioning protects against overwrites; old versions are kept a month, not forever.
        { id: "expire-noncurrent-versions", noncurrentVersionExpiration: Duration.days(30) },
      ],
    });
  }
}
