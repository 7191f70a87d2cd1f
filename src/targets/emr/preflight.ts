import type { CloudFormation } from "@aws-sdk/client-cloudformation";
import type { EC2 } from "@aws-sdk/client-ec2";
import type { EMR, SupportedInstanceType } from "@aws-sdk/client-emr";
import type { IAM } from "@aws-sdk/client-iam";
import type { S3 } from "@aws-sdk/client-s3";
import type { ServiceQuotas } from "@aws-sdk/client-service-quotas";
import type { STS } from "@aws-sdk/client-sts";
import { awsTrouble, errorName, messageOf } from "../../aws/errors.js";
import type { Config } from "../../config/schema.js";
import { emrReleaseOf } from "../../config/sparkLine.js";
import { checkS3Uri } from "../../data/s3Uri.js";
import { UsageError } from "../../errors.js";
import type { FoundationOutputs } from "../../infra/outputs.js";
import type { Check } from "../../ui/checks.js";
import { findFoundation } from "./foundation.js";
import { requireS3Input } from "./input.js";
import { type InstanceRole, instanceMix } from "./instances.js";
import { blockPublicAccessFix, readBlockPublicAccess } from "./publicAccess.js";

/** The read-only calls preflight makes; the CLI passes SDK clients, tests moto's or scripted ones. */
export interface PreflightClients {
  sts: Pick<STS, "getCallerIdentity">;
  cloudFormation: Pick<CloudFormation, "describeStacks">;
  emr: Pick<EMR, "listReleaseLabels" | "listSupportedInstanceTypes" | "getBlockPublicAccessConfiguration">;
  ec2: Pick<EC2, "describeSubnets" | "describeInstanceTypeOfferings">;
  quotas: Pick<ServiceQuotas, "getServiceQuota">;
  iam: Pick<IAM, "getRole">;
  s3: Pick<S3, "headObject" | "listObjectsV2">;
}

export interface PreflightInput {
  config: Config;
  target: "emr" | "emr-serverless";
  region: string;
  stackName: string;
}

/**
 * EC2's vCPU quotas for the instance families Service Quotas calls "Standard" (A, C, D, H, I, M, R, T,
 * Z): one for running On-Demand instances, one for Spot requests. Other families (G, P, X, Inf…) each
 * have a quota of their own, which preflight names but does not read.
 */
export const VCPU_QUOTAS = {
  ON_DEMAND: { code: "L-1216C47A", name: "Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances" },
  SPOT: { code: "L-34B43A08", name: "All Standard (A, C, D, H, I, M, R, T, Z) Spot Instance Requests" },
} as const;

/** The service-linked role EMR (or EMR Serverless) needs in the account, created on first use if allowed. */
const LINKED_ROLES = {
  emr: { role: "AWSServiceRoleForEMRCleanup", service: "elasticmapreduce.amazonaws.com" },
  "emr-serverless": {
    role: "AWSServiceRoleForAmazonEMRServerless",
    service: "ops.emr-serverless.amazonaws.com",
  },
} as const;

/**
 * Read-only checks of what would otherwise fail minutes into a cloud run (a cluster that never starts, a
 * step that cannot read its input), each with its fix. The order follows what depends on what: without
 * credentials nothing else can be asked, without the foundation no subnet is known.
 */
export async function preflight(clients: PreflightClients, input: PreflightInput): Promise<Check[]> {
  const checks: Check[] = [await credentialsCheck(clients, input)];
  if (checks[0]?.status === "fail") return checks;
  const { check: foundationCheck, foundation } = await foundationOf(clients, input);
  checks.push(foundationCheck);
  if (input.target === "emr") {
    checks.push(...(await clusterChecks(clients, input.config, foundation, input.region)));
    checks.push(await publicAccessCheck(clients, input));
  }
  checks.push(await linkedRoleCheck(clients, input.target));
  checks.push(await inputCheck(clients, input.config));
  return checks;
}

/** The clients the cluster checks read with (a run makes these checks too, before it uploads). */
export type ClusterCheckClients = Pick<PreflightClients, "emr" | "ec2" | "quotas">;

/**
 * What a transient cluster of this config needs of the region and account: its release offered, its
 * instance types supported by the release and offered in the subnets' zones, its vCPUs within quota.
 */
export async function clusterChecks(
  clients: ClusterCheckClients,
  config: Config,
  foundation: FoundationOutputs | undefined,
  region: string,
): Promise<Check[]> {
  const label = emrReleaseOf(config);
  const release = await releaseCheck(clients, label, region);
  const mix = instanceMix(config.emr);
  const supported = release.offered ? await supportedTypes(clients, label) : undefined;
  return [
    release.check,
    await instanceTypesCheck(clients, mix, label, supported, foundation, config),
    ...(await quotaChecks(clients, mix, supported)),
  ];
}

/** Why an AWS call failed, in a few words. */
function reason(error: unknown): string {
  const trouble = awsTrouble(error);
  if (trouble === "access-denied") return "access denied";
  return `${errorName(error) || "error"}: ${messageOf(error).split("\n")[0]}`;
}

/** A check that could not be made: a warning, never a failure (the run may still work). */
function unknown(name: string, error: unknown, permission: string): Check {
  return {
    name,
    status: "warn",
    detail: `could not be checked (${reason(error)})`,
    ...(awsTrouble(error) === "access-denied" ? { fix: `Allow ${permission} to check it.` } : {}),
  };
}

async function credentialsCheck(clients: PreflightClients, input: PreflightInput): Promise<Check> {
  const name = "AWS credentials";
  try {
    const who = await clients.sts.getCallerIdentity({});
    const expected = input.config.aws.account;
    if (expected && who.Account !== expected) {
      return {
        name,
        status: "fail",
        detail: `${who.Arn} is in account ${who.Account}, but aws.account is ${expected}`,
        fix: "Use a profile of that account (--profile or AWS_PROFILE), or correct aws.account.",
      };
    }
    return { name, status: "ok", detail: `${who.Arn} (account ${who.Account}), region ${input.region}` };
  } catch (error) {
    return {
      name,
      status: "fail",
      detail: `none that work (${reason(error)})`,
      fix: "Sign in (`aws sso login`, `aws configure`) or set AWS_PROFILE; `kindling doctor` shows where credentials come from.",
    };
  }
}

async function foundationOf(
  clients: PreflightClients,
  input: PreflightInput,
): Promise<{ check: Check; foundation?: FoundationOutputs }> {
  const name = "Foundation stack";
  try {
    const foundation = await findFoundation(clients.cloudFormation, input.stackName);
    if (!foundation) {
      return {
        check: {
          name,
          status: "fail",
          detail: `${input.stackName} is not deployed in ${input.region}`,
          fix: "`kindling deploy` (or `kindling run --target … --deploy`).",
        },
      };
    }
    const where = `${foundation.subnetIds.length} subnet(s) in ${foundation.vpcId}`;
    return { check: { name, status: "ok", detail: `${input.stackName}: ${where}` }, foundation };
  } catch (error) {
    if (awsTrouble(error) === "access-denied") {
      return { check: unknown(name, error, "cloudformation:DescribeStacks") };
    }
    // A stack in a bad state, or outputs an older Kindling did not write: deploy brings it up to date.
    return {
      check: {
        name,
        status: "fail",
        detail: messageOf(error),
        fix: "`kindling plan` shows what `kindling deploy` would change.",
      },
    };
  }
}

async function releaseCheck(
  clients: ClusterCheckClients,
  label: string,
  region: string,
): Promise<{ check: Check; offered: boolean }> {
  const name = "EMR release";
  try {
    const offered: string[] = [];
    let NextToken: string | undefined;
    do {
      const page = await clients.emr.listReleaseLabels({
        Filters: { Prefix: label.replace(/\.\d+$/, ".") },
        ...(NextToken ? { NextToken } : {}),
      });
      offered.push(...(page.ReleaseLabels ?? []));
      NextToken = page.NextToken;
    } while (NextToken);
    if (offered.includes(label))
      return { check: { name, status: "ok", detail: `${label} is offered in ${region}` }, offered: true };
    const nearby = offered.filter((l) => l.startsWith(label.split(".")[0] ?? label)).slice(0, 3);
    return {
      check: {
        name,
        status: "fail",
        detail: `${label} is not offered in ${region}${nearby.length ? ` (offered: ${nearby.join(", ")})` : ""}`,
        fix: "Set emr.release_label to a release the region offers, of the same Spark line (`aws emr list-release-labels`).",
      },
      offered: false,
    };
  } catch (error) {
    return { check: unknown(name, error, "elasticmapreduce:ListReleaseLabels"), offered: false };
  }
}

/** The instance types the release runs on, by name (vCPUs included), or undefined when unreadable. */
async function supportedTypes(
  clients: ClusterCheckClients,
  label: string,
): Promise<Map<string, SupportedInstanceType> | undefined> {
  try {
    const types = new Map<string, SupportedInstanceType>();
    let Marker: string | undefined;
    do {
      const page = await clients.emr.listSupportedInstanceTypes({
        ReleaseLabel: label,
        ...(Marker ? { Marker } : {}),
      });
      for (const t of page.SupportedInstanceTypes ?? []) if (t.Type) types.set(t.Type, t);
      Marker = page.Marker;
    } while (Marker);
    return types;
  } catch {
    return undefined;
  }
}

/**
 * Each role's instance types: supported by the release, and offered in the subnets' availability zones
 * (instance groups use the first subnet and the first type; fleets any subnet and any of their types).
 */
async function instanceTypesCheck(
  clients: ClusterCheckClients,
  mix: InstanceRole[],
  label: string,
  supported: Map<string, SupportedInstanceType> | undefined,
  foundation: FoundationOutputs | undefined,
  config: Config,
): Promise<Check> {
  const name = "Instance types";
  const fleets = config.emr.instance_fleets;
  const candidates = (role: InstanceRole) => (fleets ? role.instanceTypes : role.instanceTypes.slice(0, 1));
  const wanted = [...new Set(mix.flatMap(candidates))];
  const unsupported = supported ? wanted.filter((t) => !supported.has(t)) : [];
  if (unsupported.length > 0) {
    return {
      name,
      status: "fail",
      detail: `${unsupported.join(", ")} ${unsupported.length === 1 ? "is" : "are"} not supported by ${label}`,
      fix: `Pick types from \`aws emr list-supported-instance-types --release-label ${label}\`.`,
    };
  }
  if (!foundation)
    return { name, status: "skip", detail: "not checked: no foundation, so no subnets to check" };
  const subnetIds = fleets ? foundation.subnetIds : foundation.subnetIds.slice(0, 1);
  try {
    const subnets = (await clients.ec2.describeSubnets({ SubnetIds: subnetIds })).Subnets ?? [];
    const zones = [
      ...new Set(subnets.map((s) => s.AvailabilityZone).filter((z): z is string => Boolean(z))),
    ].sort();
    const offeredIn = new Map<string, Set<string>>();
    let NextToken: string | undefined;
    do {
      const page = await clients.ec2.describeInstanceTypeOfferings({
        LocationType: "availability-zone",
        Filters: [
          { Name: "instance-type", Values: wanted },
          { Name: "location", Values: zones },
        ],
        ...(NextToken ? { NextToken } : {}),
      });
      for (const o of page.InstanceTypeOfferings ?? []) {
        if (!o.InstanceType || !o.Location || !zones.includes(o.Location)) continue;
        offeredIn.set(o.InstanceType, (offeredIn.get(o.InstanceType) ?? new Set()).add(o.Location));
      }
      NextToken = page.NextToken;
    } while (NextToken);
    // EMR places the whole cluster in one subnet: some zone must offer a type of every role.
    const servesAll = (zone: string) =>
      mix.every((role) => candidates(role).some((t) => offeredIn.get(t)?.has(zone)));
    if (!zones.some(servesAll)) {
      const offeredAnywhere = (role: InstanceRole) =>
        zones.some((zone) => candidates(role).some((t) => offeredIn.get(t)?.has(zone)));
      const stranded = mix.filter((role) => !offeredAnywhere(role));
      if (stranded.length === 0) {
        return {
          name,
          status: "fail",
          detail: `no one zone of ${zones.join(", ")} offers a type of every role`,
          fix: "Add instance types that one zone offers for every role (`aws ec2 describe-instance-type-offerings --location-type availability-zone`).",
        };
      }
      const which = stranded.map((r) => `${r.role} (${candidates(r).join(", ")})`).join("; ");
      return {
        name,
        status: "fail",
        detail: `not offered in ${zones.join(", ")}: ${which}`,
        fix: fleets
          ? "Add instance types the zones offer (`aws ec2 describe-instance-type-offerings --location-type availability-zone`)."
          : "Pick a type the first subnet's zone offers, or set emr.instance_fleets: true so EMR may use any subnet.",
      };
    }
    const detail = wanted.map(
      (t) => `${t}${supported?.get(t)?.VCPU ? ` (${supported.get(t)?.VCPU} vCPU)` : ""}`,
    );
    return { name, status: "ok", detail: `${detail.join(", ")} in ${zones.join(", ")}` };
  } catch (error) {
    return unknown(name, error, "ec2:DescribeSubnets and ec2:DescribeInstanceTypeOfferings");
  }
}

/** Standard families (the quotas above): a type's family is its leading letters (m5.xlarge → m). */
function isStandardFamily(type: string): boolean {
  const family = /^[a-z]+/.exec(type)?.[0] ?? "";
  if (["inf", "dl", "trn", "vt", "hpc", "mac", "u"].includes(family)) return false;
  return "acdhimrtz".includes(family[0] ?? "?");
}

/** The cluster's vCPUs per purchase option against the account's quota for them. */
async function quotaChecks(
  clients: ClusterCheckClients,
  mix: InstanceRole[],
  supported: Map<string, SupportedInstanceType> | undefined,
): Promise<Check[]> {
  const name = "vCPU quota";
  if (!supported)
    return [{ name, status: "skip", detail: "not checked: the release's instance types are unknown" }];
  // A fleet may get any of its types: count the largest.
  const vcpus = (role: InstanceRole) =>
    Math.max(...role.instanceTypes.map((t) => supported.get(t)?.VCPU ?? 0));
  const other = mix.flatMap((r) => r.instanceTypes).filter((t) => !isStandardFamily(t));
  const checks: Check[] = [];
  for (const market of ["ON_DEMAND", "SPOT"] as const) {
    const roles = mix.filter((r) => r.market === market && r.instanceTypes.every(isStandardFamily));
    const needed = roles.reduce((sum, r) => sum + r.count * vcpus(r), 0);
    if (needed === 0) continue;
    const quota = VCPU_QUOTAS[market];
    const label = `${name} (${market === "SPOT" ? "Spot" : "On-Demand"})`;
    try {
      const value = (await clients.quotas.getServiceQuota({ ServiceCode: "ec2", QuotaCode: quota.code }))
        .Quota?.Value;
      if (value === undefined) throw new Error("no value");
      if (needed > value) {
        checks.push({
          name: label,
          status: "fail",
          detail: `the cluster needs ${needed} vCPUs; "${quota.name}" is ${value}`,
          fix: `Ask for more: aws service-quotas request-service-quota-increase --service-code ec2 --quota-code ${quota.code} --desired-value ${needed}, or fewer/smaller instances.`,
        });
      } else {
        checks.push({
          name: label,
          status: "ok",
          detail: `the cluster needs ${needed} of ${value} vCPUs (instances already running count too)`,
        });
      }
    } catch (error) {
      checks.push(unknown(label, error, "servicequotas:GetServiceQuota"));
    }
  }
  if (other.length > 0) {
    checks.push({
      name: `${name} (other families)`,
      status: "skip",
      detail: `not checked for ${[...new Set(other)].join(", ")}: their quotas are per family (Service Quotas console, EC2)`,
    });
  }
  return checks;
}

async function publicAccessCheck(clients: PreflightClients, input: PreflightInput): Promise<Check> {
  const name = "EMR block public access";
  if (input.config.aws.network !== "public") {
    return { name, status: "ok", detail: "not needed: private subnets, no public IPs" };
  }
  try {
    if (await readBlockPublicAccess(clients.emr))
      return { name, status: "ok", detail: `on in ${input.region}` };
    return {
      name,
      status: "warn",
      detail: `off in ${input.region}, and aws.network is public: nothing stops a rule open to the internet`,
      fix: blockPublicAccessFix(input.region),
    };
  } catch (error) {
    return unknown(name, error, "elasticmapreduce:GetBlockPublicAccessConfiguration");
  }
}

async function linkedRoleCheck(clients: PreflightClients, target: PreflightInput["target"]): Promise<Check> {
  const { role, service } = LINKED_ROLES[target];
  const name = "Service-linked role";
  try {
    await clients.iam.getRole({ RoleName: role });
    return { name, status: "ok", detail: `${role} exists` };
  } catch (error) {
    if (errorName(error) !== "NoSuchEntity" && errorName(error) !== "NoSuchEntityException") {
      return unknown(name, error, "iam:GetRole");
    }
    return {
      name,
      status: "warn",
      detail: `${role} does not exist yet: the first ${target === "emr" ? "cluster" : "application"} creates it if your credentials may iam:CreateServiceLinkedRole`,
      fix: `Or create it once: aws iam create-service-linked-role --aws-service-name ${service}`,
    };
  }
}

async function inputCheck(clients: PreflightClients, config: Config): Promise<Check> {
  const name = "Input";
  const uri = config.data.path;
  const parsed = uri.startsWith("s3://") ? checkS3Uri(uri) : undefined;
  if (!parsed?.ok) return { name, status: "ok", detail: `${uri} is uploaded at the run's start` };
  try {
    await requireS3Input(clients.s3, { uri, ...parsed.location });
    return { name, status: "ok", detail: `${uri} exists` };
  } catch (error) {
    if (!(error instanceof UsageError))
      return unknown(name, error, `s3:GetObject and s3:ListBucket on ${uri}`);
    return { name, status: "fail", detail: error.message, ...(error.hint ? { fix: error.hint } : {}) };
  }
}
