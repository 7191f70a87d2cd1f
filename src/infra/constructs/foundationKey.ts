import { Aws, Duration, RemovalPolicy } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as kms from "aws-cdk-lib/aws-kms";
import { Construct } from "constructs";

export interface FoundationKeyProps {
  alias: string;
  /** Keep the key when the stack is deleted (set when retained data may be encrypted under it). */
  retain: boolean;
  /** An existing key's ARN, referenced instead: its key policy is its owner's, and stays as it is. */
  existingArn?: string;
}

/**
 * Guarantees one customer-managed KMS key with yearly rotation, usable only by the principals granted
 * here; or references an existing key, whose policy the stack leaves alone (the roles' IAM policies grant
 * its use, which a default key policy honours).
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
      // With SSE-KMS the retained data bucket is encrypted under this key, so it must outlive the stack.
      // Otherwise it only protects EBS volumes and flow logs that die with the stack: schedule deletion.
      removalPolicy: props.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    this.key = this.owned;
  }

  /** Lets an IAM role use the key (an existing key: nothing, its policy is its owner's) for data and for EBS volumes (grants limited to AWS resources). */
  allowUse(role: iam.IRole, sid: string): void {
    this.owned?.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: `${sid}UseKey`,
        principals: [role],
        actions: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
        resources: ["*"],
      }),
    );
    this.owned?.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: `${sid}GrantForAwsResources`,
        principals: [role],
        actions: ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
        resources: ["*"],
        conditions: { Bool: { "kms:GrantIsForAWSResource": "true" } },
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
