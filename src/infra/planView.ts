import { roleNameOfArn } from "../config/deploy.js";
import type { ExistingResources } from "./settings.js";
import type { FoundationPlan, PlannedResource } from "./toolkit.js";

/**
 * A plan as a person reads it: what the foundation is made of in plain words, then each construct's
 * resources by kind. CloudFormation's logical ids (EmrSecurityGroupsPrimarytokindling…ALLTRAFFIC1E460673)
 * are detail: they show with --verbose, and --json has them always.
 */

/** Resource kinds a summary names, in the order it names them: [one, many]. */
const HEADLINE: ReadonlyArray<[type: string, one: string, many: string]> = [
  ["AWS::EC2::VPC", "a VPC", "VPCs"],
  ["AWS::EC2::Subnet", "a subnet", "subnets"],
  ["AWS::EC2::VPCEndpoint", "a VPC endpoint", "VPC endpoints"],
  ["AWS::S3::Bucket", "an S3 bucket", "S3 buckets"],
  ["AWS::KMS::Key", "a KMS key", "KMS keys"],
  ["AWS::IAM::Role", "an IAM role", "IAM roles"],
  ["AWS::EC2::SecurityGroup", "a security group", "security groups"],
  ["AWS::EC2::FlowLog", "a flow log", "flow logs"],
  ["AWS::Logs::LogGroup", "a log group", "log groups"],
  ["AWS::EMR::SecurityConfiguration", "an EMR security configuration", "EMR security configurations"],
  ["AWS::EMRServerless::Application", "an EMR Serverless application", "EMR Serverless applications"],
];

/** Short names for the detail lines; any other type reads as its last two parts. */
const NOUN: Readonly<Record<string, string>> = {
  "AWS::EC2::VPC": "VPC",
  "AWS::EC2::Subnet": "subnet",
  "AWS::EC2::RouteTable": "route table",
  "AWS::EC2::SubnetRouteTableAssociation": "route table association",
  "AWS::EC2::VPCEndpoint": "VPC endpoint",
  "AWS::EC2::SecurityGroup": "security group",
  "AWS::EC2::SecurityGroupIngress": "inbound rule",
  "AWS::EC2::SecurityGroupEgress": "outbound rule",
  "AWS::EC2::FlowLog": "flow log",
  "AWS::S3::Bucket": "S3 bucket",
  "AWS::S3::BucketPolicy": "bucket policy",
  "AWS::KMS::Key": "KMS key",
  "AWS::KMS::Alias": "KMS alias",
  "AWS::IAM::Role": "IAM role",
  "AWS::IAM::Policy": "IAM policy",
  "AWS::IAM::ManagedPolicy": "IAM managed policy",
  "AWS::IAM::InstanceProfile": "instance profile",
  "AWS::Logs::LogGroup": "log group",
  "AWS::EMR::SecurityConfiguration": "EMR security configuration",
  "AWS::EMRServerless::Application": "EMR Serverless application",
};

const VERB: Record<PlannedResource["action"], string> = {
  create: "add",
  update: "change",
  replace: "replace",
  "may-replace": "maybe replace",
  delete: "remove",
  orphan: "leave (no longer managed)",
  import: "import",
  "no-change": "keep",
};

export function nounOf(type: string): string {
  return NOUN[type] ?? type.split("::").slice(1).join(" ");
}

/** "a VPC, 2 subnets, …, and 27 supporting resources (route tables, policies, rules)". */
export function summarize(resources: readonly PlannedResource[]): string {
  const counts = countBy(resources, (r) => r.type);
  const named = HEADLINE.filter(([type]) => counts.has(type)).map(([type, one, many]) => {
    const n = counts.get(type) ?? 0;
    return n === 1 ? one : `${n} ${many}`;
  });
  const headline = new Set(HEADLINE.map(([type]) => type));
  const rest = resources.filter((r) => !headline.has(r.type)).length;
  if (rest > 0)
    named.push(`${rest} supporting resource${rest === 1 ? "" : "s"} (policies, rules, routes, aliases)`);
  return named.length <= 1 ? (named[0] ?? "nothing") : `${named.slice(0, -1).join(", ")} and ${named.at(-1)}`;
}

/** The human rendering of `kindling plan`: a summary, then per construct, then (verbose) the raw ids. */
export function renderPlan(plan: FoundationPlan, options: { verbose?: boolean } = {}): string {
  if (plan.resources.length === 0) return `${plan.stackName} is up to date: no changes.`;
  const lines: string[] = [];
  if (plan.mode === "diff") {
    const counts = countBy(plan.resources, (r) => r.action);
    const changes = [...counts].map(([action, n]) => `${n} to ${VERB[action as PlannedResource["action"]]}`);
    lines.push(`Changes to ${plan.stackName}: ${changes.join(", ")}.`);
  } else {
    const state =
      plan.mode === "create" ? "is not deployed" : "(no AWS credentials: what is deployed is unknown)";
    lines.push(`${plan.stackName} ${state}; a first deploy creates ${summarize(plan.resources)}.`);
  }
  if (plan.references && plan.references.length > 0) {
    lines.push(`It uses the account's own, and changes nothing on them: ${plan.references.join(", ")}.`);
  }
  const width = Math.max(...plan.resources.map((r) => constructName(r).length));
  for (const [construct, resources] of groupBy(plan.resources, constructName)) {
    const kinds = [
      ...countBy(resources, (r) => `${plan.mode === "diff" ? `${VERB[r.action]} ` : ""}${nounOf(r.type)}`),
    ]
      .map(([kind, n]) => (n === 1 ? kind : `${kind} ×${n}`))
      .join(", ");
    lines.push(`  ${construct.padEnd(width)}  ${kinds}`);
  }
  const security = plan.security;
  if (security?.widens) {
    lines.push(
      "  ! IAM permissions or network rules widen: deploy asks before applying them (--yes approves).",
    );
  } else if (security?.iam || security?.network) {
    lines.push(
      security.widens === false
        ? "  IAM permissions or network rules change (none widens)."
        : "  ! IAM or security groups change: `deploy --change-set` asks before executing it (--yes approves).",
    );
  }
  if (options.verbose) {
    lines.push("  Resources (CloudFormation logical ids):");
    for (const r of [...plan.resources].sort((a, b) => a.logicalId.localeCompare(b.logicalId))) {
      lines.push(`    ${plan.mode === "diff" ? `${r.action.padEnd(11)} ` : ""}${r.type} ${r.logicalId}`);
    }
  } else {
    lines.push(`  ${plan.resources.length} resource(s); --verbose lists their logical ids.`);
  }
  return lines.join("\n");
}

/** What aws.existing names, in words for the plan: "VPC vpc-…", "data bucket team-data", … */
export function referencesOf(existing: ExistingResources | undefined): string[] {
  if (!existing) return [];
  const groups = existing.securityGroups;
  const groupIds = groups ? [groups.primary, groups.core, groups.serviceAccess, groups.serverless] : [];
  const roles = existing.emrRoles;
  return [
    existing.network && `VPC ${existing.network.vpcId}`,
    existing.network &&
      `subnet${existing.network.subnetIds.length === 1 ? "" : "s"} ${existing.network.subnetIds.join(", ")}`,
    groups && `security groups ${groupIds.filter(Boolean).join(", ")}`,
    existing.dataBucket && `data bucket ${existing.dataBucket}`,
    existing.logsBucket && `logs bucket ${existing.logsBucket}`,
    existing.kmsKeyArn && `KMS key ${existing.kmsKeyArn}`,
    roles && `EMR roles ${roleNameOfArn(roles.serviceRoleArn)} and ${roleNameOfArn(roles.instanceRoleArn)}`,
  ].filter((r): r is string => typeof r === "string");
}

function constructName(r: PlannedResource): string {
  return r.construct ?? "(not in the new template)";
}

function countBy<T>(items: readonly T[], key: (t: T) => string): Map<string, number> {
  const m = new Map<string, number>();
  for (const item of items) m.set(key(item), (m.get(key(item)) ?? 0) + 1);
  return m;
}

function groupBy<T>(items: readonly T[], key: (t: T) => string): [string, T[]][] {
  const m = new Map<string, T[]>();
  for (const item of items) m.set(key(item), [...(m.get(key(item)) ?? []), item]);
  return [...m.entries()];
}
