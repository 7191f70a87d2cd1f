import { BootstraplessSynthesizer, CfnOutput, Fn, Stack, Tags } from "aws-cdk-lib";
import type * as logs from "aws-cdk-lib/aws-logs";
import type { Construct } from "constructs";
import { KindlingError } from "../errors.js";
import { DataBucket } from "./constructs/dataBucket.js";
import { EmrRoles } from "./constructs/emrRoles.js";
import { EmrSecurityConfiguration } from "./constructs/emrSecurityConfiguration.js";
import { EmrSecurityGroups } from "./constructs/emrSecurityGroups.js";
import { FoundationKey } from "./constructs/foundationKey.js";
import { EMR_LOG_PREFIX, LogsBucket } from "./constructs/logsBucket.js";
import { Network } from "./constructs/network.js";
import { type FoundationSettings, type NetworkMode, stackNameFor } from "./settings.js";

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
} as const satisfies Record<keyof FoundationOutputs, string>;

/** The shape of `DescribeStacks().Stacks[0].Outputs` (AWS SDK v3), so no SDK type is needed here. */
export interface StackOutputEntry {
  OutputKey?: string;
  OutputValue?: string;
}

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
  const required = (Object.keys(OUTPUT_KEYS) as (keyof FoundationOutputs)[]).filter(
    (k) => k !== "serviceAccessSecurityGroupId",
  );
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
  };
}

/**
 * The foundation: buckets, network, EMR security groups, IAM roles, KMS key and EMR security configuration.
 * Synthesized without a bootstrap dependency (no assets), so deploying needs no `cdk bootstrap`.
 */
export class FoundationStack extends Stack {
  readonly settings: FoundationSettings;

  constructor(scope: Construct, settings: FoundationSettings) {
    const stackName = stackNameFor(settings);
    const env =
      settings.account !== undefined || settings.region !== undefined
        ? { account: settings.account, region: settings.region }
        : undefined;
    super(scope, stackName, {
      stackName,
      env,
      description: `Kindling foundation for project ${settings.project} (${settings.environment}): buckets, network, IAM and EMR security configuration.`,
      // No assets: templates go inline and the deploying credentials are used directly.
      synthesizer: new BootstraplessSynthesizer(),
    });
    this.settings = settings;
    Tags.of(this).add("kindling:project", settings.project);
    Tags.of(this).add("kindling:environment", settings.environment);

    const key = new FoundationKey(this, "FoundationKey", {
      alias: `alias/${stackName}`,
      retain: settings.encryption === "sse-kms",
    });
    const logsBucket = new LogsBucket(this, "Logs", { retentionDays: settings.logsRetentionDays });
    const dataBucket = new DataBucket(this, "Data", {
      encryption: settings.encryption,
      key: key.key,
      logsBucket: logsBucket.bucket,
    });
    const flowLogGroupName = `/kindling/${stackName}/vpc-flow-logs`;
    key.allowLogGroup(flowLogGroupName);
    const network = new Network(this, "Network", {
      mode: settings.network,
      key: key.key,
      flowLogGroupName,
      flowLogsRetentionDays: settings.flowLogsRetentionDays as logs.RetentionDays,
    });
    const groups = new EmrSecurityGroups(this, "EmrSecurityGroups", {
      vpc: network.vpc,
      mode: settings.network,
      s3PrefixListId: settings.s3PrefixListId,
    });
    const roles = new EmrRoles(this, "EmrRoles", {
      dataBucket: dataBucket.bucket,
      logsBucket: logsBucket.bucket,
      key: key.key,
      certificateS3Uri: settings.inTransitEncryption ? settings.inTransitCertificateS3Uri : undefined,
    });
    key.allowUse(roles.instanceRole, "EmrInstanceRole");
    key.allowUse(roles.serviceRole, "EmrServiceRole");
    const securityConfiguration = new EmrSecurityConfiguration(this, "EmrSecurityConfiguration", {
      key: key.key,
      s3Encryption: settings.encryption,
      inTransitEncryption: settings.inTransitEncryption,
      certificateS3Uri: settings.inTransitCertificateS3Uri,
    });

    const out = (k: keyof FoundationOutputs, value: string, description: string) =>
      new CfnOutput(this, OUTPUT_KEYS[k], { value, description });
    out("dataBucketName", dataBucket.bucket.bucketName, "Data bucket (code/, data/, runs/)");
    out("logsBucketName", logsBucket.bucket.bucketName, "Logs bucket (EMR logs, S3 access logs)");
    out("logUri", `s3://${logsBucket.bucket.bucketName}/${EMR_LOG_PREFIX}`, "EMR cluster LogUri");
    out("network", settings.network, "Network mode the stack was deployed with");
    out("vpcId", network.vpc.vpcId, "VPC of the EMR subnets");
    out(
      "subnetIds",
      Fn.join(
        ",",
        network.subnets.map((s) => s.subnetId),
      ),
      "EMR subnets, comma-separated",
    );
    out("primarySecurityGroupId", groups.primary.securityGroupId, "EMR-managed primary security group");
    out("coreSecurityGroupId", groups.core.securityGroupId, "EMR-managed core/task security group");
    if (groups.serviceAccess) {
      out("serviceAccessSecurityGroupId", groups.serviceAccess.securityGroupId, "EMR service access group");
    }
    out("serviceRoleName", roles.serviceRole.roleName, "EMR service role");
    out("instanceProfileName", roles.instanceProfile.ref, "EMR EC2 instance profile");
    out("instanceRoleArn", roles.instanceRole.roleArn, "EMR EC2 instance role");
    out("securityConfigurationName", securityConfiguration.configuration.ref, "EMR security configuration");
    out("kmsKeyArn", key.key.keyArn, "Foundation KMS key");
  }
}
