import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import type { S3 } from "@aws-sdk/client-s3";
import { SPARK_LINES, sparkLine } from "../../src/versions.js";
import { type ClusterRecord, clusterJson, type StepRecord, stepJson } from "./state.js";

/** What running one step produced (the emulator turns it into EMR's logs and states). */
export interface StepOutcome {
  exitCode: number;
  /** What the driver printed (cluster mode: the YARN application master's container). */
  driverStdout: string;
  driverStderr: string;
}

/** Runs one step; `signal` aborts when the cluster is terminated. */
export type StepExecutor = (
  step: StepRecord,
  cluster: ClusterRecord,
  signal: AbortSignal,
) => Promise<StepOutcome>;

/** A cluster-level fault to inject into the next cluster. */
export type ClusterFault = "bootstrap-failure" | "instance-failure";

export interface EmulatorOptions {
  /** S3 client of the store the step reads from and writes to (the moto server). */
  s3: S3;
  executor: StepExecutor;
  /** Time in each provisioning / termination state. Default 150 ms. */
  phaseMs?: number;
  /** Delay before step logs appear under LogUri, like EMR's periodic push. Default 0. */
  logDelayMs?: number;
  /** Real milliseconds per second of an auto-termination policy's idle time (tests need not wait minutes). Default 1000. */
  idleMsPerSecond?: number;
}

export interface EmrEmulator {
  endpoint: string;
  clusters: Map<string, ClusterRecord>;
  /** Every API call received, in order: X-Amz-Target operation and body. */
  calls: Array<{ operation: string; body: Record<string, unknown> }>;
  setExecutor(executor: StepExecutor): void;
  /** The next RunJobFlow's cluster fails this way instead of running its steps. */
  injectFault(fault: ClusterFault): void;
  /**
   * The next `times` calls of `operation` are refused with this AWS error (e.g. ThrottlingException,
   * ExpiredTokenException), as the real API answers them: HTTP 400 and a JSON `__type`.
   */
  injectApiError(operation: string, type: string, times?: number): void;
  set logDelayMs(ms: number);
  /** See EmulatorOptions.idleMsPerSecond; applies to clusters that start waiting from now on. */
  set idleMsPerSecond(ms: number);
  /** Resolves once every cluster has terminated and its logs are written. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

const OFFERED_RELEASES = SPARK_LINES.map((line) => sparkLine(line).emrRelease);
const SUPPORTED_TYPES = [
  "m5.xlarge",
  "m5.2xlarge",
  "m5.4xlarge",
  "m6i.xlarge",
  "m6g.xlarge",
  "m7g.xlarge",
  "r5.xlarge",
  "c5.xlarge",
].map((Type) => ({
  Type,
  VCPU: Number(Type.startsWith("m5.4") ? 16 : Type.includes(".2x") ? 8 : 4),
  Architecture: /\dg\./.test(Type) ? "arm64" : "x86_64",
}));

/** Every instance type a RunJobFlow asks for: uniform groups, fleets, or the old master/slave fields. */
function requestedTypes(instances: Record<string, unknown>): string[] {
  const groups = (instances.InstanceGroups ?? []) as Array<{ InstanceType?: string }>;
  const fleets = (instances.InstanceFleets ?? []) as Array<{
    InstanceTypeConfigs?: Array<{ InstanceType?: string }>;
  }>;
  return [
    instances.MasterInstanceType,
    instances.SlaveInstanceType,
    ...groups.map((g) => g.InstanceType),
    ...fleets.flatMap((f) => (f.InstanceTypeConfigs ?? []).map((c) => c.InstanceType)),
  ].filter((t): t is string => typeof t === "string");
}

/**
 * Whether an injected fault can happen to this request, as on EMR: a bootstrap failure needs bootstrap
 * actions, a Spot interruption needs Spot capacity. A fault that cannot happen is dropped, so no test
 * can pass on a failure EMR would never produce for its request.
 */
function faultFits(fault: ClusterFault, request: Record<string, unknown>): boolean {
  if (fault === "bootstrap-failure") return ((request.BootstrapActions ?? []) as unknown[]).length > 0;
  const instances = (request.Instances ?? {}) as {
    InstanceGroups?: Array<{ Market?: string }>;
    InstanceFleets?: Array<{ TargetSpotCapacity?: number }>;
  };
  return (
    (instances.InstanceGroups ?? []).some((g) => g.Market === "SPOT") ||
    (instances.InstanceFleets ?? []).some((f) => (f.TargetSpotCapacity ?? 0) > 0)
  );
}

/** The emulator for tests of its requests and answers alone: no S3 behind it, and no step runs. */
export function startRequestsOnlyEmrEmulator(): Promise<EmrEmulator> {
  return startEmrEmulator({
    s3: {} as S3,
    executor: async () => ({ exitCode: 0, driverStdout: "", driverStderr: "" }),
  });
}

/**
 * A local EMR: the JSON 1.1 API subset Kindling uses, cluster and step states as EMR moves them, and
 * steps that really run (through `executor`) with their logs written under LogUri in S3.
 */
export async function startEmrEmulator(options: EmulatorOptions): Promise<EmrEmulator> {
  const phaseMs = options.phaseMs ?? 150;
  let idleScale = (options.idleMsPerSecond ?? 1000) / 1000;
  let logDelayMs = options.logDelayMs ?? 0;
  let executor = options.executor;
  let nextFault: ClusterFault | undefined;
  const apiErrors = new Map<string, { type: string; times: number }>();
  const clusters = new Map<string, ClusterRecord>();
  const calls: EmrEmulator["calls"] = [];
  const running = new Set<Promise<void>>();
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const id = (prefix: string) => `${prefix}-${randomBytes(6).toString("hex").toUpperCase()}`;

  const writeLog = async (c: ClusterRecord, path: string, text: string) => {
    const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(c.logUri);
    if (!m) return;
    const prefix = (m[2] ?? "").replace(/\/?$/, "/").replace(/^\/$/, "");
    await options.s3.putObject({ Bucket: m[1], Key: `${prefix}${c.id}/${path}`, Body: gzipSync(text) });
  };

  const terminate = async (
    c: ClusterRecord,
    finalState: "TERMINATED" | "TERMINATED_WITH_ERRORS",
    reason: { Code: string; Message: string },
  ) => {
    c.state = "TERMINATING";
    c.reason = reason;
    await sleep(phaseMs);
    c.state = finalState;
    c.ended = new Date();
  };

  const lifecycle = async (c: ClusterRecord, fault: ClusterFault | undefined) => {
    await sleep(phaseMs);
    if (c.terminateRequested) return;
    c.state = "BOOTSTRAPPING";
    await sleep(phaseMs);
    if (c.terminateRequested) return;
    if (fault) {
      for (const s of c.steps) {
        s.state = "CANCELLED";
        s.reason = {};
      }
      if (fault === "bootstrap-failure") {
        // As EMR does: each node's bootstrap actions log under node/<instance-id>/bootstrap-actions/<n>/.
        const action = (
          (c.request.BootstrapActions ?? []) as Array<{ ScriptBootstrapAction?: { Path?: string } }>
        )[0];
        const script = action?.ScriptBootstrapAction?.Path ?? "the script";
        await writeLog(c, "node/i-0abc/bootstrap-actions/1/stderr.gz", `${script}: line 3: exit status 1\n`);
      }
      await terminate(
        c,
        "TERMINATED_WITH_ERRORS",
        fault === "bootstrap-failure"
          ? {
              Code: "BOOTSTRAP_FAILURE",
              Message: "On the master instance (i-0abc), bootstrap action 1 returned a non-zero return code",
            }
          : {
              Code: "INSTANCE_FAILURE",
              Message: "The master node was terminated by user (Spot interruption).",
            },
      );
      return;
    }
    c.state = "RUNNING";
    c.ready = new Date();
    await runPending(c);
  };

  /**
   * Runs the cluster's pending steps in order; then a transient cluster ends, and a kept-alive one waits
   * (WAITING) for more steps until its auto-termination policy's idle time has passed.
   */
  const runPending = async (c: ClusterRecord) => {
    for (let step = nextPending(c); step; step = nextPending(c)) {
      if (c.terminateRequested) return;
      c.state = "RUNNING";
      if (await runOne(c, step)) return;
    }
    if (c.terminateRequested) return;
    if (c.keepAlive) {
      c.state = "WAITING";
      c.reason = { Message: "Cluster ready to run steps." };
      const idle = Number(
        (c.request.AutoTerminationPolicy as { IdleTimeout?: number } | undefined)?.IdleTimeout,
      );
      if (idle > 0) {
        // Not tracked by idle(): a warm cluster waits on its own; new steps or a terminate cancel it.
        c.idleTimer = setTimeout(
          () => {
            c.idleTimer = undefined;
            if (c.state !== "WAITING" || c.terminateRequested) return;
            track(
              terminate(c, "TERMINATED", {
                Code: "ALL_STEPS_COMPLETED",
                Message: `Cluster was idle for ${idle} seconds and was terminated by its auto-termination policy.`,
              }),
            );
          },
          idle * 1000 * idleScale,
        );
      }
      return;
    }
    await terminate(c, "TERMINATED", { Code: "ALL_STEPS_COMPLETED", Message: "Steps completed" });
  };

  const nextPending = (c: ClusterRecord) => c.steps.find((s) => s.state === "PENDING");

  /** Runs one step as EMR would and writes its logs; true when its failure ended the cluster. */
  const runOne = async (c: ClusterRecord, step: StepRecord): Promise<boolean> => {
    step.state = "RUNNING";
    step.started = new Date();
    let outcome: StepOutcome;
    try {
      outcome = await executor(step, c, step.abort.signal);
    } catch (error) {
      outcome = { exitCode: 1, driverStdout: "", driverStderr: String((error as Error).stack ?? error) };
    }
    step.ended = new Date();
    const app = `application_${Date.now()}_0001`;
    const failed = outcome.exitCode !== 0;
    const stepStderr =
      `INFO Client: Submitting application ${app} to ResourceManager\n` +
      `INFO Client: Application report for ${app} (state: FINISHED)\n` +
      `\t final status: ${failed ? "FAILED" : "SUCCEEDED"}\n` +
      (failed
        ? `Exception in thread "main" org.apache.spark.SparkException: Application ${app} finished with failed status\n`
        : "");
    const logs = async () => {
      if (logDelayMs > 0) await sleep(logDelayMs);
      const container = `containers/${app}/container_${app.slice("application_".length)}_01_000001/`;
      await writeLog(c, `steps/${step.id}/stderr.gz`, stepStderr);
      await writeLog(c, `steps/${step.id}/stdout.gz`, "");
      await writeLog(c, `${container}stdout.gz`, outcome.driverStdout);
      await writeLog(c, `${container}stderr.gz`, outcome.driverStderr);
    };
    track(logs());
    if (step.abort.signal.aborted) {
      step.state = "CANCELLED";
      step.reason = { Message: "Job terminated" };
      return false;
    }
    if (!failed) {
      step.state = "COMPLETED";
      return false;
    }
    step.state = "FAILED";
    step.failureDetails = {
      Reason: "Unknown Error.",
      Message: lastLine(outcome.driverStderr) || `spark-submit exited with ${outcome.exitCode}`,
      LogFile: `${c.logUri.replace(/\/?$/, "/")}${c.id}/steps/${step.id}/stderr.gz`,
    };
    if (step.actionOnFailure !== "TERMINATE_CLUSTER" && step.actionOnFailure !== "TERMINATE_JOB_FLOW")
      return false;
    for (const rest of c.steps) if (rest.state === "PENDING") rest.state = "CANCELLED";
    await terminate(c, "TERMINATED_WITH_ERRORS", {
      Code: "STEP_FAILURE",
      Message: "Shut down as step failed",
    });
    return true;
  };

  const track = (p: Promise<void>) => {
    running.add(p);
    p.catch(() => {}).finally(() => running.delete(p));
  };

  // What AWS turns on for every account and region: inbound rules from anywhere refused, but port 22.
  let blockPublicAccess: Record<string, unknown> = {
    BlockPublicSecurityGroupRules: true,
    PermittedPublicSecurityGroupRuleRanges: [{ MinRange: 22, MaxRange: 22 }],
  };
  const handlers: Record<string, (body: Record<string, unknown>) => unknown> = {
    GetBlockPublicAccessConfiguration: () => ({
      BlockPublicAccessConfiguration: blockPublicAccess,
      BlockPublicAccessConfigurationMetadata: {
        CreationDateTime: 1_700_000_000,
        CreatedByArn: "arn:aws:iam::123456789012:root",
      },
    }),
    PutBlockPublicAccessConfiguration: (body) => {
      const configuration = body.BlockPublicAccessConfiguration as Record<string, unknown> | undefined;
      if (typeof configuration?.BlockPublicSecurityGroupRules !== "boolean") {
        throw validation("BlockPublicAccessConfiguration.BlockPublicSecurityGroupRules is required");
      }
      blockPublicAccess = configuration;
      return {};
    },
    // The releases this emulated region offers (the ones Kindling pairs with its Spark lines) and the
    // instance types they run on, as ListReleaseLabels / ListSupportedInstanceTypes answer them.
    ListReleaseLabels: () => ({ ReleaseLabels: OFFERED_RELEASES }),
    ListSupportedInstanceTypes: (body) => {
      if (!OFFERED_RELEASES.includes(String(body.ReleaseLabel))) {
        throw validation(`The specified release label ${String(body.ReleaseLabel)} is not valid.`);
      }
      return { SupportedInstanceTypes: SUPPORTED_TYPES };
    },
    RunJobFlow: (body) => {
      if (typeof body.Name !== "string") throw validation("Name is required");
      // As EMR: a release the region does not offer is refused at once, before any instance starts.
      if (!OFFERED_RELEASES.includes(String(body.ReleaseLabel))) {
        throw refused(`The specified release label ${String(body.ReleaseLabel)} is not valid.`);
      }
      const instances = (body.Instances ?? {}) as Record<string, unknown>;
      // As EMR: an instance type the release does not run on is refused before anything starts.
      const unsupported = requestedTypes(instances).find((t) => !SUPPORTED_TYPES.some((s) => s.Type === t));
      if (unsupported) throw refused(`Instance type '${unsupported}' is not supported.`);
      const c: ClusterRecord = {
        id: id("j"),
        name: body.Name,
        request: body,
        logUri: String(body.LogUri ?? ""),
        keepAlive: Boolean(instances.KeepJobFlowAliveWhenNoSteps),
        state: "STARTING",
        reason: {},
        created: new Date(),
        steps: ((body.Steps ?? []) as Array<Record<string, unknown>>).map(stepOf),
        tags: (body.Tags ?? []) as ClusterRecord["tags"],
        terminateRequested: false,
      };
      clusters.set(c.id, c);
      const fault = nextFault && faultFits(nextFault, body) ? nextFault : undefined;
      nextFault = undefined;
      track(lifecycle(c, fault));
      return {
        JobFlowId: c.id,
        ClusterArn: `arn:aws:elasticmapreduce:us-east-1:123456789012:cluster/${c.id}`,
      };
    },
    DescribeCluster: (body) => ({ Cluster: clusterJson(cluster(body.ClusterId)) }),
    AddJobFlowSteps: (body) => {
      const c = cluster(body.JobFlowId);
      if (c.state.startsWith("TERMINAT")) {
        throw validation("A job flow that is shutting down, terminated, or finished may not be modified.");
      }
      const added = ((body.Steps ?? []) as Array<Record<string, unknown>>).map(stepOf);
      c.steps.push(...added);
      clearTimeout(c.idleTimer);
      // A waiting cluster starts on them at once; a running or starting one gets to them in order.
      if (c.state === "WAITING") track(runPending(c));
      return { StepIds: added.map((s) => s.id) };
    },
    CancelSteps: (body) => {
      const c = cluster(body.ClusterId);
      const ids = (body.StepIds ?? []) as string[];
      for (const s of c.steps) {
        if (!ids.includes(s.id)) continue;
        if (s.state === "PENDING") s.state = "CANCELLED";
        if (s.state === "RUNNING") s.abort.abort();
      }
      return { CancelStepsInfoList: ids.map((StepId) => ({ StepId, Status: "SUBMITTED", Reason: "" })) };
    },
    ListClusters: (body) => {
      const states = (body.ClusterStates ?? []) as string[];
      const listed = [...clusters.values()].filter((c) => states.length === 0 || states.includes(c.state));
      return {
        Clusters: listed.reverse().map((c) => {
          const json = clusterJson(c);
          return { Id: json.Id, Name: json.Name, Status: json.Status, NormalizedInstanceHours: 0 };
        }),
      };
    },
    ListInstanceGroups: (body) => {
      const groups = ((cluster(body.ClusterId).request.Instances as Record<string, unknown>)
        ?.InstanceGroups ?? []) as Array<Record<string, unknown>>;
      return {
        InstanceGroups: groups.map((g, i) => ({
          Id: `ig-${i}`,
          Name: g.Name,
          Market: g.Market ?? "ON_DEMAND",
          InstanceGroupType: g.InstanceRole,
          InstanceType: g.InstanceType,
          RequestedInstanceCount: g.InstanceCount,
          RunningInstanceCount: g.InstanceCount,
          EbsBlockDevices: ebsBlockDevices(g.EbsConfiguration),
        })),
      };
    },
    ListInstanceFleets: (body) => {
      const fleets = ((cluster(body.ClusterId).request.Instances as Record<string, unknown>)
        ?.InstanceFleets ?? []) as Array<Record<string, unknown>>;
      return {
        InstanceFleets: fleets.map((f, i) => ({
          Id: `if-${i}`,
          Name: f.Name,
          InstanceFleetType: f.InstanceFleetType,
          TargetOnDemandCapacity: f.TargetOnDemandCapacity,
          TargetSpotCapacity: f.TargetSpotCapacity,
          ProvisionedOnDemandCapacity: f.TargetOnDemandCapacity,
          ProvisionedSpotCapacity: f.TargetSpotCapacity,
          InstanceTypeSpecifications: (
            f.InstanceTypeConfigs as Array<Record<string, unknown>> | undefined
          )?.map((t) => ({
            InstanceType: t.InstanceType,
            WeightedCapacity: t.WeightedCapacity ?? 1,
            EbsBlockDevices: ebsBlockDevices(t.EbsConfiguration),
          })),
        })),
      };
    },
    ListSteps: (body) => ({ Steps: [...cluster(body.ClusterId).steps].reverse().map(stepJson) }),
    DescribeStep: (body) => {
      const step = cluster(body.ClusterId).steps.find((s) => s.id === body.StepId);
      if (!step) throw validation(`Step id '${String(body.StepId)}' is not valid.`);
      return { Step: stepJson(step) };
    },
    TerminateJobFlows: (body) => {
      for (const jobFlowId of (body.JobFlowIds ?? []) as string[]) {
        const c = cluster(jobFlowId);
        if (c.state === "TERMINATED" || c.state === "TERMINATED_WITH_ERRORS" || c.terminateRequested)
          continue;
        c.terminateRequested = true;
        clearTimeout(c.idleTimer);
        for (const s of c.steps) {
          if (s.state === "PENDING" || s.state === "RUNNING") {
            s.abort.abort();
            s.state = "CANCELLED";
            s.ended = new Date();
          }
        }
        track(terminate(c, "TERMINATED", { Code: "USER_REQUEST", Message: "Terminated by user request" }));
      }
      return {};
    },
  };

  const stepOf = (s: Record<string, unknown>): StepRecord => {
    const jar = (s.HadoopJarStep ?? {}) as { Jar?: string; Args?: string[] };
    return {
      id: id("s"),
      name: String(s.Name),
      actionOnFailure: String(s.ActionOnFailure ?? "TERMINATE_CLUSTER"),
      jar: jar.Jar ?? "",
      args: jar.Args ?? [],
      state: "PENDING",
      reason: {},
      created: new Date(),
      abort: new AbortController(),
    };
  };

  const cluster = (clusterId: unknown): ClusterRecord => {
    const c = clusters.get(String(clusterId));
    if (!c) throw validation(`Cluster id '${String(clusterId)}' is not valid.`);
    return c;
  };

  const server = createServer((req, res) => void handle(req, res));
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const target = String(req.headers["x-amz-target"] ?? "");
    const operation = target.replace(/^ElasticMapReduce\./, "");
    let body: Record<string, unknown> = {};
    try {
      body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString("utf8")) : {};
    } catch {
      return send(res, 400, { __type: "SerializationException", message: "bad JSON" });
    }
    calls.push({ operation, body });
    const refused = apiErrors.get(operation);
    if (refused && refused.times > 0) {
      refused.times -= 1;
      return send(res, 400, { __type: refused.type, message: `${refused.type} (injected by the emulator)` });
    }
    const handler = handlers[operation];
    if (!handler)
      return send(res, 400, { __type: "UnknownOperationException", message: `emulator: ${operation}` });
    try {
      send(res, 200, handler(body));
    } catch (error) {
      const e = error as { type?: string; message: string };
      send(res, 400, { __type: e.type ?? "InternalServerError", message: e.message });
    }
  };
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    clusters,
    calls,
    setExecutor: (e) => {
      executor = e;
    },
    injectFault: (fault) => {
      nextFault = fault;
    },
    injectApiError: (operation, type, times = 1) => {
      apiErrors.set(operation, { type, times });
    },
    set logDelayMs(ms: number) {
      logDelayMs = ms;
    },
    set idleMsPerSecond(ms: number) {
      idleScale = ms / 1000;
    },
    idle: async () => {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
    close: async () => {
      for (const c of clusters.values()) {
        clearTimeout(c.idleTimer);
        for (const s of c.steps) s.abort.abort();
      }
      await Promise.allSettled([...running]);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body ?? {});
  res.writeHead(status, {
    "content-type": "application/x-amz-json-1.1",
    "content-length": Buffer.byteLength(text),
    "x-amzn-requestid": randomBytes(8).toString("hex"),
  });
  res.end(text);
}

function validation(message: string): Error & { type: string } {
  return Object.assign(new Error(message), { type: "InvalidRequestException" });
}

/** What RunJobFlow answers a request it will not start (AWS's error name there, outside the EMR model). */
function refused(message: string): Error & { type: string } {
  return Object.assign(new Error(message), { type: "ValidationException" });
}

function lastLine(text: string): string {
  return text.trim().split("\n").filter(Boolean).pop()?.slice(0, 500) ?? "";
}

/** The volumes EMR attaches for an EbsConfiguration, one entry per volume as ListInstanceGroups lists them. */
function ebsBlockDevices(config: unknown): Array<Record<string, unknown>> {
  const specs = ((config as Record<string, unknown> | undefined)?.EbsBlockDeviceConfigs ?? []) as Array<
    Record<string, unknown>
  >;
  return specs
    .flatMap((spec) =>
      Array.from({ length: Number(spec.VolumesPerInstance ?? 1) }, () => spec.VolumeSpecification),
    )
    .map((VolumeSpecification, i) => ({
      VolumeSpecification,
      Device: `/dev/sd${String.fromCharCode(98 + i)}`,
    }));
}
