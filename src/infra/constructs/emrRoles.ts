import { Aws } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as kms from "aws-cdk-lib/aws-kms";
import type * as s3 from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import { acknowledgeNag, nagArnRef } from "./acknowledge.js";
import { EMR_LOG_PREFIX } from "./logsBucket.js";
import { type RoleNaming, roleIdentity } from "./roleNaming.js";

/**
 * Data bucket prefixes the cluster reads — the jobs' code and specs, input data (and models to score
 * with), the jobs' Python packages, earlier runs — and the one it writes. Only the CLI writes code/,
 * data/ and deps/, so no job can change what another job runs or reads as its input.
 */
export const READ_PREFIXES = ["code/", "data/", "deps/", "runs/"] as const;
export const WRITE_PREFIX = "runs/";

export interface EmrRolesProps {
  dataBucket: s3.IBucket;
  logsBucket: s3.IBucket;
  key: kms.IKey;
  /** `s3://bucket/key.zip` of in-transit TLS certificates the nodes must read, if any. */
  certificateS3Uri?: string;
  naming?: RoleNaming;
  /**
   * Existing roles, referenced instead (immutable: no policy is attached to them). The instance profile
   * is the one named as the instance role, as EMR requires.
   */
  existing?: { serviceRoleArn: string; instanceRoleArn: string };
}

/**
 * Guarantees the EMR service role (AmazonEMRServicePolicy_v2 + PassRole of the instance role only) and an
 * EC2 instance role/profile whose S3 access is limited to the project's bucket prefixes and EMR log prefix;
 * the deprecated AmazonElasticMapReduceforEC2Role is never attached. Or references existing roles, whose
 * permissions are their owner's (plan and deploy check they exist, trust EMR and EC2, and have the profile).
 */
export class EmrRoles extends Construct {
  readonly serviceRole: iam.IRole;
  readonly instanceRole: iam.IRole;
  /** What RunJobFlow's JobFlowRole names. */
  readonly instanceProfileName: string;

  constructor(scope: Construct, id: string, props: EmrRolesProps) {
    super(scope, id);
    if (props.existing) {
      const imported = (name: string, arn: string) =>
        iam.Role.fromRoleArn(this, name, arn, { mutable: false });
      this.serviceRole = imported("ServiceRole", props.existing.serviceRoleArn);
      this.instanceRole = imported("InstanceRole", props.existing.instanceRoleArn);
      this.instanceProfileName = this.instanceRole.roleName;
      return;
    }
    const { dataBucket, logsBucket } = props;

    const instanceRole = new iam.Role(this, "InstanceRole", {
      ...roleIdentity(props.naming, "emr-instance"),
      assumedBy: new iam.ServicePrincipal("ec2.amazonaws.com"),
      description:
        "Kindling EMR nodes: read code/data/deps/runs, write runs/ and EMR logs in this project's buckets",
    });
    const nodePolicy = projectBucketPolicy(this, "InstancePolicy", {
      dataBucket,
      logsBucket,
      logs: {
        name: "Emr",
        prefix: EMR_LOG_PREFIX,
        why: "EMR writes each cluster's logs under emr/<cluster-id>/, unknown until the cluster exists; the wildcard is confined to that prefix of the logs bucket.",
      },
      // Always: the key also encrypts the nodes' EBS volumes and local disks (security configuration).
      key: props.key,
      extra: props.certificateS3Uri ? [certificateStatement(props.certificateS3Uri)] : [],
    });
    instanceRole.attachInlinePolicy(nodePolicy);
    this.instanceRole = instanceRole;

    // Named as its role: EMR refuses an instance profile whose name differs from its role's ("invalid
    // instance profile" at RunJobFlow), though EC2 allows it (EMR Management Guide, "Customize IAM roles").
    const profile = new iam.CfnInstanceProfile(this, "InstanceProfile", {
      roles: [instanceRole.roleName],
      instanceProfileName: instanceRole.roleName,
      ...(props.naming?.path ? { path: props.naming.path } : {}),
    });
    this.instanceProfileName = profile.ref;

    const serviceRole = new iam.Role(this, "ServiceRole", {
      ...roleIdentity(props.naming, "emr-service"),
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
    serviceRole.attachInlinePolicy(
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
    this.serviceRole = serviceRole;
    acknowledgeNag(
      serviceRole,
      "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonEMRServicePolicy_v2]",
      "AmazonEMRServicePolicy_v2 is the AWS-maintained least-privilege EMR service policy: it only acts on resources tagged for-use-with-amazon-emr-managed-policies=true, and tracks new EMR API needs that a copy would miss.",
    );
  }
}

/** What a role running the project's Spark jobs may do with the project's buckets. */
export interface ProjectBucketAccess {
  dataBucket: s3.IBucket;
  logsBucket: s3.IBucket;
  /** Where in the logs bucket the role writes its logs. */
  logs: {
    /** Names the log statements: "Emr" gives the sids WriteEmrLogs and ListEmrLogs. */
    name: string;
    /** Prefix of the logs bucket, with its trailing slash ("emr/"). */
    prefix: string;
    /** Why the object wildcard under the prefix cannot be narrower (the cdk-nag acknowledgment's reason). */
    why: string;
  };
  /** The foundation key, when the role must use it (SSE-KMS objects, encrypted volumes). */
  key?: kms.IKey;
  /** Further statements, after the bucket and key ones. */
  extra?: iam.PolicyStatement[];
}

/**
 * The least-privilege S3 policy shared by every role that runs the project's Spark jobs (the EMR instance
 * role, the EMR Serverless job runtime role): list and read code/, data/, deps/, runs/ of the data bucket, write
 * only runs/, write and list logs under one prefix of the logs bucket, and use the foundation key if given.
 * No s3:* and no bucket other than the project's. The cdk-nag findings its wildcards raise are acknowledged
 * on the policy, with their reasons.
 */
export function projectBucketPolicy(scope: Construct, id: string, access: ProjectBucketAccess): iam.Policy {
  const { dataBucket, logsBucket, logs, key } = access;
  const policy = new iam.Policy(scope, id, {
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
        sid: "ReadCodeDataDepsRuns",
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
        sid: `Write${logs.name}Logs`,
        actions: ["s3:PutObject"],
        resources: [logsBucket.arnForObjects(`${logs.prefix}*`)],
      }),
      new iam.PolicyStatement({
        sid: `List${logs.name}Logs`,
        actions: ["s3:ListBucket"],
        resources: [logsBucket.bucketArn],
        conditions: { StringLike: { "s3:prefix": [logs.prefix.slice(0, -1), `${logs.prefix}*`] } },
      }),
      ...(key
        ? [
            new iam.PolicyStatement({
              sid: "UseFoundationKey",
              actions: [
                "kms:Decrypt",
                "kms:Encrypt",
                "kms:GenerateDataKey*",
                "kms:ReEncrypt*",
                "kms:DescribeKey",
              ],
              resources: [key.keyArn],
            }),
          ]
        : []),
      ...(access.extra ?? []),
    ],
  });
  const readWhy =
    "Object-level wildcards are confined to this project's data bucket prefixes code/, data/, deps/, runs/ (read) and runs/ (write): run ids and content hashes are made per run, so the keys cannot be listed in advance.";
  for (const p of READ_PREFIXES) {
    acknowledgeNag(policy, `AwsSolutions-IAM5[Resource::${nagArnRef(dataBucket)}/${p}*]`, readWhy);
  }
  acknowledgeNag(policy, `AwsSolutions-IAM5[Resource::${nagArnRef(logsBucket)}/${logs.prefix}*]`, logs.why);
  if (key) {
    acknowledgeNag(
      policy,
      "AwsSolutions-IAM5[Action::kms:GenerateDataKey*]",
      "GenerateDataKey* covers GenerateDataKey and GenerateDataKeyWithoutPlaintext on the single foundation key, both used by S3 SSE-KMS (and by EBS encryption on EMR nodes).",
    );
    acknowledgeNag(
      policy,
      "AwsSolutions-IAM5[Action::kms:ReEncrypt*]",
      "ReEncrypt* (ReEncryptFrom/ReEncryptTo) is limited to the single foundation key; S3 needs it when objects are copied between keys.",
    );
  }
  return policy;
}

function certificateStatement(uri: string): iam.PolicyStatement {
  const [bucket, ...key] = uri.replace(/^s3:\/\//, "").split("/");
  return new iam.PolicyStatement({
    sid: "ReadTlsCertificates",
    actions: ["s3:GetObject"],
    resources: [`arn:${Aws.PARTITION}:s3:::${bucket}/${key.join("/")}`],
  });
}
