import { KindlingError } from "../../errors.js";
import { type CloudFormationApi, describeStack } from "../../infra/awsApis.js";
import { type FoundationOutputs, OUTPUT_KEYS, parseFoundationOutputs } from "../../infra/foundationStack.js";

const USABLE = /^(CREATE_COMPLETE|UPDATE_COMPLETE|UPDATE_ROLLBACK_COMPLETE|IMPORT_COMPLETE)$/;

/** The deployed foundation's outputs, or undefined when the stack does not exist. */
export async function findFoundation(
  cfn: CloudFormationApi,
  stackName: string,
): Promise<FoundationOutputs | undefined> {
  const stack = await describeStack(cfn, stackName);
  if (!stack) return undefined;
  if (!USABLE.test(stack.status)) {
    throw new KindlingError(`The foundation stack ${stackName} is ${stack.status}, not ready for a run.`, {
      hint: "Wait for it to settle, or run `kindling deploy` to bring it up to date.",
    });
  }
  return parseFoundationOutputs(stack.outputs, stackName);
}

/** Like findFoundation, but a missing stack is an error that says what to run. */
export async function requireFoundation(
  cfn: CloudFormationApi,
  stackName: string,
  region: string,
): Promise<FoundationOutputs> {
  const found = await findFoundation(cfn, stackName);
  if (!found) {
    throw new KindlingError(`The foundation stack ${stackName} is not deployed in ${region}.`, {
      hint: "Run `kindling deploy` first, or `kindling run --target emr --deploy --destroy` for a one-off run.",
    });
  }
  return found;
}

/** Stand-ins for the stack outputs in a dry run, which makes no AWS call: `<DataBucketName>` etc. */
export function placeholderFoundation(): FoundationOutputs {
  const p = (k: keyof typeof OUTPUT_KEYS) => `<${OUTPUT_KEYS[k]}>`;
  return {
    dataBucketName: p("dataBucketName"),
    logsBucketName: p("logsBucketName"),
    logUri: `s3://${p("logsBucketName")}/emr/`,
    network: "private",
    vpcId: p("vpcId"),
    subnetIds: [p("subnetIds")],
    primarySecurityGroupId: p("primarySecurityGroupId"),
    coreSecurityGroupId: p("coreSecurityGroupId"),
    serviceAccessSecurityGroupId: p("serviceAccessSecurityGroupId"),
    serviceRoleName: p("serviceRoleName"),
    instanceProfileName: p("instanceProfileName"),
    instanceRoleArn: p("instanceRoleArn"),
    securityConfigurationName: p("securityConfigurationName"),
    kmsKeyArn: p("kmsKeyArn"),
  };
}
