import { type CfnElement, type CfnResource, Stack, Validations } from "aws-cdk-lib";
import type { IBucket } from "aws-cdk-lib/aws-s3";
import type { IConstruct } from "constructs";

/**
 * Acknowledges one cdk-nag finding on `scope` (and everything under it). cdk-nag v3 removed
 * `NagSuppressions`; acknowledgments go through CDK's own `Validations.of(scope).acknowledge`, which
 * cdk-nag reads back. The reason is mandatory and must say why the finding does not apply here.
 */
export function acknowledgeNag(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

/**
 * Tells checkov to skip one check on one resource, with the reason, as template metadata
 * (`Metadata.checkov.skip[]`, checkov's CloudFormation form of `checkov:skip=ID:reason`).
 */
export function skipCheckov(resource: CfnResource, id: string, reason: string): void {
  const existing = resource.getMetadata("checkov") as
    | { skip?: { id: string; comment: string }[] }
    | undefined;
  const skip = [...(existing?.skip ?? []), { id, comment: reason }];
  resource.addMetadata("checkov", { skip });
}

/**
 * How cdk-nag spells a bucket's ARN inside a finding id: `Fn::GetAtt [<resource>, Arn]` of a bucket the
 * stack creates (`<DataBucketE3889A50.Arn>`, computed from the construct so acknowledgments survive
 * construct-tree changes), the ARN itself with its partition placeholder for a referenced bucket.
 */
export function nagArnRef(bucket: IBucket): string {
  const cfn = bucket.node.defaultChild as CfnElement | undefined;
  if (!cfn) return `arn:<AWS::Partition>:s3:::${bucket.bucketName}`;
  return `<${Stack.of(bucket).getLogicalId(cfn)}.Arn>`;
}
