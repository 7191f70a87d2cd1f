import type {
  AddJobFlowStepsCommandInput,
  Cluster,
  ClusterState,
  EbsBlockDevice,
  ListClustersCommandOutput,
} from "@aws-sdk/client-emr";
import type { Clock, Sleep } from "../../clock.js";
import type { Config } from "../../config/schema.js";
import { configuredLine, emrReleaseOf } from "../../config/sparkLine.js";
import { InterruptedError, KindlingError, UsageError } from "../../errors.js";
import type { FoundationOutputs } from "../../infra/outputs.js";
import { CODES } from "../../ui/codes.js";
import { formatDuration } from "../../ui/format.js";
import type { IoHost } from "../../ui/io.js";
import { lineOfRelease } from "../../versions.js";
import { classifyFailure } from "./classify.js";
import { DEFAULT_ROOT_GB, type InstanceRole, type InstanceStorage } from "./instances.js";
import {
  buildRunJobFlowRequest,
  clusterIdentity,
  type Owner,
  ownerTags,
  STEP_NAME,
  sparkStep,
  WARM_TAG,
} from "./request.js";
import { CLUSTER_DONE, type EmrApi, elapsedSeconds, terminateCluster } from "./watch.js";

/** States in which a warm cluster takes (or will take) a run's step. */
const UP: ClusterState[] = ["STARTING", "BOOTSTRAPPING", "RUNNING", "WAITING"];
const USABLE = new Set<string>(UP);

/** A kept-alive cluster of a project, as `kindling cluster list` shows it. */
export interface WarmCluster {
  id: string;
  name: string;
  state: string;
  createdAt: string | undefined;
  /** "emr-7.13.0": its Spark line must be the config's. */
  releaseLabel: string | undefined;
}

export interface WarmContext {
  emr: EmrApi;
  config: Config;
  io: IoHost;
  sleep: Sleep;
  clock: Clock;
  signal?: AbortSignal;
  pollMs?: number;
}

/**
 * Starts a cluster like a run's transient one, but kept alive for runs' steps, with an idle
 * auto-termination so a forgotten cluster still ends; resolves once it is WAITING for steps.
 */
export async function startWarmCluster(
  context: WarmContext,
  foundation: FoundationOutputs,
  idleMinutes: number,
): Promise<WarmCluster> {
  const { emr, config, io } = context;
  const request = buildRunJobFlowRequest({
    ...clusterIdentity(config, foundation),
    releaseLabel: emrReleaseOf(config),
    emr: config.emr,
    foundation,
    warmIdleSeconds: idleMinutes * 60,
  });
  const clusterId = (await emr.runJobFlow(request)).JobFlowId;
  if (!clusterId) throw new KindlingError("RunJobFlow returned no cluster id.");
  io.notify(
    CODES.EMR_CLUSTER_STARTED.msg(
      `Started warm cluster ${clusterId}; it ends after ${idleMinutes} idle minutes, or with \`kindling cluster stop ${clusterId}\`.`,
      { clusterId },
    ),
  );
  const span = io.span(CODES.EMR_CLUSTER_WATCH.msg(`Cluster ${clusterId}`, { clusterId }));
  for (;;) {
    if (context.signal?.aborted) {
      span.fail("interrupted");
      await terminateCluster(emr, clusterId, io, "interrupted while starting");
      throw new InterruptedError(`Starting cluster ${clusterId} was interrupted; it was terminated.`);
    }
    const cluster = (await emr.describeCluster({ ClusterId: clusterId })).Cluster ?? {};
    const state = cluster.Status?.State ?? "UNKNOWN";
    span.update(`${state} · ${formatDuration(elapsedSeconds(cluster, context.clock()))}`);
    if (state === "WAITING" || state === "RUNNING") {
      span.succeed(`${state} after ${formatDuration(elapsedSeconds(cluster, context.clock()))}`);
      return warmClusterOf(cluster);
    }
    if (CLUSTER_DONE.has(state)) {
      span.fail(state);
      const cause = classifyFailure({ clusterReason: cluster.Status?.StateChangeReason, logs: [] });
      throw new KindlingError(`Cluster ${clusterId} did not start: ${cause.summary}`, { hint: cause.hint });
    }
    await context.sleep(context.pollMs ?? 15_000, context.signal);
  }
}

/** The project's warm clusters in its environment that are up (or coming up), newest first. */
export async function listWarmClusters(emr: EmrApi, owner: Owner): Promise<WarmCluster[]> {
  const found: WarmCluster[] = [];
  let marker: string | undefined;
  do {
    const page: ListClustersCommandOutput = await emr.listClusters({ ClusterStates: UP, Marker: marker });
    for (const summary of page.Clusters ?? []) {
      if (!summary.Id) continue;
      const cluster = (await emr.describeCluster({ ClusterId: summary.Id })).Cluster ?? {};
      if (isWarmOf(cluster, owner)) {
        found.push(warmClusterOf(cluster));
      }
    }
    marker = page.Marker;
  } while (marker);
  return found.sort((a, b) => (b.createdAt ?? "").localeCompare(a.createdAt ?? ""));
}

/**
 * The warm cluster a command names: its id, or `latest` (the project's newest one that is up). Only a
 * warm cluster this project started qualifies: a run must not land on, nor `cluster stop` end, a
 * cluster someone else depends on.
 */
export async function resolveWarmCluster(
  emr: EmrApi,
  owner: Owner,
  ref: string,
  purpose: "run" | "stop" = "run",
): Promise<WarmCluster> {
  const hint =
    "`kindling cluster list` shows this project's warm clusters that are up; `kindling cluster start` starts one.";
  if (ref === "latest") {
    const [newest] = await listWarmClusters(emr, owner);
    if (!newest) {
      throw new UsageError(`${describeOwner(owner)} has no warm cluster up`, {
        hint:
          purpose === "run"
            ? "Start one with `kindling cluster start`, or drop --cluster for a transient cluster."
            : hint,
      });
    }
    return newest;
  }
  const cluster = (await emr.describeCluster({ ClusterId: ref })).Cluster ?? {};
  if (!isWarmOf(cluster, owner)) {
    throw new UsageError(`cluster ${ref} is not a warm cluster of ${describeOwner(owner)}`, { hint });
  }
  const state = cluster.Status?.State ?? "UNKNOWN";
  if (!USABLE.has(state)) {
    throw new UsageError(
      `cluster ${ref} is ${state}: ${purpose === "run" ? "it cannot take a run" : "it has already ended"}`,
      { hint },
    );
  }
  return warmClusterOf(cluster);
}

function tagOf(cluster: Cluster, key: string): string | undefined {
  return cluster.Tags?.find((t) => t.Key === key)?.Value;
}

/** Adds a run's step to a warm cluster: a failed step must not end a cluster other runs use. */
export async function addRunStep(
  emr: EmrApi,
  clusterId: string,
  sparkSubmitArgs: string[],
  io: IoHost,
): Promise<{ clusterId: string; stepId: string }> {
  const added = await emr.addJobFlowSteps(warmStepRequest(clusterId, sparkSubmitArgs));
  const stepId = added.StepIds?.[0];
  if (!stepId) throw new KindlingError(`AddJobFlowSteps returned no step id for cluster ${clusterId}.`);
  io.notify(
    CODES.EMR_STEP_ADDED.msg(
      `Added step ${stepId} to warm cluster ${clusterId}; Ctrl-C cancels the step, not the cluster.`,
      { clusterId, stepId },
    ),
  );
  return { clusterId, stepId };
}

/** The AddJobFlowSteps request of a run on a warm cluster (what --dry-run prints). */
export function warmStepRequest(clusterId: string, sparkSubmitArgs: string[]): AddJobFlowStepsCommandInput {
  return { JobFlowId: clusterId, Steps: [sparkStep(sparkSubmitArgs, STEP_NAME, "CONTINUE")] };
}

/** The instance mix a cluster really has (it may have been started from another config). */
export async function clusterMix(emr: EmrApi, clusterId: string): Promise<InstanceRole[]> {
  const role = (type: string | undefined): InstanceRole["role"] =>
    type === "MASTER" ? "primary" : type === "TASK" ? "task" : "core";
  const cluster = (await emr.describeCluster({ ClusterId: clusterId })).Cluster;
  // The root volume's size is the cluster's; the data volumes are listed per group or instance type.
  const storage = (devices: EbsBlockDevice[] | undefined): InstanceStorage => ({
    rootGb: cluster?.EbsRootVolumeSize ?? DEFAULT_ROOT_GB,
    volumes: (devices ?? []).map((d) => ({
      type: d.VolumeSpecification?.VolumeType ?? "",
      sizeGb: d.VolumeSpecification?.SizeInGB ?? 0,
    })),
  });
  const groups = (await emr.listInstanceGroups({ ClusterId: clusterId })).InstanceGroups ?? [];
  if (groups.length > 0) {
    return groups.map((g) => ({
      role: role(g.InstanceGroupType),
      instanceTypes: [g.InstanceType ?? ""],
      count: g.RequestedInstanceCount ?? g.RunningInstanceCount ?? 0,
      market: g.Market === "SPOT" ? "SPOT" : "ON_DEMAND",
      storage: storage(g.EbsBlockDevices),
    }));
  }
  const fleets = (await emr.listInstanceFleets({ ClusterId: clusterId })).InstanceFleets ?? [];
  return fleets.map((f) => {
    const spot = (f.TargetSpotCapacity ?? 0) > 0;
    return {
      role: role(f.InstanceFleetType),
      instanceTypes: (f.InstanceTypeSpecifications ?? []).map((t) => t.InstanceType ?? ""),
      count: spot ? (f.TargetSpotCapacity ?? 0) : (f.TargetOnDemandCapacity ?? 0),
      market: spot ? "SPOT" : "ON_DEMAND",
      // Priced, like the instance, by the first (preferred) type.
      storage: storage(f.InstanceTypeSpecifications?.[0]?.EbsBlockDevices),
    };
  });
}

function warmClusterOf(cluster: Cluster): WarmCluster {
  return {
    id: cluster.Id ?? "",
    name: cluster.Name ?? "",
    state: cluster.Status?.State ?? "UNKNOWN",
    createdAt: cluster.Status?.Timeline?.CreationDateTime?.toISOString(),
    releaseLabel: cluster.ReleaseLabel,
  };
}

/**
 * Refuses a warm cluster of another Spark line than the config's, before any upload: its models could not
 * be read back by the line the config scores with (and the job would refuse to run there).
 */
export function requireLineOf(cluster: WarmCluster, config: Config): void {
  const line = configuredLine(config).line;
  const runs = cluster.releaseLabel ? lineOfRelease(cluster.releaseLabel) : undefined;
  if (runs === line) return;
  throw new UsageError(
    `cluster ${cluster.id} runs ${cluster.releaseLabel ?? "an unknown release"} (${runs ? `Spark ${runs}` : "no Spark line Kindling runs"}), but spark.line is ${line}`,
    {
      hint: `Start a cluster of this line with \`kindling cluster start\` (it uses ${emrReleaseOf(config)}), or set spark.line to the cluster's.`,
    },
  );
}

/** A warm cluster this project started in this environment (another's foundation is not this run's). */
function isWarmOf(cluster: Cluster, owner: Owner): boolean {
  return (
    tagOf(cluster, WARM_TAG) === "true" &&
    Object.entries(ownerTags(owner)).every(([key, value]) => tagOf(cluster, key) === value)
  );
}

function describeOwner(owner: Owner): string {
  return `project ${owner.project} (environment ${owner.environment})`;
}
