import { formatUsd } from "../ui/format.js";
import type { FoundationSettings } from "./settings.js";
import table from "./standingCost.json" with { type: "json" };

/** One item of what the foundation costs while no job runs. */
export interface StandingCostLine {
  item: string;
  /** A fixed monthly amount, when there is one. */
  usdPerMonth?: number;
  /** How the rest is billed (per GB, per hour while started): it depends on use, not on the stack. */
  usage?: string;
}

export interface StandingCost {
  /** The fixed part, per month. */
  usdPerMonth: number;
  lines: StandingCostLine[];
  priceTableAsOf: string;
}

/**
 * What the deployed foundation costs with no run going: the KMS key (its yearly rotations add $1/month
 * each for the first two) and, in the private network, the KMS interface endpoint are the fixed charges;
 * storage and flow logs are billed by use; the network has no NAT gateway and a free S3 gateway endpoint;
 * the EMR Serverless application costs nothing while stopped, and by the hour while started when it keeps
 * pre-initialized workers.
 */
export function standingCost(
  settings: Pick<FoundationSettings, "network" | "existing">,
  /** Pre-initialized executors and what keeping them (with a driver) costs per hour; undefined: no price. */
  warm: { executors: number; usdPerHour: number | undefined },
  prices = table,
): StandingCost {
  const lines: StandingCostLine[] = [
    {
      item: "KMS key (EMR at-rest encryption; rotation on)",
      usdPerMonth: prices.kms_key_month,
      usage: `+${formatUsd(prices.kms_rotation_month)}/month after each yearly rotation, for the first ${prices.kms_rotations_charged}`,
    },
    {
      item: "S3 data and logs buckets",
      usage: `${formatUsd(prices.s3_standard_gb_month)} per GB-month stored (logs expire after aws.logs_retention_days)`,
    },
    {
      item: "VPC flow logs (CloudWatch Logs)",
      usage: `${formatUsd(prices.cloudwatch_logs_ingest_gb)} per GB ingested + ${formatUsd(prices.cloudwatch_logs_store_gb_month)} per GB-month kept; next to nothing while no job runs`,
    },
    ...networkLines(settings, prices),
    warm.executors > 0
      ? {
          item: `EMR Serverless application with ${warm.executors} pre-initialized executor(s) and a driver`,
          usage: `${warm.usdPerHour === undefined ? "billed per hour (no price: the region is unknown or not in the table)" : `${formatUsd(warm.usdPerHour)}/h`} while started (it stops after serverless.idle_minutes idle)`,
        }
      : {
          item: "EMR Serverless application (no pre-initialized workers)",
          usdPerMonth: 0,
          usage: "billed only for job runs",
        },
  ];
  return {
    usdPerMonth: lines.reduce((sum, l) => sum + (l.usdPerMonth ?? 0), 0),
    lines,
    priceTableAsOf: prices.as_of,
  };
}

/**
 * The network the stack makes: free, but for the KMS interface endpoint of the private variant (EMR's
 * local-disk encryption needs KMS from isolated subnets), billed per hour in each of its two AZs.
 */
function networkLines(
  settings: Pick<FoundationSettings, "network" | "existing">,
  prices: typeof table,
): StandingCostLine[] {
  if (settings.existing?.network)
    return [{ item: "VPC and subnets: the account's own (aws.existing)", usdPerMonth: 0 }];
  const vpc = {
    item: `VPC (${settings.network} subnets, S3 gateway endpoint, no NAT gateway)`,
    usdPerMonth: 0,
  };
  if (settings.network === "public") return [vpc];
  const azs = 2;
  return [
    vpc,
    {
      item: `KMS interface endpoint in ${azs} AZs (EMR local-disk encryption from isolated subnets)`,
      usdPerMonth: round(prices.interface_endpoint_az_hour * azs * prices.hours_per_month),
      usage: `+${formatUsd(prices.interface_endpoint_gb)} per GB through it (key requests only: next to nothing)`,
    },
  ];
}

function round(usd: number): number {
  return Math.round(usd * 100) / 100;
}

/** The standing cost as `kindling plan` prints it. */
export function renderStandingCost(cost: StandingCost): string {
  return [
    `Standing cost while no job runs: ${formatUsd(cost.usdPerMonth)}/month fixed, plus use (list prices as of ${cost.priceTableAsOf}):`,
    ...cost.lines.map(
      (l) =>
        `  ${l.item}: ${[
          l.usdPerMonth !== undefined ? `${formatUsd(l.usdPerMonth)}/month` : undefined,
          l.usage,
        ]
          .filter(Boolean)
          .join(", ")}`,
    ),
  ].join("\n");
}
