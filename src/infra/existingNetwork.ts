import type { EC2, RouteTable } from "@aws-sdk/client-ec2";
import { errorName, messageOf } from "../aws/errors.js";
import { UsageError } from "../errors.js";
import type { FoundationSettings } from "./settings.js";

/**
 * Read-only checks of `aws.existing` before plan or deploy touches anything: the VPC and subnets exist in
 * the region, the subnets are in that VPC, and each one has a way to S3, which every cluster and job
 * needs for its code, data and logs (a gateway endpoint in its route table, or a default route through a
 * NAT or internet gateway). Syntax was checked at validate; only AWS can say whether they fit.
 */

export type NetworkReader = Pick<EC2, "describeVpcs" | "describeSubnets" | "describeRouteTables">;

export async function checkExistingNetwork(
  ec2: NetworkReader,
  settings: Pick<FoundationSettings, "existingNetwork">,
  region: string,
): Promise<void> {
  const existing = settings.existingNetwork;
  if (!existing) return;
  const { vpcId, subnetIds } = existing;
  const fix =
    "Name resources of this account and region in aws.existing, or remove the section to create a VPC.";
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
}

/** The route table a subnet uses: its explicit association, else the VPC's main table. */
function tableOf(tables: readonly RouteTable[], subnetId: string): RouteTable | undefined {
  return (
    tables.find((t) => t.Associations?.some((a) => a.SubnetId === subnetId)) ??
    tables.find((t) => t.Associations?.some((a) => a.Main))
  );
}

function reachesS3(table: RouteTable | undefined): boolean {
  return (table?.Routes ?? []).some(
    (r) =>
      r.State !== "blackhole" &&
      ((r.DestinationPrefixListId !== undefined && r.GatewayId?.startsWith("vpce-")) ||
        (r.DestinationCidrBlock === "0.0.0.0/0" &&
          (r.NatGatewayId !== undefined ||
            r.GatewayId?.startsWith("igw-") ||
            r.TransitGatewayId !== undefined))),
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

/** An EC2 client for the checks, on the same profile, region and endpoint settings as the other clients. */
export async function ec2ClientFor(target: { profile?: string; region?: string }): Promise<NetworkReader> {
  const { EC2: Client } = await import("@aws-sdk/client-ec2");
  return new Client({
    ...(target.region ? { region: target.region } : {}),
    ...(target.profile ? { profile: target.profile } : {}),
  });
}
