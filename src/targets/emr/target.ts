import { type AwsClients, type AwsTarget, createReadOnlyClients } from "../../aws/clients.js";
import { S3PreparedStore } from "../../cache/s3PreparedStore.js";
import { realSleep, type Sleep } from "../../clock.js";
import { emrReleaseOf } from "../../config/sparkLine.js";
import type { DataLocation } from "../../data/validate.js";
import { KindlingError, UsageError } from "../../errors.js";
import type { FoundationOutputs } from "../../infra/outputs.js";
import { emrPythonPlatform, jobDepsArchive } from "../../packaging/jobDeps.js";
import type { PredictOutcome } from "../../predict/outcome.js";
import type { PredictPlan } from "../../predict/plan.js";
import type { EmrRunFacts, Manifest, ManifestPatch } from "../../runs/manifest.js";
import { publishCompletedRun } from "../../runs/remote.js";
import { type RuntimeBasis, runtimeForRun } from "../../runs/runtime.js";
import type { RunDir } from "../../runs/store.js";
import type { Placement, RunInput, Target, TargetContext, TrainJob, TrainOutcome } from "../target.js";
import { followStepCluster } from "./cluster.js";
import { estimateRunCost } from "./cost.js";
import { acquireFoundation, type CloudDeps, type CommandFoundation, connectCloud } from "./foundation.js";
import { requireS3Input } from "./input.js";
import { instanceMix } from "./instances.js";
import { runLayout } from "./layout.js";
import { emrInputUri } from "./plan.js";
import { predictOnEmr } from "./predict.js";
import { type ClusterCheckClients, clusterChecks } from "./preflight.js";
import { checkBlockPublicAccess } from "./publicAccess.js";
import { ownerOf } from "./request.js";
import { timelineFacts } from "./timeline.js";
import {
  type EmrSession,
  followOptions,
  initialEmrFacts,
  outcomeOf,
  sessionMix,
  trainOnEmr,
} from "./train.js";
import {
  clusterMix,
  listWarmClusters,
  requireLineOf,
  resolveWarmCluster,
  startWarmCluster,
  type WarmCluster,
} from "./warm.js";
import { awaitTermination, CLUSTER_DONE, cancelStep, STEP_DONE, terminateCluster } from "./watch.js";

export interface EmrTargetOptions extends Pick<AwsTarget, "profile" | "region"> {
  /** Deploy the foundation stack first when it is absent. Default false. */
  deploy?: boolean;
  /** Destroy afterwards the foundation stack this command deployed, also on failure. Default false. */
  destroy?: boolean;
  /** Run as a step of this warm cluster (`kindling cluster start`): its id, or `latest`. Default: a transient cluster. */
  cluster?: string;
}

/** What the EMR target creates or waits with; tests pass scripted clients and a fast clock. */
export interface EmrDeps extends CloudDeps {
  /** The EC2 and Service Quotas clients the cluster checks read with. Default: from profile/region. */
  readers?: (target: AwsTarget & { region: string }) => Promise<Pick<ClusterCheckClients, "ec2" | "quotas">>;
  sleep?: Sleep;
  /** Status poll interval. Default 15 s. */
  pollMs?: number;
  /** How long failure logs are waited for. Default 10 reads, 30 s apart. */
  logWait?: { attempts: number; intervalMs: number };
}

/**
 * Runs the job on a transient EMR cluster started for it, against the deployed foundation stack (or one
 * deployed for this command with --deploy, and destroyed afterwards with --destroy).
 */
export class EmrTarget implements Target {
  readonly name = "emr" as const;
  private aws: AwsClients | undefined;
  private warm: EmrSession["warm"];
  private session: EmrSession | undefined;
  private foundation: CommandFoundation | undefined;
  private input: RunInput | undefined;
  private runtime: RuntimeBasis | undefined;

  constructor(
    private readonly context: TargetContext,
    private readonly options: EmrTargetOptions = {},
    private readonly deps: EmrDeps = {},
  ) {}

  async check(input?: DataLocation): Promise<void> {
    const { config } = this.context.loaded;
    const { aws, foundation } = await connectCloud(
      config,
      this.context.io,
      { options: this.options, deps: this.deps },
      async (clients, stack) => {
        if (config.aws.network === "public") {
          await checkBlockPublicAccess(clients.emr, this.context.io, clients.region);
        }
        if (input?.kind === "s3") await requireS3Input(clients.s3, input);
        if (!this.options.cluster) await this.checkCluster(clients, stack.deployed);
        if (this.options.cluster) {
          const warm = await resolveWarmCluster(clients.emr, ownerOf(config), this.options.cluster);
          requireLineOf(warm, config);
          this.warm = { id: warm.id, mix: await clusterMix(clients.emr, warm.id) };
        }
      },
    );
    this.aws = aws;
    this.foundation = foundation;
  }

  /**
   * What would otherwise fail minutes into a cluster's start (a release the region lacks, an instance
   * type the release or the subnet's zone lacks, too few vCPUs in the quota) stops the run before any
   * upload. A check that cannot be made (no permission to read quotas) stays silent here: the run goes on,
   * and `kindling preflight` says what it could not check.
   */
  private async checkCluster(clients: AwsClients, found: FoundationOutputs | undefined): Promise<void> {
    const { config } = this.context.loaded;
    const where = {
      ...(this.options.profile ? { profile: this.options.profile } : {}),
      region: clients.region,
    };
    const readers = await (this.deps.readers ?? createReadOnlyClients)(where);
    const checks = await clusterChecks({ emr: clients.emr, ...readers }, config, found, clients.region);
    const failed = checks.filter((c) => c.status === "fail");
    if (failed.length === 0) return;
    throw new UsageError(
      `The cluster would not start: ${failed.map((c) => `${c.name}: ${c.detail}`).join("; ")}.`,
      {
        hint: [
          ...failed.flatMap((c) => (c.fix ? [c.fix] : [])),
          "`kindling preflight` checks the account.",
        ].join(" "),
      },
    );
  }

  async prepare(): Promise<void> {
    if (!this.foundation || !this.aws) throw new KindlingError("check() was not called before prepare()");
    const { config } = this.context.loaded;
    // Built before anything is deployed or uploaded: a package without a wheel for the cluster stops here.
    const deps = await jobDepsArchive(config, emrPythonPlatform(config), {
      io: this.context.io,
      signal: this.context.signal,
    });
    const foundation = await acquireFoundation(this.foundation);
    this.session = {
      aws: this.aws,
      foundation,
      config,
      deps,
      io: this.context.io,
      signal: this.context.signal,
      clock: this.context.clock,
      sleep: this.deps.sleep ?? realSleep,
      // Before a destroy, the cluster must be gone: its security groups belong to the stack.
      awaitTermination: Boolean(this.options.destroy),
      ...(this.warm ? { warm: this.warm } : {}),
      ...(this.deps.pollMs !== undefined ? { pollMs: this.deps.pollMs } : {}),
      ...(this.deps.logWait ? { logWait: this.deps.logWait } : {}),
    };
  }

  async place(run: RunDir, input: RunInput): Promise<Placement> {
    const session = this.requireSession();
    this.input = input;
    const layout = runLayout(session.foundation.dataBucketName, run.id);
    const { config } = this.context.loaded;
    const releaseLabel = emrReleaseOf(config);
    this.runtime = await runtimeForRun(this.context.loaded, input, "emr");
    const estimate = estimateRunCost(sessionMix(session), session.aws.region, this.runtime, {
      warm: Boolean(session.warm),
    });
    return {
      inputUri: emrInputUri(layout, input),
      outputUri: layout.outputUri,
      // On S3 the job writes _SUCCESS itself, last: the CLI downloads only a complete run.
      successMarker: true,
      master: "yarn",
      manifest: { emr: initialEmrFacts(session, layout, estimate, releaseLabel) },
      ...(this.context.loaded.config.cache.prepared_text
        ? { preparedCache: new S3PreparedStore(session.aws.s3, layout.bucket) }
        : {}),
    };
  }

  async train(job: TrainJob): Promise<TrainOutcome> {
    if (!this.input || !this.runtime) throw new KindlingError("place() was not called before train()");
    return trainOnEmr(job, this.input, this.requireSession(), this.runtime);
  }

  async publish(run: RunDir): Promise<void> {
    const session = this.requireSession();
    await publishCompletedRun(session.aws.s3, session.foundation.dataBucketName, run, session.io);
  }

  async predict(plan: PredictPlan): Promise<PredictOutcome> {
    return predictOnEmr(plan, this.requireSession());
  }

  /**
   * Finishes a run whose cluster ended while no CLI watched it (the CLI died, the laptop slept): the
   * outputs come down as `kindling run` would have brought them, or the failure is recorded.
   */
  async collect(run: RunDir, manifest: Manifest): Promise<TrainOutcome> {
    const session = this.requireSession();
    const facts = requireCluster(manifest);
    const { cluster_id: clusterId, step_id: stepId } = facts;
    const cluster = (await session.aws.emr.describeCluster({ ClusterId: clusterId })).Cluster ?? {};
    const step = (await session.aws.emr.describeStep({ ClusterId: clusterId, StepId: stepId })).Step ?? {};
    const clusterState = cluster.Status?.State ?? "UNKNOWN";
    const stepState = step.Status?.State ?? "UNKNOWN";
    if (!CLUSTER_DONE.has(clusterState) && !STEP_DONE.has(stepState)) {
      throw new KindlingError(
        `Run ${run.id} is still running on cluster ${clusterId} (cluster ${clusterState}, step ${stepState}); nothing to collect yet.`,
        { hint: `\`kindling logs ${run.id} --follow\` follows it; collect it once it has ended.` },
      );
    }
    // A run on a warm cluster is followed to its step's end, not the (shared) cluster's.
    const on = facts.warm_cluster
      ? { ...session, warm: { id: clusterId, mix: await clusterMix(session.aws.emr, clusterId) } }
      : session;
    const ran = await followStepCluster(clusterId, stepId, followOptions(on));
    return outcomeOf(ran, {
      run,
      layout: runLayout(session.foundation.dataBucketName, run.id),
      session: on,
      facts,
    });
  }

  /** Terminates a run's cluster and, with `wait`, returns its final state and cost once it has ended. */
  async terminate(run: RunDir, manifest: Manifest, wait: boolean): Promise<ManifestPatch> {
    const session = this.requireSession();
    const facts = requireCluster(manifest);
    if (facts.warm_cluster) {
      // A warm cluster is shared: only this run's step is stopped.
      await cancelStep(
        session.aws.emr,
        facts.cluster_id,
        facts.step_id,
        session.io,
        `kindling terminate ${run.id}`,
      );
      return {};
    }
    await terminateCluster(session.aws.emr, facts.cluster_id, session.io, `kindling terminate ${run.id}`);
    if (!wait) return {};
    const cluster = await awaitTermination(session.aws.emr, facts.cluster_id, {
      io: session.io,
      sleep: session.sleep,
      clock: session.clock,
      ...(session.pollMs !== undefined ? { pollMs: session.pollMs } : {}),
    });
    const mix = instanceMix(session.config.emr);
    return { emr: { ...facts, ...timelineFacts(cluster, undefined, mix, session.aws.region, facts.cost) } };
  }

  /** `kindling cluster start`: a warm cluster for this project's runs (after check()). */
  async startCluster(idleMinutes: number): Promise<WarmCluster> {
    const aws = this.requireChecked();
    const foundation = await this.foundation?.acquire();
    if (!foundation) throw new KindlingError("check() was not called before startCluster()");
    return startWarmCluster(this.warmContext(aws), foundation, idleMinutes);
  }

  /** `kindling cluster list`: this project's warm clusters that are up, newest first. */
  async listClusters(): Promise<WarmCluster[]> {
    return listWarmClusters(this.requireChecked().emr, ownerOf(this.context.loaded.config));
  }

  /** `kindling cluster stop`: ends a warm cluster (by id or `latest`), waiting for its end with `wait`. */
  async stopCluster(ref: string, wait: boolean): Promise<WarmCluster> {
    const aws = this.requireChecked();
    const warm = await resolveWarmCluster(aws.emr, ownerOf(this.context.loaded.config), ref, "stop");
    await terminateCluster(aws.emr, warm.id, this.context.io, "kindling cluster stop");
    if (!wait) return { ...warm, state: "TERMINATING" };
    const cluster = await awaitTermination(aws.emr, warm.id, { ...this.warmContext(aws) });
    return { ...warm, state: cluster.Status?.State ?? "TERMINATING" };
  }

  async teardown(): Promise<void> {
    await this.foundation?.release();
  }

  private warmContext(aws: AwsClients) {
    return {
      emr: aws.emr,
      config: this.context.loaded.config,
      io: this.context.io,
      sleep: this.deps.sleep ?? realSleep,
      clock: this.context.clock,
      signal: this.context.signal,
      ...(this.deps.pollMs !== undefined ? { pollMs: this.deps.pollMs } : {}),
    };
  }

  private requireChecked(): AwsClients {
    if (!this.aws) throw new KindlingError("the EMR target is not checked (check() was not called)");
    return this.aws;
  }

  private requireSession(): EmrSession {
    if (!this.session) throw new KindlingError("the EMR target is not prepared (prepare() was not called)");
    return this.session;
  }
}

function requireCluster(manifest: Manifest): EmrRunFacts & { cluster_id: string; step_id: string } {
  const emr = manifest.emr;
  if (!emr?.cluster_id || !emr.step_id) {
    throw new KindlingError(
      `Run ${manifest.run_id} never started a cluster: there is nothing on EMR to act on.`,
      {
        hint: `\`kindling status ${manifest.run_id}\` shows how it ended.`,
      },
    );
  }
  return emr as EmrRunFacts & { cluster_id: string; step_id: string };
}
