import type { EC2, RouteTable, Tag } from "@aws-sdk/client-ec2";
import { errorName, messageOf } from "../aws/errors.js";
import { UsageError } from "../errors.js";
import { EMR_MANAGED_TAG } from "./constructs/network.js";
import type { ExistingResources } from "./settings.js";

/**
 * Read-only checks of aws.existing's network before plan or deploy touches anything: the VPC and subnets
 * exist in the region, the subnets are in that VPC, and each one has a way to S3, which every cluster and
 * job needs for its code, data and logs (a gateway endpoint in its route table, or a default route through
 * a NAT or internet gateway); named security groups exist in that VPC. Syntax was checked at validate;
 * only AWS can say whether they fit.
 */

export type NetworkReader = Pick<
  EC2,
  | "describeVpcs"
  | "describeSubnets"
  | "describeRouteTables"
  | "describeSecurityGroups"
  | "describeVpcEndpoints"
>;

export async function checkExistingNetwork(
  ec2: NetworkReader,
  existing: ExistingResources | undefined,
  region: string,
): Promise<void> {
  if (!existing?.network) return;
  const { vpcId, subnetIds } = existing.network;
  const fix =
    "Name a VPC and subnets of this account and region, or leave vpc_id, subnet_ids and security_groups out of aws.existing to let the stack create the network.";
  if (
    !(await found(
      () => ec2.describeVpcs({ VpcIds: [vpcId] }),
      (r) => (r.Vpcs ?? []).length > 0,
    ))
  ) {
    throw new UsageError(`aws.existing.vpc_id: ${vpcId} does not exist in ${region}`, { hint: fix });
  }
  const subnets =
    (await found(
      () => ec2.describeSubnets({ Filters: [{ Name: "subnet-id", Values: [...subnetIds] }] }),
      (r) => r.Subnets ?? [],
    )) || [];
  const missing = subnetIds.filter((id) => !subnets.some((s) => s.SubnetId === id));
  if (missing.length > 0) {
    throw new UsageError(
      `aws.existing.subnet_ids: ${missing.join(", ")} ${missing.length === 1 ? "does" : "do"} not exist in ${region}`,
      { hint: fix },
    );
  }
  const elsewhere = subnets.filter((s) => s.VpcId !== vpcId);
  if (elsewhere.length > 0) {
    throw new UsageError(
      `aws.existing.subnet_ids: ${elsewhere.map((s) => `${s.SubnetId} is in ${s.VpcId}`).join(", ")}, not in ${vpcId}`,
      { hint: "Every subnet must be in aws.existing.vpc_id: the security groups are created there." },
    );
  }
  const tables =
    (await ec2.describeRouteTables({ Filters: [{ Name: "vpc-id", Values: [vpcId] }] })).RouteTables ?? [];
  const isolated = subnetIds.filter((id) => !reachesS3(tableOf(tables, id)));
  if (isolated.length > 0) {
    throw new UsageError(
      `aws.existing.subnet_ids: ${isolated.join(", ")} ${isolated.length === 1 ? "has" : "have"} no route to S3, which clusters and jobs need for their code, data and logs`,
      {
        hint: "Add an S3 gateway endpoint to the subnets' route tables (free), or a default route through a NAT gateway.",
      },
    );
  }
  // EMR's local-disk encryption has each node ask KMS for its key at start: a subnet without a default
  // route reaches KMS only through an interface endpoint with private DNS.
  const closed = subnetIds.filter((id) => !routesOut(tableOf(tables, id)));
  if (closed.length > 0) await requireKmsEndpoint(ec2, vpcId, closed);
  // The stack's EMR service role carries AmazonEMRServicePolicy_v2, which acts only on subnets and
  // groups tagged for it (an existing service role's permissions are its owner's).
  const tagged = existing.emrRoles === undefined;
  if (tagged) requireEmrTag("subnet_ids", subnets);
  if (existing.securityGroups) await checkSecurityGroups(ec2, existing.securityGroups, vpcId, region, tagged);
}

/** Whether EC2 resources carry the tag AmazonEMRServicePolicy_v2 requires; refuses naming the untagged. */
function requireEmrTag(
  key: string,
  resources: readonly { Tags?: Tag[]; SubnetId?: string; GroupId?: string }[],
): void {
  const untagged = resources
    .filter(
      (r) => !(r.Tags ?? []).some((t) => t.Key === EMR_MANAGED_TAG.key && t.Value === EMR_MANAGED_TAG.value),
    )
    .map((r) => r.SubnetId ?? r.GroupId ?? "?");
  if (untagged.length === 0) return;
  throw new UsageError(
    `aws.existing.${key}: ${untagged.join(", ")} ${untagged.length === 1 ? "lacks" : "lack"} the tag ${EMR_MANAGED_TAG.key}=${EMR_MANAGED_TAG.value}, without which the EMR service role (AmazonEMRServicePolicy_v2) may not use ${untagged.length === 1 ? "it" : "them"}`,
    {
      hint: `Tag ${untagged.length === 1 ? "it" : "them"}: aws ec2 create-tags --resources ${untagged.join(" ")} --tags Key=${EMR_MANAGED_TAG.key},Value=${EMR_MANAGED_TAG.value} (or name an existing EMR service role with permissions of its own).`,
    },
  );
}

async function checkSecurityGroups(
  ec2: NetworkReader,
  named: NonNullable<ExistingResources["securityGroups"]>,
  vpcId: string,
  region: string,
  tagged: boolean,
): Promise<void> {
  const byKey = Object.entries({
    primary: named.primary,
    core: named.core,
    service_access: named.serviceAccess,
    serverless: named.serverless,
  }).filter((entry): entry is [string, string] => entry[1] !== undefined);
  const ids = [...new Set(byKey.map(([, id]) => id))];
  const groups =
    (await found(
      () => ec2.describeSecurityGroups({ Filters: [{ Name: "group-id", Values: ids }] }),
      (r) => r.SecurityGroups ?? [],
    )) || [];
  for (const [key, id] of byKey) {
    const group = groups.find((g) => g.GroupId === id);
    const where = `aws.existing.security_groups.${key}`;
    if (!group) {
      throw new UsageError(`${where}: ${id} does not exist in ${region}`, {
        hint: "Name a security group of aws.existing.vpc_id, or leave security_groups out to create them.",
      });
    }
    if (group.VpcId !== vpcId) {
      throw new UsageError(`${where}: ${id} is in ${group.VpcId}, not in ${vpcId}`, {
        hint: "Clusters run in aws.existing.subnet_ids: their groups must be of the same VPC.",
      });
    }
  }
  // EMR's own groups only: EMR Serverless's workers' group needs no tag.
  if (tagged) {
    const emrGroups = byKey.filter(([key]) => key !== "serverless").map(([, id]) => id);
    requireEmrTag(
      "security_groups",
      groups.filter((g) => emrGroups.includes(g.GroupId ?? "")),
    );
  }
}

async function requireKmsEndpoint(
  ec2: NetworkReader,
  vpcId: string,
  closed: readonly string[],
): Promise<void> {
  const endpoints =
    (await ec2.describeVpcEndpoints({ Filters: [{ Name: "vpc-id", Values: [vpcId] }] })).VpcEndpoints ?? [];
  const kms = endpoints.find(
    (e) =>
      e.ServiceName?.endsWith(".kms") &&
      e.VpcEndpointType === "Interface" &&
      e.PrivateDnsEnabled === true &&
      !["deleted", "deleting", "failed", "rejected"].includes(String(e.State).toLowerCase()),
  );
  if (kms) return;
  throw new UsageError(
    `aws.existing.subnet_ids: ${closed.join(", ")} ${closed.length === 1 ? "has" : "have"} no route out and ${vpcId} has no KMS interface endpoint with private DNS, which EMR's local-disk encryption needs on every node at start`,
    {
      hint: `Create one (com.amazonaws.<region>.kms, private DNS on, in these subnets, HTTPS allowed from the EMR groups; about $0.01 per AZ-hour), or give the subnets a NAT route.`,
    },
  );
}

/** Whether a route table has a default route out (NAT, internet or transit gateway). */
function routesOut(table: RouteTable | undefined): boolean {
  return (table?.Routes ?? []).some(
    (r) =>
      r.State !== "blackhole" &&
      r.DestinationCidrBlock === "0.0.0.0/0" &&
      (r.NatGatewayId !== undefined || r.GatewayId?.startsWith("igw-") || r.TransitGatewayId !== undefined),
  );
}

/** The route table a subnet uses: its explicit association, else the VPC's main table. */
function tableOf(tables: readonly RouteTable[], subnetId: string): RouteTable | undefined {
  return (
    tables.find((t) => t.Associations?.some((a) => a.SubnetId === subnetId)) ??
    tables.find((t) => t.Associations?.some((a) => a.Main))
  );
}

function reachesS3(table: RouteTable | undefined): boolean {
  return (
    routesOut(table) ||
    (table?.Routes ?? []).some(
      (r) =>
        r.State !== "blackhole" &&
        r.DestinationPrefixListId !== undefined &&
        r.GatewayId?.startsWith("vpce-"),
    )
  );
}

/** The answer's `pick`, or undefined when EC2 says the id is unknown (it fails rather than answer empty). */
async function found<R, T>(call: () => Promise<R>, pick: (r: R) => T): Promise<T | undefined> {
  try {
    return pick(await call());
  } catch (e) {
    if (/NotFound|Malformed/.test(errorName(e)) || /does not exist/i.test(messageOf(e))) return undefined;
    throw e;
  }
}
