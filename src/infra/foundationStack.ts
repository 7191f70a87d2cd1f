import { CfnOutput, Fn, LegacyStackSynthesizer, Stack, Tags } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as logs from "aws-cdk-lib/aws-logs";
import type { Construct } from "constructs";
import { DataBucket } from "./constructs/dataBucket.js";
import { EmrRoles } from "./constructs/emrRoles.js";
import { EmrSecurityConfiguration } from "./constructs/emrSecurityConfiguration.js";
import { EmrSecurityGroups } from "./constructs/emrSecurityGroups.js";
import { EmrServerlessApplication } from "./constructs/emrServerlessApplication.js";
import { FoundationKey } from "./constructs/foundationKey.js";
import { EMR_LOG_PREFIX, LogsBucket } from "./constructs/logsBucket.js";
import { Network } from "./constructs/network.js";
import type { RoleNaming } from "./constructs/roleNaming.js";
import { type FoundationOutputs, OUTPUT_KEYS } from "./outputs.js";
import { type FoundationSettings, stackNameFor } from "./settings.js";

/** The stack's top-level constructs, by id: what `plan` groups resources by (their logical ids start so). */
export const FOUNDATION_PARTS = [
  "FoundationKey",
  "Logs",
  "Data",
  "Network",
  "EmrSecurityGroups",
  "EmrRoles",
  "EmrSecurityConfiguration",
  "EmrServerless",
] as const;

/**
 * The foundation: buckets, network, EMR security groups, IAM roles, KMS key, EMR security configuration,
 * and the EMR Serverless application with its job runtime role.
 * Synthesized without a bootstrap dependency (no assets), so deploying needs no `cdk bootstrap`.
 */
export class FoundationStack extends Stack {
  readonly settings: FoundationSettings;

  /**
   * The region's first two AZs, resolved by CloudFormation (Fn::GetAZs) whatever the settings name. With
   * aws.account set, CDK would look the AZs up at synth instead: a context lookup, which synth (offline
   * by design) refuses. The template then holds for any account the stack is deployed to.
   */
  override get availabilityZones(): string[] {
    return [0, 1].map((index) => Fn.select(index, Fn.getAzs()));
  }

  constructor(scope: Construct, settings: FoundationSettings) {
    const stackName = stackNameFor(settings);
    const env =
      settings.account !== undefined || settings.region !== undefined
        ? { account: settings.account, region: settings.region }
        : undefined;
    super(scope, stackName, {
      stackName,
      env,
      description: `Kindling foundation for ${settings.project} (${settings.environment}): buckets, network, IAM, EMR security and EMR Serverless.`,
      // No assets: templates go inline and the deploying credentials are used directly. This synthesizer
      // names no role to assume and no bootstrap version to check; BootstraplessSynthesizer (despite its
      // name) writes the bootstrap stack's deploy and CloudFormation execution roles into the assembly,
      // and the toolkit then passes that execution role to CreateChangeSet, which an account that was
      // never bootstrapped refuses.
      synthesizer: new LegacyStackSynthesizer(),
    });
    this.settings = settings;
    Tags.of(this).add("kindling:project", settings.project);
    Tags.of(this).add("kindling:environment", settings.environment);
    for (const [key, value] of Object.entries(settings.tags)) Tags.of(this).add(key, value);
    if (settings.permissionsBoundaryArn) {
      // Accounts that let teams create roles often require a boundary on each one (an SCP checks it).
      iam.PermissionsBoundary.of(this).apply(
        iam.ManagedPolicy.fromManagedPolicyArn(this, "PermissionsBoundary", settings.permissionsBoundaryArn),
      );
    }

    const existing = settings.existing ?? {};
    const naming: RoleNaming = {
      project: settings.project,
      environment: settings.environment,
      ...(settings.rolePath ? { path: settings.rolePath } : {}),
      ...(settings.roleNamePrefix ? { prefix: settings.roleNamePrefix } : {}),
    };
    const key = new FoundationKey(this, "FoundationKey", {
      alias: `alias/${stackName}`,
      ...(existing.kmsKeyArn ? { existingArn: existing.kmsKeyArn } : {}),
    });
    const logsBucket = new LogsBucket(this, "Logs", {
      retentionDays: settings.logsRetentionDays,
      ...(existing.logsBucket ? { existingName: existing.logsBucket } : {}),
    });
    const dataBucket = new DataBucket(this, "Data", {
      encryption: settings.encryption,
      key: key.key,
      logsBucket: logsBucket.bucket,
      ...(existing.dataBucket ? { existingName: existing.dataBucket } : {}),
    });
    const flowLogGroupName = `/kindling/${stackName}/vpc-flow-logs`;
    if (!existing.network) key.allowLogGroup(flowLogGroupName);
    const network = new Network(this, "Network", {
      mode: settings.network,
      key: key.key,
      flowLogGroupName,
      flowLogsRetentionDays: settings.flowLogsRetentionDays as logs.RetentionDays,
      naming,
      buckets: [dataBucket.bucket, logsBucket.bucket],
      ...(settings.inTransitEncryption && settings.inTransitCertificateS3Uri
        ? { objects: [settings.inTransitCertificateS3Uri] }
        : {}),
      ...(existing.network ? { existing: existing.network } : {}),
    });
    const groups = new EmrSecurityGroups(this, "EmrSecurityGroups", {
      vpc: network.vpc,
      mode: settings.network,
      s3PrefixListId: settings.s3PrefixListId,
      ...(existing.securityGroups ? { existing: existing.securityGroups } : {}),
      ...(network.kmsEndpointGroup ? { kmsEndpoint: network.kmsEndpointGroup } : {}),
    });
    const roles = new EmrRoles(this, "EmrRoles", {
      dataBucket: dataBucket.bucket,
      logsBucket: logsBucket.bucket,
      key: key.key,
      certificateS3Uri: settings.inTransitEncryption ? settings.inTransitCertificateS3Uri : undefined,
      naming,
      ...(existing.emrRoles ? { existing: existing.emrRoles } : {}),
    });
    key.allowUse(roles.instanceRole, "EmrInstanceRole");
    key.allowUse(roles.serviceRole, "EmrServiceRole");
    const securityConfiguration = new EmrSecurityConfiguration(this, "EmrSecurityConfiguration", {
      key: key.key,
      s3Encryption: settings.encryption,
      inTransitEncryption: settings.inTransitEncryption,
      certificateS3Uri: settings.inTransitCertificateS3Uri,
    });
    const serverless = new EmrServerlessApplication(this, "EmrServerless", {
      settings: settings.serverless,
      vpc: network.vpc,
      subnets: network.subnets,
      mode: settings.network,
      s3PrefixListId: settings.s3PrefixListId,
      dataBucket: dataBucket.bucket,
      logsBucket: logsBucket.bucket,
      // The key only encrypts data-bucket objects for job runs (workers' disks use AWS-owned keys).
      key: settings.encryption === "sse-kms" ? key.key : undefined,
      naming,
      ...(existing.securityGroups?.serverless
        ? { existingSecurityGroupId: existing.securityGroups.serverless }
        : {}),
    });

    const out = (k: keyof FoundationOutputs, value: string, description: string) =>
      new CfnOutput(this, OUTPUT_KEYS[k], { value, description });
    out("dataBucketName", dataBucket.bucket.bucketName, "Data bucket (code/, data/, deps/, runs/)");
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
    out("instanceProfileName", roles.instanceProfileName, "EMR EC2 instance profile");
    out("instanceRoleArn", roles.instanceRole.roleArn, "EMR EC2 instance role");
    out("securityConfigurationName", securityConfiguration.configuration.ref, "EMR security configuration");
    out("kmsKeyArn", key.key.keyArn, "Foundation KMS key");
    out("serverlessApplicationId", serverless.application.attrApplicationId, "EMR Serverless application");
    out("serverlessJobRoleArn", serverless.jobRole.roleArn, "EMR Serverless job runtime role");
  }
}
