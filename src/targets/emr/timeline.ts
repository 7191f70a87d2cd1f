import type { Cluster, Step } from "@aws-sdk/client-emr";
import type { EmrRunFacts } from "../../runs/manifest.js";
import { actualCost, costFor, hourlyRate } from "./cost.js";
import type { InstanceRole } from "./instances.js";

/**
 * What the cluster's and step's timelines say: provisioning and running time, the billed time, the final
 * state and its reason, and (once the cluster has ended) the actual cost.
 */
export function timelineFacts(
  cluster: Cluster,
  step: Step | undefined,
  mix: readonly InstanceRole[],
  region: string,
  cost: EmrRunFacts["cost"],
): Partial<EmrRunFacts> {
  const t = cluster.Status?.Timeline;
  const s = step?.Status?.Timeline;
  const secs = (a?: Date, b?: Date) => (a && b ? Math.max(0, (b.getTime() - a.getTime()) / 1000) : undefined);
  const timings: NonNullable<EmrRunFacts["timings"]> = {};
  if (t?.CreationDateTime) timings.created_at = t.CreationDateTime.toISOString();
  if (t?.ReadyDateTime) timings.ready_at = t.ReadyDateTime.toISOString();
  if (t?.EndDateTime) timings.ended_at = t.EndDateTime.toISOString();
  const provisioning = secs(t?.CreationDateTime, t?.ReadyDateTime ?? s?.StartDateTime);
  const running = secs(s?.StartDateTime, s?.EndDateTime);
  const billed = secs(t?.CreationDateTime, t?.EndDateTime);
  if (provisioning !== undefined) timings.provisioning_seconds = provisioning;
  if (running !== undefined) timings.running_seconds = running;
  if (billed !== undefined) timings.billed_seconds = billed;
  const reason = cluster.Status?.StateChangeReason;
  const actual = clusterCost(cluster, mix, region);
  return {
    timings,
    ...(cluster.Status?.State ? { cluster_state: cluster.Status.State } : {}),
    ...(reason?.Message || reason?.Code
      ? { state_change_reason: [reason.Code, reason.Message].filter(Boolean).join(": ") }
      : {}),
    cost: actual !== undefined ? { ...cost, actual } : cost,
  };
}

/** What a cluster cost, once it has ended: instances are billed from its creation to its end. */
export function clusterCost(
  cluster: Cluster,
  mix: readonly InstanceRole[],
  region: string,
): number | undefined {
  const t = cluster.Status?.Timeline;
  if (!t?.CreationDateTime || !t.EndDateTime) return undefined;
  return actualCost(mix, region, { created: t.CreationDateTime, ended: t.EndDateTime });
}

/**
 * A run on a warm cluster pays its share of the cluster's time: the step's duration at the cluster's
 * hourly rate (no provisioning; the idle time between runs is the cluster's, not a run's).
 */
export function warmShareFacts(
  cluster: Cluster,
  step: Step,
  mix: readonly InstanceRole[],
  region: string,
  cost: EmrRunFacts["cost"],
): Partial<EmrRunFacts> {
  const s = step.Status?.Timeline;
  const running =
    s?.StartDateTime && s.EndDateTime
      ? Math.max(0, (s.EndDateTime.getTime() - s.StartDateTime.getTime()) / 1000)
      : undefined;
  const share = running === undefined ? undefined : costFor(hourlyRate(mix, region), running);
  return {
    timings: {
      provisioning_seconds: 0,
      ...(running !== undefined ? { running_seconds: running, billed_seconds: running } : {}),
    },
    ...(cluster.Status?.State ? { cluster_state: cluster.Status.State } : {}),
    cost: share !== undefined ? { ...cost, actual: Math.round(share * 10_000) / 10_000 } : cost,
  };
}
