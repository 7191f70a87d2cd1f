import type { Config } from "../../config/schema.js";
import type { ManifestInstances } from "../../runs/manifest.js";

/** One role of the cluster as planned: what runs there, how many, on which market. */
export interface InstanceRole {
  role: "primary" | "core" | "task";
  /** Instance types; instance groups use the first, fleets any of them. */
  instanceTypes: string[];
  count: number;
  market: "ON_DEMAND" | "SPOT";
  /** Each instance's EBS storage: billed for as long as the instance runs. */
  storage: InstanceStorage;
}

/** The EBS volumes of one instance. */
export interface InstanceStorage {
  /** The root volume's size; its type is ROOT_VOLUME_TYPE. */
  rootGb: number;
  /** The data volumes. */
  volumes: EbsVolume[];
}

/** One EBS volume of an instance. */
export interface EbsVolume {
  type: string;
  sizeGb: number;
}

/** The root volume's type: gp3 on every EMR release since 6.15.0 (AWS: "Customizing the root volume"). */
export const ROOT_VOLUME_TYPE = "gp3";

/** What each instance of the config's cluster gets. */
export function configStorage(ebs: Config["emr"]["ebs"]): InstanceStorage {
  return { rootGb: ebs.root_volume_gb, volumes: [{ type: ebs.volume_type, sizeGb: ebs.volume_gb }] };
}

/** The cluster's instance mix, from the `emr:` section. Roles with no instances are left out. */
export function instanceMix(emr: Config["emr"]): InstanceRole[] {
  const storage = configStorage(emr.ebs);
  const roles: InstanceRole[] = [
    {
      role: "primary",
      instanceTypes: [...emr.primary.instance_types],
      count: 1,
      market: "ON_DEMAND",
      storage,
    },
    {
      role: "core",
      instanceTypes: [...emr.core.instance_types],
      count: emr.core.count,
      market: emr.core.spot ? "SPOT" : "ON_DEMAND",
      storage,
    },
    {
      role: "task",
      instanceTypes: [...emr.task.instance_types],
      count: emr.task.count,
      market: emr.task.spot ? "SPOT" : "ON_DEMAND",
      storage,
    },
  ];
  return roles.filter((r) => r.count > 0);
}

/** "1× m5.xlarge primary, 2× m5.xlarge core (spot); each 64 GiB gp3 + 15 GiB root" */
export function describeMix(mix: readonly InstanceRole[]): string {
  const roles = mix.map(
    (r) => `${r.count}× ${r.instanceTypes.join("|")} ${r.role}${r.market === "SPOT" ? " (spot)" : ""}`,
  );
  const storage = new Set(mix.map((r) => describeStorage(r.storage)));
  return storage.size === 1 ? `${roles.join(", ")}; each ${[...storage][0]}` : roles.join(", ");
}

function describeStorage(storage: InstanceStorage): string {
  return [...storage.volumes.map((v) => `${v.sizeGb} GiB ${v.type}`), `${storage.rootGb} GiB root`].join(
    " + ",
  );
}

/** A mix as the manifest records it. */
export function manifestInstances(mix: readonly InstanceRole[]): ManifestInstances[] {
  return mix.map((r) => ({
    role: r.role,
    instance_types: r.instanceTypes,
    count: r.count,
    market: r.market,
    root_volume_gb: r.storage.rootGb,
    volumes: r.storage.volumes.map((v) => ({ type: v.type, size_gb: v.sizeGb })),
  }));
}

/** EMR's root volume size since 6.10.0, for manifests written before storage was recorded. */
export const DEFAULT_ROOT_GB = 15;

/** The mix a manifest recorded (to price a run still going). */
export function mixFromManifest(instances: readonly ManifestInstances[]): InstanceRole[] {
  return instances.map((i) => ({
    role: i.role as InstanceRole["role"],
    instanceTypes: i.instance_types,
    count: i.count,
    market: i.market as InstanceRole["market"],
    storage: {
      rootGb: i.root_volume_gb ?? DEFAULT_ROOT_GB,
      volumes: (i.volumes ?? []).map((v) => ({ type: v.type, sizeGb: v.size_gb })),
    },
  }));
}
