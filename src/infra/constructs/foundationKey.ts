import { Aws, RemovalPolicy } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as kms from "aws-cdk-lib/aws-kms";
import { Construct } from "constructs";
import { acknowledgeNag } from "./acknowledge.js";

export interface FoundationKeyProps {
  alias: string;
  /** An existing key's ARN, referenced instead: its key policy is its owner's, and stays as it is. */
  existingArn?: string;
}

/**
 * Guarantees one customer-managed KMS key with yearly rotation, usable only by the principals granted
 * here; or references an existing key, whose policy the stack leaves alone: the roles the stack creates
 * get its use in their own policies, which a key policy that lets IAM policies grant it honours (plan
 * and deploy check that it does).
 */
export class FoundationKey extends Construct {
  readonly key: kms.IKey;
  private readonly owned: kms.Key | undefined;

  constructor(scope: Construct, id: string, props: FoundationKeyProps) {
    super(scope, id);
    if (props.existingArn) {
      this.key = kms.Key.fromKeyArn(this, "Key", props.existingArn);
      this.owned = undefined;
      return;
    }
    this.owned = new kms.Key(this, "Key", {
      description: "Kindling foundation: EMR local disk/EBS encryption, flow logs, optional SSE-KMS data",
      enableKeyRotation: true,
      alias: props.alias,
      // The key lives as long as the data: the retained data bucket may hold objects encrypted under it
      // (with sse-kms now, or in any earlier deploy: a mode changed since then cannot tell), so the
      // stack never schedules its deletion; `kindling destroy --delete-data` does, once the buckets are gone.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.key = this.owned;
  }

  /**
   * Lets an IAM role use the key for data and for EBS volumes (grants limited to AWS resources): in the
   * key policy of an owned key; in the role's own policy for an existing key, whose key policy is its
   * owner's (an existing role's policy is its owner's too: then nothing is added anywhere).
   */
  allowUse(role: iam.IRole, sid: string): void {
    const use = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"];
    const grants = ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"];
    const forAwsResources = { Bool: { "kms:GrantIsForAWSResource": "true" } };
    if (!this.owned) {
      const { statementAdded, policyDependable } = role.addToPrincipalPolicy(
        new iam.PolicyStatement({ sid: `${sid}UseKey`, actions: use, resources: [this.key.keyArn] }),
      );
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: `${sid}GrantForAwsResources`,
          actions: grants,
          resources: [this.key.keyArn],
          conditions: forAwsResources,
        }),
      );
      if (statementAdded && policyDependable) {
        acknowledgeNag(
          role,
          "AwsSolutions-IAM5[Action::kms:ReEncrypt*]",
          "ReEncrypt* (ReEncryptFrom/ReEncryptTo) on the single key aws.existing names; S3 needs it when objects are copied between keys.",
        );
        acknowledgeNag(
          role,
          "AwsSolutions-IAM5[Action::kms:GenerateDataKey*]",
          "GenerateDataKey* covers GenerateDataKey and GenerateDataKeyWithoutPlaintext on the single key aws.existing names, both used by S3 SSE-KMS and EBS encryption.",
        );
      }
      return;
    }
    this.owned.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: `${sid}UseKey`,
        principals: [role],
        actions: use,
        resources: ["*"],
      }),
    );
    this.owned.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: `${sid}GrantForAwsResources`,
        principals: [role],
        actions: grants,
        resources: ["*"],
        conditions: forAwsResources,
      }),
    );
  }

  /** Lets CloudWatch Logs encrypt one named log group with the key, and nothing else (owned key only). */
  allowLogGroup(logGroupName: string): void {
    this.owned?.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: "CloudWatchLogsUseKey",
        principals: [new iam.ServicePrincipal(`logs.${Aws.REGION}.amazonaws.com`)],
        actions: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
        resources: ["*"],
        conditions: {
          ArnEquals: {
            "kms:EncryptionContext:aws:logs:arn": `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:${logGroupName}`,
          },
        },
      }),
    );
  }
}
