import type { Filter, Route, RouteTable, Subnet, VpcEndpoint } from "@aws-sdk/client-ec2";
import { describe, expect, it } from "vitest";
import { describeChangeSet } from "../../src/infra/changeSets.js";
import { checkExistingNetwork, type NetworkReader } from "../../src/infra/existingNetwork.js";
import { type ApiRequest, validateAgainstApiModels } from "../aws/apiModels.js";

const VPC = "vpc-0a1b2c3d4e5f67890";
const A = "subnet-0aaaaaaaaaaaaaaaa";
const B = "subnet-0bbbbbbbbbbbbbbbb";

/** A KMS interface endpoint with private DNS, as DescribeVpcEndpoints lists it. */
const KMS_ENDPOINT: VpcEndpoint = {
  VpcEndpointId: "vpce-0kms",
  VpcId: VPC,
  ServiceName: "com.amazonaws.eu-west-1.kms",
  VpcEndpointType: "Interface",
  PrivateDnsEnabled: true,
  State: "Available",
};

/** EC2 as DescribeVpcs/DescribeSubnets/DescribeRouteTables answer it for one account (unknown ids fail, as EC2's do). */
function ec2(world: {
  vpcs: string[];
  subnets: Subnet[];
  tables: RouteTable[];
  endpoints?: VpcEndpoint[];
}): NetworkReader {
  const notFound = (what: string) =>
    Object.assign(new Error(`The ${what} does not exist`), { name: `Invalid${what}.NotFound` });
  return {
    describeVpcs: async ({ VpcIds = [] }: { VpcIds?: string[] }) => {
      if (VpcIds.some((id) => !world.vpcs.includes(id))) throw notFound("vpcID");
      return { Vpcs: VpcIds.map((VpcId) => ({ VpcId })) };
    },
    describeSubnets: async ({ Filters = [] }: { Filters?: Filter[] }) => ({
      Subnets: world.subnets.filter((s) => Filters[0]?.Values?.includes(s.SubnetId ?? "")),
    }),
    describeRouteTables: async () => ({ RouteTables: world.tables }),
    describeVpcEndpoints: async () => ({ VpcEndpoints: world.endpoints ?? [KMS_ENDPOINT] }),
  } as unknown as NetworkReader;
}

const settings = { network: { vpcId: VPC, subnetIds: [A, B] } };
const endpointRoute: Route = {
  DestinationPrefixListId: "pl-63a5400a",
  GatewayId: "vpce-0123456789abcdef0",
  State: "active",
};
const EMR_TAG = [{ Key: "for-use-with-amazon-emr-managed-policies", Value: "true" }];
const subnets = [
  { SubnetId: A, VpcId: VPC, Tags: EMR_TAG },
  { SubnetId: B, VpcId: VPC, Tags: EMR_TAG },
];

describe("aws.existing: the account's network, checked read-only before plan or deploy changes anything", () => {
  it("accepts subnets of the VPC whose route tables reach S3 (their own, or the VPC's main one)", async () => {
    const tables: RouteTable[] = [
      { RouteTableId: "rtb-a", Associations: [{ SubnetId: A }], Routes: [endpointRoute] },
      {
        RouteTableId: "rtb-main",
        Associations: [{ Main: true }],
        Routes: [{ DestinationCidrBlock: "0.0.0.0/0", NatGatewayId: "nat-1", State: "active" }],
      },
    ];
    await checkExistingNetwork(ec2({ vpcs: [VPC], subnets, tables }), settings, "eu-west-1");
  });

  it("says which id is wrong and why: no such VPC, no such subnet, a subnet of another VPC, no way to S3", async () => {
    const tables: RouteTable[] = [
      { RouteTableId: "rtb-main", Associations: [{ Main: true }], Routes: [endpointRoute] },
    ];
    await expect(
      checkExistingNetwork(ec2({ vpcs: [], subnets, tables }), settings, "eu-west-1"),
    ).rejects.toThrow(`aws.existing.vpc_id: ${VPC} does not exist in eu-west-1`);
    await expect(
      checkExistingNetwork(ec2({ vpcs: [VPC], subnets: subnets.slice(0, 1), tables }), settings, "eu-west-1"),
    ).rejects.toThrow(`aws.existing.subnet_ids: ${B} does not exist in eu-west-1`);
    const other = [subnets[0] as Subnet, { SubnetId: B, VpcId: "vpc-0ffffffffffffffff" }];
    await expect(
      checkExistingNetwork(ec2({ vpcs: [VPC], subnets: other, tables }), settings, "eu-west-1"),
    ).rejects.toThrow(`${B} is in vpc-0ffffffffffffffff, not in ${VPC}`);
    const isolated: RouteTable[] = [
      {
        RouteTableId: "rtb-b",
        Associations: [{ SubnetId: B }],
        Routes: [{ DestinationCidrBlock: "10.0.0.0/16", GatewayId: "local" }],
      },
      ...tables,
    ];
    await expect(
      checkExistingNetwork(ec2({ vpcs: [VPC], subnets, tables: isolated }), settings, "eu-west-1"),
    ).rejects.toThrow(new RegExp(`${B} has no route to S3.*`));
  });

  it("wants a KMS interface endpoint with private DNS when a subnet has no route out (local-disk encryption)", async () => {
    const tables: RouteTable[] = [
      { RouteTableId: "rtb-a", Associations: [{ SubnetId: A }], Routes: [endpointRoute] },
      {
        RouteTableId: "rtb-main",
        Associations: [{ Main: true }],
        Routes: [{ DestinationCidrBlock: "0.0.0.0/0", NatGatewayId: "nat-1", State: "active" }],
      },
    ];
    for (const endpoints of [
      [],
      [{ ...KMS_ENDPOINT, PrivateDnsEnabled: false }],
      [{ ...KMS_ENDPOINT, State: "Deleted" as const }],
    ]) {
      await expect(
        checkExistingNetwork(ec2({ vpcs: [VPC], subnets, tables, endpoints }), settings, "eu-west-1"),
      ).rejects.toThrow(
        `aws.existing.subnet_ids: ${A} has no route out and ${VPC} has no KMS interface endpoint`,
      );
    }
    // Every subnet with a NAT route: no endpoint needed.
    const nat = tables.filter((t) => t.RouteTableId === "rtb-main");
    await checkExistingNetwork(
      ec2({ vpcs: [VPC], subnets, tables: nat, endpoints: [] }),
      settings,
      "eu-west-1",
    );
  });

  it("wants the subnets tagged for AmazonEMRServicePolicy_v2 when the stack makes the EMR service role", async () => {
    const tables: RouteTable[] = [
      { RouteTableId: "rtb-main", Associations: [{ Main: true }], Routes: [endpointRoute] },
    ];
    const untagged = [subnets[0] as Subnet, { SubnetId: B, VpcId: VPC }];
    await expect(
      checkExistingNetwork(ec2({ vpcs: [VPC], subnets: untagged, tables }), settings, "eu-west-1"),
    ).rejects.toThrow(
      `aws.existing.subnet_ids: ${B} lacks the tag for-use-with-amazon-emr-managed-policies=true`,
    );
    // An existing service role's permissions are its owner's: no tag asked for.
    const roles = {
      serviceRoleArn: "arn:aws:iam::123456789012:role/s",
      instanceRoleArn: "arn:aws:iam::123456789012:role/i",
    };
    await checkExistingNetwork(
      ec2({ vpcs: [VPC], subnets: untagged, tables }),
      { ...settings, emrRoles: roles },
      "eu-west-1",
    );
  });
});

describe("the requests the checks send", () => {
  it("are valid against AWS's published EC2 and CloudFormation models (botocore)", async () => {
    const sent: ApiRequest[] = [];
    const recording = (service: string, operation: string, answer: unknown) => async (params: unknown) => {
      sent.push({ service, operation, params });
      return answer;
    };
    const route: Route = { DestinationPrefixListId: "pl-63a5400a", GatewayId: "vpce-0123456789abcdef0" };
    const reader = {
      describeVpcs: recording("ec2", "DescribeVpcs", { Vpcs: [{ VpcId: VPC }] }),
      describeSubnets: recording("ec2", "DescribeSubnets", { Subnets: subnets }),
      describeRouteTables: recording("ec2", "DescribeRouteTables", {
        RouteTables: [{ Associations: [{ Main: true }], Routes: [route] }],
      }),
      describeVpcEndpoints: recording("ec2", "DescribeVpcEndpoints", { VpcEndpoints: [KMS_ENDPOINT] }),
    } as unknown as NetworkReader;
    await checkExistingNetwork(reader, settings, "eu-west-1");
    const cfn = { describeChangeSet: recording("cloudformation", "DescribeChangeSet", { Changes: [] }) };
    await describeChangeSet(cfn as never, "kindling-spam-prod", "kindling-20261207-091500", new Map());
    expect(sent.map((r) => r.operation)).toEqual([
      "DescribeVpcs",
      "DescribeSubnets",
      "DescribeRouteTables",
      "DescribeVpcEndpoints",
      "DescribeChangeSet",
    ]);
    expect(validateAgainstApiModels(sent)).toEqual(sent.map(() => ""));
  });
});
