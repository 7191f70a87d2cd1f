import { type CfnResource, Duration } from "aws-cdk-lib";
import * as s3 from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import { skipCheckov } from "./acknowledge.js";
import { abortMultipartRule, protectedBucketProps } from "./bucketDefaults.js";

/** Prefix under the logs bucket that EMR writes cluster logs to (the cluster's LogUri). */
export const EMR_LOG_PREFIX = "emr/";
export { SERVERLESS_LOG_PREFIX } from "../outputs.js";
/** Prefix under the logs bucket that receives the data bucket's server access logs. */
export const ACCESS_LOG_PREFIX = "s3-access/data/";

/**
 * Guarantees a private, TLS-only, SSE-S3 logs bucket whose objects expire after the configured days; or
 * references an existing bucket (its retention is its owner's).
 */
export class LogsBucket extends Construct {
  readonly bucket: s3.IBucket;

  constructor(scope: Construct, id: string, props: { retentionDays: number; existingName?: string }) {
    super(scope, id);
    if (props.existingName) {
      this.bucket = s3.Bucket.fromBucketName(this, "Bucket", props.existingName);
      return;
    }
    const bucket = new s3.Bucket(this, "Bucket", {
      ...protectedBucketProps,
      // S3 server access log delivery only supports SSE-S3 target buckets.
      encryption: s3.BucketEncryption.S3_MANAGED,
      lifecycleRules: [
        abortMultipartRule,
        {
          id: "expire-logs",
          expiration: Duration.days(props.retentionDays),
          noncurrentVersionExpiration: Duration.days(1),
          expiredObjectDeleteMarker: false,
        },
      ],
    });
    this.bucket = bucket;
    const cfn = bucket.node.defaultChild as CfnResource;
    const noSelfLogging =
      "This is the access-log target of the data bucket; logging a log bucket into itself loops and into another bucket only moves the problem. Writes to it come from EMR nodes, EMR Serverless job runs and S3 log delivery only.";
    skipCheckov(cfn, "CKV_AWS_18", noSelfLogging);
  }
}
