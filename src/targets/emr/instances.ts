import type { Config } from "../../config/schema.js";

/** One role of the cluster as planned: what runs there, how many, on which market. */
export interface InstanceRole {
  role: "primary" | "core" | "task";
  /** Instance types; instance groups use the first, fleets any of them. */
  instanceTypes: string[];
  count: number;
  market: "ON_DEMAND" | "SPOT";
}

/** The cluster's instance mix, from the `emr:` section. Roles with no instances are left out. */
export function instanceMix(emr: Config["emr"]): InstanceRole[] {
  const roles: InstanceRole[] = [
    { role: "primary", instanceTypes: [...emr.primary.instance_types], count: 1, market: "ON_DEMAND" },
    {
      role: "core",
      instanceTypes: [...emr.core.instance_types],
      count: emr.core.count,
      market: emr.core.spot ? "SPOT" : "ON_DEMAND",
    },
    {
      role: "task",
      instanceTypes: [...emr.task.instance_types],
      count: emr.task.count,
      market: emr.task.spot ? "SPOT" : "ON_DEMAND",
    },
  ];
  return roles.filter((r) => r.count > 0);
}

/** "1× m5.xlarge primary, 2× m5.xlarge core (spot)" */
export function describeMix(mix: readonly InstanceRole[]): string {
  return mix
    .map((r) => `${r.count}× ${r.instanceTypes.join("|")} ${r.role}${r.market === "SPOT" ? " (spot)" : ""}`)
    .join(", ");
}
