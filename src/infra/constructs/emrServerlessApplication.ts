import { Aws, Stack } from "aws-cdk-lib";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as emrserverless from "aws-cdk-lib/aws-emrserverless";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as kms from "aws-cdk-lib/aws-kms";
import type * as s3 from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import { workerSizeGb } from "../../config/serverless.js";
import type { NetworkMode, ServerlessAppSettings, ServerlessWorkerSettings } from "../settings.js";
import { projectBucketPolicy } from "./emrRoles.js";
import { SERVERLESS_LOG_PREFIX } from "./logsBucket.js";
import { type RoleNaming, roleIdentity } from "./roleNaming.js";

/**
 * The worker EMR Serverless places for a Spark process of this size: its vCPUs, and its Spark memory plus
 * Spark's overhead (10%, at least 384 MiB) rounded up to a size the worker's vCPUs allow (workerSizeGb:
 * the same sizes the cost estimate prices, so warm workers match what a job run asks for).
 */
export function workerConfiguration(worker: ServerlessWorkerSettings): { cpu: string; memory: string } {
  return { cpu: `${worker.cpu} vCPU`, memory: `${workerSizeGb(worker.cpu, worker.memory)} GB` };
}

export interface EmrServerlessApplicationProps {
  settings: ServerlessAppSettings;
  vpc: ec2.IVpc;
  /** The subnets EMR clusters use: the application's workers run in the same ones. */
  subnets: ec2.ISubnet[];
  mode: NetworkMode;
  /** S3 managed prefix list id; when absent, HTTPS egress goes to 0.0.0.0/0 (only S3 is routable in "private"). */
  s3PrefixListId?: string;
  dataBucket: s3.IBucket;
  logsBucket: s3.IBucket;
  /** The foundation key, when the data bucket is SSE-KMS: job runs then need it to read and write objects. */
  key?: kms.IKey;
  /** An existing group for the workers, referenced instead of creating one. */
  existingSecurityGroupId?: string;
  naming?: RoleNaming;
}

/**
 * Guarantees one EMR Serverless Spark application in the foundation's subnets (auto-start, auto-stop when
 * idle, maximum capacity as a bound on cost, pre-initialized workers only when asked for), its security
 * group (no inbound rule; egress HTTPS to S3 only in "private"), and the job runtime role its job runs
 * assume: the EMR instance role's bucket access (the same policy code), with logs under serverless/.
 */
export class EmrServerlessApplication extends Construct {
  readonly application: emrserverless.CfnApplication;
  readonly securityGroup: ec2.ISecurityGroup;
  readonly jobRole: iam.Role;

  constructor(scope: Construct, id: string, props: EmrServerlessApplicationProps) {
    super(scope, id);
    const { settings, vpc } = props;
    const isPublic = props.mode === "public";

    this.securityGroup = props.existingSecurityGroupId
      ? ec2.SecurityGroup.fromSecurityGroupId(this, "SecurityGroup", props.existingSecurityGroupId, {
          mutable: false,
        })
      : workerGroup(this, vpc, isPublic, props.s3PrefixListId);

    const logUri = `s3://${props.logsBucket.bucketName}/${SERVERLESS_LOG_PREFIX}`;
    const pre = settings.preInitialized;
    this.application = new emrserverless.CfnApplication(this, "Application", {
      name: Stack.of(this).stackName,
      type: "Spark",
      releaseLabel: settings.releaseLabel,
      architecture: settings.architecture,
      autoStartConfiguration: { enabled: true },
      autoStopConfiguration: { enabled: true, idleTimeoutMinutes: settings.idleMinutes },
      // No disk bound: Kindling's job runs keep the default 20 GB worker disk, which the price includes.
      maximumCapacity: { cpu: `${settings.maxVcpu} vCPU`, memory: `${settings.maxMemoryGb} GB` },
      networkConfiguration: {
        subnetIds: props.subnets.map((s) => s.subnetId),
        securityGroupIds: [this.securityGroup.securityGroupId],
      },
      // The default log location of every job run (a run may still name its own).
      monitoringConfiguration: { s3MonitoringConfiguration: { logUri } },
      // Warm workers are billed while the application is started: only when asked for.
      ...(pre.executors > 0
        ? {
            initialCapacity: [
              {
                key: "DRIVER",
                value: { workerCount: 1, workerConfiguration: workerConfiguration(pre.driver) },
              },
              {
                key: "EXECUTOR",
                value: { workerCount: pre.executors, workerConfiguration: workerConfiguration(pre.executor) },
              },
            ],
          }
        : {}),
    });

    this.jobRole = new iam.Role(this, "JobRole", {
      ...roleIdentity(props.naming, "serverless-job"),
      // Confused-deputy protection: only EMR Serverless applications of this account and region.
      assumedBy: new iam.ServicePrincipal("emr-serverless.amazonaws.com", {
        conditions: {
          StringEquals: { "aws:SourceAccount": Aws.ACCOUNT_ID },
          ArnLike: {
            "aws:SourceArn": `arn:${Aws.PARTITION}:emr-serverless:${Aws.REGION}:${Aws.ACCOUNT_ID}:/applications/*`,
          },
        },
      }),
      description:
        "Kindling EMR Serverless job runs: read code/data/deps/runs, write runs/ and serverless/ logs in this project's buckets",
    });
    this.jobRole.attachInlinePolicy(
      projectBucketPolicy(this, "JobPolicy", {
        dataBucket: props.dataBucket,
        logsBucket: props.logsBucket,
        logs: {
          name: "Serverless",
          prefix: SERVERLESS_LOG_PREFIX,
          why: "EMR Serverless writes each job run's logs under serverless/applications/<application-id>/jobs/<job-run-id>/, unknown until the run exists; the wildcard is confined to that prefix of the logs bucket.",
        },
        key: props.key,
      }),
    );
  }
}

/**
 * Workers only open connections: EMR Serverless blocks inbound traffic to them, and so does this group.
 * As for the EMR node groups, "public" (for jobs that need internet egress) allows all outbound traffic.
 */
function workerGroup(
  scope: Construct,
  vpc: ec2.IVpc,
  isPublic: boolean,
  s3PrefixListId: string | undefined,
): ec2.SecurityGroup {
  const group = new ec2.SecurityGroup(scope, "SecurityGroup", {
    vpc,
    description: "Kindling EMR Serverless workers: no inbound rule",
    allowAllOutbound: isPublic,
  });
  if (!isPublic) {
    group.addEgressRule(
      s3PrefixListId ? ec2.Peer.prefixList(s3PrefixListId) : ec2.Peer.anyIpv4(),
      ec2.Port.tcp(443),
      s3PrefixListId
        ? "HTTPS to S3 through the gateway endpoint (S3 prefix list)"
        : "HTTPS to S3 through the gateway endpoint (isolated subnets route nowhere else)",
    );
  }
  return group;
}
