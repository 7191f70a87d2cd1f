import type { StackOutputEntry } from "../aws/stacks.js";
import { KindlingError } from "../errors.js";
import type { NetworkMode } from "./settings.js";

// The foundation stack's outputs as runs read them. Kept apart from the CDK stack so that reading a
// deployed stack never loads aws-cdk-lib.

/** Where EMR Serverless job runs write their logs in the logs bucket (the job role may write only there). */
export const SERVERLESS_LOG_PREFIX = "serverless/";

/** Everything an EMR run needs from the deployed foundation, read from the stack outputs. */
export interface FoundationOutputs {
  dataBucketName: string;
  logsBucketName: string;
  /** `s3://<logs bucket>/emr/`: the cluster's LogUri. */
  logUri: string;
  network: NetworkMode;
  vpcId: string;
  /** Subnets to launch into (two AZs). */
  subnetIds: string[];
  primarySecurityGroupId: string;
  coreSecurityGroupId: string;
  /** Only for `network: private`; EMR rejects it for public subnets. */
  serviceAccessSecurityGroupId: string | undefined;
  serviceRoleName: string;
  instanceProfileName: string;
  instanceRoleArn: string;
  securityConfigurationName: string;
  kmsKeyArn: string;
  /** The EMR Serverless application (`--target emr-serverless`). Absent in stacks deployed before it existed. */
  serverlessApplicationId: string | undefined;
  /** The role its job runs assume (same bucket access as the instance role). */
  serverlessJobRoleArn: string | undefined;
}

/** Output keys in the CloudFormation stack, one per FoundationOutputs field. */
export const OUTPUT_KEYS = {
  dataBucketName: "DataBucketName",
  logsBucketName: "LogsBucketName",
  logUri: "LogUri",
  network: "NetworkMode",
  vpcId: "VpcId",
  subnetIds: "SubnetIds",
  primarySecurityGroupId: "PrimarySecurityGroupId",
  coreSecurityGroupId: "CoreSecurityGroupId",
  serviceAccessSecurityGroupId: "ServiceAccessSecurityGroupId",
  serviceRoleName: "ServiceRoleName",
  instanceProfileName: "InstanceProfileName",
  instanceRoleArn: "InstanceRoleArn",
  securityConfigurationName: "SecurityConfigurationName",
  kmsKeyArn: "KmsKeyArn",
  serverlessApplicationId: "ServerlessApplicationId",
  serverlessJobRoleArn: "ServerlessJobRoleArn",
} as const satisfies Record<keyof FoundationOutputs, string>;

/**
 * Parses a stack's outputs into FoundationOutputs. Throws KindlingError naming the missing keys, which
 * means the stack was deployed by another Kindling version or by hand.
 */
export function parseFoundationOutputs(
  outputs: readonly StackOutputEntry[],
  stackName: string,
): FoundationOutputs {
  const byKey = new Map(outputs.map((o) => [o.OutputKey, o.OutputValue]));
  const get = (k: keyof FoundationOutputs) => byKey.get(OUTPUT_KEYS[k]);
  const optional = new Set<keyof FoundationOutputs>([
    "serviceAccessSecurityGroupId",
    // Only `--target emr-serverless` needs them, and it says how to get them (src/targets/serverless).
    "serverlessApplicationId",
    "serverlessJobRoleArn",
  ]);
  const required = (Object.keys(OUTPUT_KEYS) as (keyof FoundationOutputs)[]).filter((k) => !optional.has(k));
  const missing: (keyof FoundationOutputs)[] = required.filter((k) => !get(k));
  const network = get("network");
  if (network !== undefined && network !== "private" && network !== "public") missing.push("network");
  if (network === "private" && !get("serviceAccessSecurityGroupId"))
    missing.push("serviceAccessSecurityGroupId");
  if (missing.length > 0) {
    throw new KindlingError(
      `Stack ${stackName} lacks the outputs ${missing.map((k) => OUTPUT_KEYS[k]).join(", ")}.`,
      { hint: "Run `kindling deploy` to bring the foundation stack up to date." },
    );
  }
  const value = (k: keyof FoundationOutputs) => get(k) as string;
  return {
    dataBucketName: value("dataBucketName"),
    logsBucketName: value("logsBucketName"),
    logUri: value("logUri"),
    network: network as NetworkMode,
    vpcId: value("vpcId"),
    subnetIds: value("subnetIds")
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== ""),
    primarySecurityGroupId: value("primarySecurityGroupId"),
    coreSecurityGroupId: value("coreSecurityGroupId"),
    serviceAccessSecurityGroupId: get("serviceAccessSecurityGroupId") || undefined,
    serviceRoleName: value("serviceRoleName"),
    instanceProfileName: value("instanceProfileName"),
    instanceRoleArn: value("instanceRoleArn"),
    securityConfigurationName: value("securityConfigurationName"),
    kmsKeyArn: value("kmsKeyArn"),
    serverlessApplicationId: get("serverlessApplicationId") || undefined,
    serverlessJobRoleArn: get("serverlessJobRoleArn") || undefined,
  };
}
