import { Aws } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as kms from "aws-cdk-lib/aws-kms";
import type * as s3 from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import { acknowledgeNag, nagArnRef } from "./acknowledge.js";
import { EMR_LOG_PREFIX } from "./logsBucket.js";

/** Data bucket prefixes the cluster reads (job code, input data, earlier runs) and the one it writes. */
export const READ_PREFIXES = ["code/", "data/", "runs/"] as const;
export const WRITE_PREFIX = "runs/";

export interface EmrRolesProps {
  dataBucket: s3.Bucket;
  logsBucket: s3.Bucket;
  key: kms.IKey;
  /** `s3://bucket/key.zip` of in-transit TLS certificates the nodes must read, if any. */
  certificateS3Uri?: string;
}

/**
 * Guarantees the EMR service role (AmazonEMRServicePolicy_v2 + PassRole of the instance role only) and an
 * EC2 instance role/profile whose S3 access is limited to the project's bucket prefixes and EMR log prefix;
 * the deprecated AmazonElasticMapReduceforEC2Role is never attached.
 */
export class EmrRoles extends Construct {
  readonly serviceRole: iam.Role;
  readonly instanceRole: iam.Role;
  readonly instanceProfile: iam.CfnInstanceProfile;

  constructor(scope: Construct, id: string, props: EmrRolesProps) {
    super(scope, id);
    const { dataBucket, logsBucket } = props;

    this.instanceRole = new iam.Role(this, "InstanceRole", {
      assumedBy: new iam.ServicePrincipal("ec2.amazonaws.com"),
      description:
        "Kindling EMR nodes: read code/data/runs, write runs/ and EMR logs in this project's buckets",
    });
    const nodePolicy = new iam.Policy(this, "InstancePolicy", {
      statements: [
        new iam.PolicyStatement({
          sid: "ListProjectPrefixes",
          actions: ["s3:ListBucket"],
          resources: [dataBucket.bucketArn],
          conditions: {
            StringLike: { "s3:prefix": READ_PREFIXES.flatMap((p) => [p.slice(0, -1), `${p}*`]) },
          },
        }),
        new iam.PolicyStatement({
          sid: "LocateBuckets",
          actions: ["s3:GetBucketLocation"],
          resources: [dataBucket.bucketArn, logsBucket.bucketArn],
        }),
        new iam.PolicyStatement({
          sid: "ReadCodeDataRuns",
          actions: ["s3:GetObject"],
          resources: READ_PREFIXES.map((p) => dataBucket.arnForObjects(`${p}*`)),
        }),
        new iam.PolicyStatement({
          sid: "WriteRunOutputs",
          // Delete and multipart actions: Spark's output committer writes temporary files and removes them.
          actions: [
            "s3:PutObject",
            "s3:DeleteObject",
            "s3:AbortMultipartUpload",
            "s3:ListMultipartUploadParts",
          ],
          resources: [dataBucket.arnForObjects(`${WRITE_PREFIX}*`)],
        }),
        new iam.PolicyStatement({
          sid: "WriteEmrLogs",
          actions: ["s3:PutObject"],
          resources: [logsBucket.arnForObjects(`${EMR_LOG_PREFIX}*`)],
        }),
        new iam.PolicyStatement({
          sid: "ListEmrLogs",
          actions: ["s3:ListBucket"],
          resources: [logsBucket.bucketArn],
          conditions: { StringLike: { "s3:prefix": ["emr", `${EMR_LOG_PREFIX}*`] } },
        }),
        new iam.PolicyStatement({
          sid: "UseFoundationKey",
          actions: [
            "kms:Decrypt",
            "kms:Encrypt",
            "kms:GenerateDataKey*",
            "kms:ReEncrypt*",
            "kms:DescribeKey",
          ],
          resources: [props.key.keyArn],
        }),
        ...(props.certificateS3Uri ? [certificateStatement(props.certificateS3Uri)] : []),
      ],
    });
    this.instanceRole.attachInlinePolicy(nodePolicy);
    const readWhy =
      "Object-level wildcards are confined to this project's data bucket prefixes code/, data/, runs/ (read) and runs/ (write): run ids are created per run, so the keys cannot be listed in advance.";
    for (const p of READ_PREFIXES) {
      acknowledgeNag(nodePolicy, `AwsSolutions-IAM5[Resource::${nagArnRef(dataBucket)}/${p}*]`, readWhy);
    }
    acknowledgeNag(
      nodePolicy,
      `AwsSolutions-IAM5[Resource::${nagArnRef(logsBucket)}/${EMR_LOG_PREFIX}*]`,
      "EMR writes each cluster's logs under emr/<cluster-id>/, unknown until the cluster exists; the wildcard is confined to that prefix of the logs bucket.",
    );
    acknowledgeNag(
      nodePolicy,
      "AwsSolutions-IAM5[Action::kms:GenerateDataKey*]",
      "GenerateDataKey* covers GenerateDataKey and GenerateDataKeyWithoutPlaintext on the single foundation key, both used by S3 SSE-KMS and EBS encryption.",
    );
    acknowledgeNag(
      nodePolicy,
      "AwsSolutions-IAM5[Action::kms:ReEncrypt*]",
      "ReEncrypt* (ReEncryptFrom/ReEncryptTo) is limited to the single foundation key; S3 needs it when objects are copied between keys.",
    );

    this.instanceProfile = new iam.CfnInstanceProfile(this, "InstanceProfile", {
      roles: [this.instanceRole.roleName],
    });

    this.serviceRole = new iam.Role(this, "ServiceRole", {
      assumedBy: new iam.ServicePrincipal("elasticmapreduce.amazonaws.com", {
        conditions: {
          StringEquals: { "aws:SourceAccount": Aws.ACCOUNT_ID },
          ArnLike: {
            "aws:SourceArn": `arn:${Aws.PARTITION}:elasticmapreduce:${Aws.REGION}:${Aws.ACCOUNT_ID}:*`,
          },
        },
      }),
      description: "Kindling EMR service role (AmazonEMRServicePolicy_v2)",
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName("service-role/AmazonEMRServicePolicy_v2")],
    });
    this.serviceRole.attachInlinePolicy(
      new iam.Policy(this, "PassInstanceRole", {
        statements: [
          new iam.PolicyStatement({
            sid: "PassInstanceRoleToEc2",
            actions: ["iam:PassRole"],
            resources: [this.instanceRole.roleArn],
            conditions: { StringEquals: { "iam:PassedToService": "ec2.amazonaws.com" } },
          }),
        ],
      }),
    );
    acknowledgeNag(
      this.serviceRole,
      "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonEMRServicePolicy_v2]",
      "AmazonEMRServicePolicy_v2 is the AWS-maintained least-privilege EMR service policy: it only acts on resources tagged for-use-with-amazon-emr-managed-policies=true, and tracks new EMR API needs that a copy would miss.",
    );
  }
}

function certificateStatement(uri: string): iam.PolicyStatement {
  const [bucket, ...key] = uri.replace(/^s3:\/\//, "").split("/");
  return new iam.PolicyStatement({
    sid: "ReadTlsCertificates",
    actions: ["s3:GetObject"],
    resources: [`arn:${Aws.PARTITION}:s3:::${bucket}/${key.join("/")}`],
  });
}
