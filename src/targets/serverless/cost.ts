import { type ServerlessConfig, workerSizeGb } from "../../config/serverless.js";
import type { RuntimeBasis } from "../../runs/runtime.js";
import { formatUsd } from "../../ui/format.js";
import { type CostEstimate, NO_REGION } from "../emr/cost.js";
import table from "./prices.json" with { type: "json" };

/** USD per resource-hour of an EMR Serverless worker. */
export interface WorkerPrice {
  vcpu_hour: number;
  gb_hour: number;
  /** Ephemeral storage beyond the 20 GB each worker has free. */
  storage_gb_hour: number;
}

export interface ServerlessPriceTable {
  as_of: string;
  currency: string;
  regions: Record<string, Record<ServerlessConfig["architecture"], WorkerPrice>>;
}

export const SERVERLESS_PRICES: ServerlessPriceTable = table as ServerlessPriceTable;

/** What `executors` executors and one driver hold, as the workers EMR Serverless places are sized. */
export function jobCapacity(
  s: ServerlessConfig,
  executors = s.executors,
): { vcpu: number; memoryGb: number; workers: number } {
  return {
    vcpu: s.driver.cpu + s.executor.cpu * executors,
    memoryGb:
      workerSizeGb(s.driver.cpu, s.driver.memory) +
      workerSizeGb(s.executor.cpu, s.executor.memory) * executors,
    workers: 1 + executors,
  };
}

function priceOf(region: string, s: ServerlessConfig, prices: ServerlessPriceTable) {
  if (!region) return { missing: [NO_REGION] };
  const price = prices.regions[region]?.[s.architecture];
  return price ? { price } : { missing: [`no EMR Serverless price for ${s.architecture} in ${region}`] };
}

/**
 * The estimate before a run: the job's vCPUs and memory × the expected minutes. No provisioning is billed
 * (workers are billed from when they start to when they stop); the default 20 GB disk per worker is free.
 */
export function estimateServerlessCost(
  s: ServerlessConfig,
  region: string,
  runtime: RuntimeBasis,
  prices = SERVERLESS_PRICES,
): CostEstimate {
  const found = priceOf(region, s, prices);
  const minutes = runtime.minutes;
  const base = {
    currency: prices.currency,
    minutes,
    runtimeMinutes: minutes,
    runtimeSource: runtime.source,
    priceTableAsOf: prices.as_of,
  };
  if (!("price" in found) || !found.price) {
    return { ...base, usdPerHour: undefined, usd: undefined, missing: found.missing ?? [] };
  }
  const { vcpu, memoryGb } = jobCapacity(s);
  const perHour = vcpu * found.price.vcpu_hour + memoryGb * found.price.gb_hour;
  return { ...base, usdPerHour: round(perHour), usd: round((perHour * minutes) / 60), missing: [] };
}

/** The estimate in words, its assumption named. */
export function describeServerlessEstimate(e: CostEstimate): string {
  if (e.usd === undefined || e.usdPerHour === undefined) return `unknown (${e.missing.join("; ")})`;
  return `${formatUsd(e.usd)} per run: ${formatUsd(e.usdPerHour)}/h for the job's workers × ${e.runtimeMinutes} min ${e.runtimeSource}; no provisioning is billed; prices as of ${e.priceTableAsOf}`;
}

/** What keeping pre-initialized capacity (one driver + N executors) costs per hour while the application is started. */
export function preInitializedUsdPerHour(
  s: ServerlessConfig,
  region: string,
  prices = SERVERLESS_PRICES,
): number | undefined {
  if (s.pre_initialized_executors === 0) return 0;
  const found = priceOf(region, s, prices);
  if (!("price" in found) || !found.price) return undefined;
  const { vcpu, memoryGb } = jobCapacity(s, s.pre_initialized_executors);
  return round(vcpu * found.price.vcpu_hour + memoryGb * found.price.gb_hour);
}

/** The job run's billed resource utilization, as GetJobRun reports it. */
export interface BilledUtilization {
  vCPUHour?: number | undefined;
  memoryGBHour?: number | undefined;
  storageGBHour?: number | undefined;
}

/** The actual cost of a job run from what EMR Serverless billed it (after it ended). */
export function actualServerlessCost(
  billed: BilledUtilization,
  s: Pick<ServerlessConfig, "architecture">,
  region: string,
  prices = SERVERLESS_PRICES,
): number | undefined {
  const price = prices.regions[region]?.[s.architecture];
  if (!price) return undefined;
  return round(
    (billed.vCPUHour ?? 0) * price.vcpu_hour +
      (billed.memoryGBHour ?? 0) * price.gb_hour +
      (billed.storageGBHour ?? 0) * price.storage_gb_hour,
  );
}

function round(n: number): number {
  return Math.round(n * 10_000) / 10_000;
}
