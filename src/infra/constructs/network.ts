import { Annotations, Aws, Fn, RemovalPolicy, Tags } from "aws-cdk-lib";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as kms from "aws-cdk-lib/aws-kms";
import * as logs from "aws-cdk-lib/aws-logs";
import type * as s3 from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import type { NetworkMode } from "../settings.js";
import { type RoleNaming, roleIdentity } from "./roleNaming.js";

/** Tag that lets AmazonEMRServicePolicy_v2 use a subnet or security group. */
export const EMR_MANAGED_TAG = { key: "for-use-with-amazon-emr-managed-policies", value: "true" } as const;

export interface NetworkProps {
  mode: NetworkMode;
  key: kms.IKey;
  flowLogGroupName: string;
  flowLogsRetentionDays: logs.RetentionDays;
  /** The account's own VPC and subnets, referenced instead of created (their flow logs are its owner's). */
  existing?: { vpcId: string; subnetIds: readonly string[] };
  naming?: RoleNaming;
  /** The buckets the S3 endpoint lets the VPC reach, besides the AWS-owned ones EMR needs. */
  buckets: s3.IBucket[];
  /** Single objects of other buckets the nodes read (the in-transit certificates zip), as s3:// URIs. */
  objects?: string[];
}

/**
 * Guarantees a VPC over two AZs with no NAT gateway, an S3 gateway endpoint and flow logs (all traffic,
 * KMS-encrypted log group); subnets are isolated ("private") or public with an internet gateway ("public").
 * With `existing`, references the account's VPC and subnets instead and creates nothing.
 */
export class Network extends Construct {
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.ISubnet[];
  /**
   * The KMS interface endpoint's security group, in the private network the stack makes: EMR nodes
   * encrypting their local disks call KMS, which isolated subnets reach only through it.
   */
  readonly kmsEndpointGroup: ec2.ISecurityGroup | undefined;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    if (props.existing) {
      // Only the VPC id is read from it (security groups); the subnets are named one by one, so its
      // zones are never looked at (the attribute is required).
      this.vpc = ec2.Vpc.fromVpcAttributes(this, "Vpc", {
        vpcId: props.existing.vpcId,
        availabilityZones: Fn.getAzs(),
      });
      Annotations.of(this.vpc).acknowledgeWarning(
        "@aws-cdk/aws-ec2:vpcAttributeIsListTokenavailabilityZones",
        "Nothing selects subnets from the imported VPC: the subnets are the ones aws.existing names.",
      );
      this.subnets = props.existing.subnetIds.map((subnetId, i) => {
        const subnet = ec2.Subnet.fromSubnetId(this, `Subnet${i + 1}`, subnetId);
        Annotations.of(subnet).acknowledgeWarning(
          "@aws-cdk/aws-ec2:noSubnetRouteTableId",
          "The stack adds no route and no endpoint to an existing subnet; plan and deploy check its route to S3.",
        );
        return subnet;
      });
      this.kmsEndpointGroup = undefined;
      return;
    }
    const isPublic = props.mode === "public";
    const vpc = new ec2.Vpc(this, "Vpc", {
      ipAddresses: ec2.IpAddresses.cidr("10.40.0.0/16"),
      maxAzs: 2,
      natGateways: 0,
      // A recorded exception (README, "The AWS foundation"): nothing is ever placed in the default
      // security group (EMR, EMR Serverless and the KMS endpoint get groups of their own; a test checks
      // it). Restricting it needs a Lambda-backed custom resource: an asset, hence a CDK bootstrap stack,
      // which this foundation is built to do without.
      restrictDefaultSecurityGroup: false,
      subnetConfiguration: [
        isPublic
          ? { name: "emr-public", subnetType: ec2.SubnetType.PUBLIC, cidrMask: 20, mapPublicIpOnLaunch: true }
          : { name: "emr-private", subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 20 },
      ],
    });
    const endpoint = vpc.addGatewayEndpoint("S3", { service: ec2.GatewayVpcEndpointAwsService.S3 });
    for (const statement of s3EndpointStatements(props.buckets, props.objects ?? []))
      endpoint.addToPolicy(statement);
    this.kmsEndpointGroup = isPublic ? undefined : kmsEndpoint(this, vpc);
    this.vpc = vpc;
    this.subnets = vpc.selectSubnets({
      subnetType: isPublic ? ec2.SubnetType.PUBLIC : ec2.SubnetType.PRIVATE_ISOLATED,
    }).subnets;
    Tags.of(vpc).add(EMR_MANAGED_TAG.key, EMR_MANAGED_TAG.value);

    const logGroup = new logs.LogGroup(this, "FlowLogs", {
      logGroupName: props.flowLogGroupName,
      retention: props.flowLogsRetentionDays,
      encryptionKey: props.key,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // The role the flow-log service assumes, only on behalf of this account's flow logs in this region
    // (AWS's confused-deputy guidance for VPC Flow Logs); CDK's default role trusts the service alone.
    const flowLogRole = new iam.Role(this, "FlowLogRole", {
      ...roleIdentity(props.naming, "flow-logs"),
      assumedBy: new iam.ServicePrincipal("vpc-flow-logs.amazonaws.com", {
        conditions: {
          StringEquals: { "aws:SourceAccount": Aws.ACCOUNT_ID },
          ArnLike: {
            "aws:SourceArn": `arn:${Aws.PARTITION}:ec2:${Aws.REGION}:${Aws.ACCOUNT_ID}:vpc-flow-log/*`,
          },
        },
      }),
      description: "Delivers this VPC's flow logs to their log group",
    });
    vpc.addFlowLog("FlowLog", {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(logGroup, flowLogRole),
      trafficType: ec2.FlowLogTrafficType.ALL,
    });
  }
}

/**
 * The S3 endpoint's policy. In the private network it is the nodes' only way out; without a policy it
 * reaches every bucket of every account, a path to copy data out. It allows reading this account's
 * buckets, writing the project's, and the AWS-owned buckets EMR needs in private subnets, as AWS's EMR guide lists them ("Sample policies
 * for private subnets that access Amazon S3"): Amazon Linux 2023 (EMR 7) and Amazon Linux 2 (EMR 5.30 to
 * 6.15) package repositories, the EMR repository, EMR 8's instance data buckets, the system logs bucket
 * and the persistent application UI bucket. Each is read-only or AWS's own, so none leads elsewhere.
 */
export function s3EndpointStatements(buckets: s3.IBucket[], objects: string[]): iam.PolicyStatement[] {
  const anyone = [new iam.AnyPrincipal()];
  // One Fn::Sub string per ARN: the template goes inline to CloudFormation (at most 51,200 bytes), and a
  // Fn::Join per ARN would take three times the room.
  const bucketArn = (name: string) => Fn.sub(`arn:\${AWS::Partition}:s3:::${name}`);
  const objectsOf = (...names: string[]) =>
    names.map((name) => Fn.sub(`arn:\${AWS::Partition}:s3:::${name}/*`));
  // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's Fn::Sub placeholder, not JavaScript's.
  const region = "${AWS::Region}";
  return [
    // Reads: any bucket of this account — the input an s3:// data.path names, bootstrap scripts — so
    // the endpoint narrows nothing IAM and bucket policies already allow there.
    new iam.PolicyStatement({
      sid: "ReadThisAccountsBuckets",
      principals: anyone,
      actions: ["s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation"],
      resources: ["*"],
      conditions: { StringEquals: { "aws:ResourceAccount": Aws.ACCOUNT_ID } },
    }),
    // Writes: the project's buckets only. Nothing can be copied to another bucket, the account's or not.
    new iam.PolicyStatement({
      sid: "WriteProjectBuckets",
      principals: anyone,
      actions: ["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
      resources: buckets.map((b) => b.arnForObjects("*")),
    }),
    ...(objects.length > 0
      ? [
          new iam.PolicyStatement({
            sid: "ConfiguredObjects",
            principals: anyone,
            actions: ["s3:GetObject"],
            resources: objects.map((uri) => `arn:${Aws.PARTITION}:s3:::${uri.replace(/^s3:\/\//, "")}`),
          }),
        ]
      : []),
    new iam.PolicyStatement({
      sid: "AmazonLinuxAndEmrRepositories",
      principals: anyone,
      actions: ["s3:GetObject"],
      resources: objectsOf(
        `al2023-repos-${region}-de612dc2`,
        `amazonlinux.${region}.amazonaws.com`,
        `amazonlinux-2-repos-${region}`,
        `repo.${region}.emr.amazonaws.com`,
        `aws157-instance-data-0-prod-${region}`,
        `aws157-instance-data-1-prod-${region}`,
        `aws157-instance-data-bucket-0-prod-${region}`,
        `aws157-instance-data-bucket-1-prod-${region}`,
      ),
    }),
    new iam.PolicyStatement({
      sid: "EmrSystemLogs",
      principals: anyone,
      actions: ["s3:PutObject"],
      // us-east-1's bucket has no region suffix.
      resources: objectsOf("aws157-logs-prod", `aws157-logs-prod-${region}`),
    }),
    new iam.PolicyStatement({
      sid: "EmrApplicationHistory",
      principals: anyone,
      actions: ["s3:PutObject", "s3:GetObject", "s3:ListBucket", "s3:AbortMultipartUpload"],
      resources: [bucketArn(`prod.${region}.appinfo.src`), ...objectsOf(`prod.${region}.appinfo.src`)],
    }),
  ];
}

/**
 * EMR's local-disk encryption with a KMS key has each node ask KMS for its data key at start (AWS KMS
 * guide, "How Amazon EMR uses AWS KMS"); isolated subnets reach no AWS API but S3 without an interface
 * endpoint, and the cluster would fail to start. One endpoint, in the nodes' subnets, with private DNS
 * (the SDK's usual KMS host resolves to it); its group admits HTTPS from the EMR node groups only (they
 * add the rule, see EmrSecurityGroups) and opens no connection itself. Billed per hour and per AZ:
 * `kindling plan` states it.
 */
function kmsEndpoint(scope: Construct, vpc: ec2.Vpc): ec2.ISecurityGroup {
  const group = new ec2.SecurityGroup(scope, "KmsEndpointGroup", {
    vpc,
    description: "Kindling KMS endpoint: HTTPS from the EMR nodes only",
    allowAllOutbound: false,
  });
  vpc.addInterfaceEndpoint("Kms", {
    service: ec2.InterfaceVpcEndpointAwsService.KMS,
    privateDnsEnabled: true,
    subnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    securityGroups: [group],
    open: false,
  });
  return group;
}
