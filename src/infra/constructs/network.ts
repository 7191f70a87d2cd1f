import { RemovalPolicy, Tags } from "aws-cdk-lib";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import type * as kms from "aws-cdk-lib/aws-kms";
import * as logs from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import type { NetworkMode } from "../settings.js";

/** Tag that lets AmazonEMRServicePolicy_v2 use a subnet or security group. */
export const EMR_MANAGED_TAG = { key: "for-use-with-amazon-emr-managed-policies", value: "true" } as const;

export interface NetworkProps {
  mode: NetworkMode;
  key: kms.IKey;
  flowLogGroupName: string;
  flowLogsRetentionDays: logs.RetentionDays;
}

/**
 * Guarantees a VPC over two AZs with no NAT gateway, an S3 gateway endpoint and flow logs (all traffic,
 * KMS-encrypted log group); subnets are isolated ("private") or public with an internet gateway ("public").
 */
export class Network extends Construct {
  readonly vpc: ec2.Vpc;
  readonly subnets: ec2.ISubnet[];

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const isPublic = props.mode === "public";
    this.vpc = new ec2.Vpc(this, "Vpc", {
      ipAddresses: ec2.IpAddresses.cidr("10.40.0.0/16"),
      maxAzs: 2,
      natGateways: 0,
      // The default security group is never used (EMR gets its own groups). Restricting it needs a
      // Lambda-backed custom resource, which would add a function, a role and a bootstrap requirement.
      restrictDefaultSecurityGroup: false,
      subnetConfiguration: [
        isPublic
          ? { name: "emr-public", subnetType: ec2.SubnetType.PUBLIC, cidrMask: 20, mapPublicIpOnLaunch: true }
          : { name: "emr-private", subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 20 },
      ],
      gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } },
    });
    this.subnets = this.vpc.selectSubnets({
      subnetType: isPublic ? ec2.SubnetType.PUBLIC : ec2.SubnetType.PRIVATE_ISOLATED,
    }).subnets;
    Tags.of(this.vpc).add(EMR_MANAGED_TAG.key, EMR_MANAGED_TAG.value);

    const logGroup = new logs.LogGroup(this, "FlowLogs", {
      logGroupName: props.flowLogGroupName,
      retention: props.flowLogsRetentionDays,
      encryptionKey: props.key,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.vpc.addFlowLog("FlowLog", {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(logGroup),
      trafficType: ec2.FlowLogTrafficType.ALL,
    });
  }
}
