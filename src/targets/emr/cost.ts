import type { CloudCost } from "../../runs/manifest.js";
import type { RuntimeBasis } from "../../runs/runtime.js";
import { formatUsd } from "../../ui/format.js";
import { type InstanceRole, type InstanceStorage, ROOT_VOLUME_TYPE } from "./instances.js";
import table from "./prices.json" with { type: "json" };

/** USD per hour for one instance type in one region. */
export interface InstancePrice {
  ec2: number;
  emr: number;
}

/** The shipped price table (src/targets/emr/prices.json). */
export interface PriceTable {
  as_of: string;
  currency: string;
  /** Spot price as a share of on-demand. */
  spot_factor: number;
  /** Typical minutes from RunJobFlow to a running step (billed, but no work done). */
  provisioning_minutes: number;
  /** Hours in the month that EBS's per-GB-month prices are spread over. */
  hours_per_month: number;
  regions: Record<string, Record<string, InstancePrice>>;
  /** USD per GB-month of EBS storage, per region and volume type. */
  ebs_gb_month: Record<string, Record<string, number>>;
}

export const PRICE_TABLE: PriceTable = table as PriceTable;

/** The cluster's hourly rate, or what the table lacks to compute it. */
export type HourlyRate =
  | {
      known: true;
      usdPerHour: number;
      lines: RateLine[];
    }
  | { known: false; missing: string[] };

/** One role's share of the hourly rate. */
export interface RateLine {
  role: string;
  type: string;
  count: number;
  /** All of the role's instances: EC2 + EMR + EBS. */
  usdPerHour: number;
  /** The EBS part of usdPerHour. */
  storageUsdPerHour: number;
}

/**
 * The hourly rate of an instance mix: per instance, EC2 (on-demand, or × spot_factor on spot), the EMR
 * surcharge and its EBS volumes. Fleets are priced by their first (preferred) type.
 */
export function hourlyRate(mix: readonly InstanceRole[], region: string, prices = PRICE_TABLE): HourlyRate {
  if (!region) return { known: false, missing: [NO_REGION] };
  const regional = prices.regions[region];
  const missing: string[] = [];
  const lines: RateLine[] = [];
  for (const role of mix) {
    const type = role.instanceTypes[0] as string;
    const price = regional?.[type];
    const storage = storageRate(role.storage, region, prices);
    if (!price) missing.push(`no price for ${type} in ${region}`);
    if (!storage.known) missing.push(...storage.missing);
    if (!price || !storage.known) continue;
    const ec2 = role.market === "SPOT" ? price.ec2 * prices.spot_factor : price.ec2;
    lines.push({
      role: role.role,
      type,
      count: role.count,
      usdPerHour: role.count * (ec2 + price.emr + storage.usdPerHour),
      storageUsdPerHour: role.count * storage.usdPerHour,
    });
  }
  if (missing.length > 0) return { known: false, missing: [...new Set(missing)] };
  return { known: true, usdPerHour: lines.reduce((sum, l) => sum + l.usdPerHour, 0), lines };
}

/** The hourly rate of one instance's EBS volumes (root + data). */
function storageRate(
  storage: InstanceStorage,
  region: string,
  prices: PriceTable,
): { known: true; usdPerHour: number } | { known: false; missing: string[] } {
  const perGbMonth = prices.ebs_gb_month[region];
  const volumes = [{ type: ROOT_VOLUME_TYPE, sizeGb: storage.rootGb }, ...storage.volumes];
  const missing = volumes
    .filter((v) => perGbMonth?.[v.type] === undefined)
    .map((v) => `no EBS ${v.type} price in ${region}`);
  if (missing.length > 0) return { known: false, missing };
  const gbMonth = volumes.reduce((sum, v) => sum + v.sizeGb * (perGbMonth?.[v.type] as number), 0);
  return { known: true, usdPerHour: gbMonth / prices.hours_per_month };
}

/** Cost of running at `rate` for `seconds`; EC2 and EMR bill per second with a one-minute minimum. */
export function costFor(rate: HourlyRate, seconds: number): number | undefined {
  if (!rate.known) return undefined;
  return (rate.usdPerHour * Math.max(seconds, 60)) / 3600;
}

/** Why an estimate has no number when no region is set, and where to set one. */
export const NO_REGION = "no AWS region: set aws.region in kindling.yaml, pass --region, or set AWS_REGION";

export interface CostEstimate {
  currency: string;
  usdPerHour: number | undefined;
  /** The EBS volumes' part of usdPerHour (EMR on EC2). */
  storageUsdPerHour?: number;
  /** Provisioning + expected run time, in minutes. */
  minutes: number;
  /** The expected run time part of `minutes`. */
  runtimeMinutes: number;
  /** Where the run time comes from, completing "… min running <source>". */
  runtimeSource: string;
  usd: number | undefined;
  /** Why there is no number: no region, or a type the price table lacks there. */
  missing: string[];
  priceTableAsOf: string;
}

/** The estimate shown before a run: the hourly rate × (typical provisioning + expected run time). */
export function estimateRunCost(
  mix: readonly InstanceRole[],
  region: string,
  runtime: RuntimeBasis,
  options: { /** On a warm cluster a run pays no provisioning. */ warm?: boolean; prices?: PriceTable } = {},
): CostEstimate {
  const prices = options.prices ?? PRICE_TABLE;
  const rate = hourlyRate(mix, region, prices);
  const runtimeMinutes = runtime.minutes;
  const minutes = (options.warm ? 0 : prices.provisioning_minutes) + runtimeMinutes;
  return {
    currency: prices.currency,
    usdPerHour: rate.known ? round(rate.usdPerHour) : undefined,
    storageUsdPerHour: rate.known
      ? round(rate.lines.reduce((sum, l) => sum + l.storageUsdPerHour, 0))
      : undefined,
    minutes,
    runtimeMinutes,
    runtimeSource: runtime.source,
    usd: rate.known ? round(costFor(rate, minutes * 60) as number) : undefined,
    missing: rate.known ? [] : rate.missing,
    priceTableAsOf: prices.as_of,
  };
}

/**
 * The estimate in words, its assumptions named: where the running time comes from (the config, a local
 * run, or the default assumption) and how old the prices are.
 */
export function describeEstimate(e: CostEstimate): string {
  if (e.usd === undefined || e.usdPerHour === undefined) return `unknown (${e.missing.join("; ")})`;
  const provisioning = e.minutes - e.runtimeMinutes;
  const minutes = [
    provisioning > 0 ? `${provisioning} min provisioning` : "no provisioning (warm cluster)",
    `${e.runtimeMinutes} min running ${e.runtimeSource}`,
  ];
  const storage = e.storageUsdPerHour ? ` (EBS ${formatUsd(e.storageUsdPerHour)}/h of it)` : "";
  return `${formatUsd(e.usd)} per run: ${formatUsd(e.usdPerHour)}/h${storage} × (${minutes.join(" + ")}); prices as of ${e.priceTableAsOf}`;
}

/** The actual cost from the cluster's timeline: instances are billed from creation to end. */
export function actualCost(
  mix: readonly InstanceRole[],
  region: string,
  timeline: { created: Date; ended: Date },
  prices = PRICE_TABLE,
): number | undefined {
  const seconds = (timeline.ended.getTime() - timeline.created.getTime()) / 1000;
  const cost = costFor(hourlyRate(mix, region, prices), seconds);
  return cost === undefined ? undefined : round(cost);
}

function round(n: number): number {
  return Math.round(n * 10_000) / 10_000;
}

/** An estimate as the manifest records it, before the actual cost is known. */
export function costFacts(estimate: CostEstimate): CloudCost {
  return {
    currency: estimate.currency,
    ...(estimate.usdPerHour !== undefined ? { usd_per_hour: estimate.usdPerHour } : {}),
    ...(estimate.usd !== undefined ? { estimated: estimate.usd } : {}),
    price_table_as_of: estimate.priceTableAsOf,
  };
}
