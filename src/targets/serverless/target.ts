import type { AwsClients, AwsTarget } from "../../aws/clients.js";
import { S3PreparedStore } from "../../cache/s3PreparedStore.js";
import { realSleep, type Sleep } from "../../clock.js";
import type { DataLocation } from "../../data/validate.js";
import { KindlingError } from "../../errors.js";
import type { FoundationOutputs } from "../../infra/outputs.js";
import { jobDepsArchive, serverlessPythonPlatform } from "../../packaging/jobDeps.js";
import type { PredictOutcome } from "../../predict/outcome.js";
import type { PredictPlan } from "../../predict/plan.js";
import type { Manifest, ManifestPatch, ServerlessRunFacts } from "../../runs/manifest.js";
import { publishCompletedRun } from "../../runs/remote.js";
import { type RuntimeBasis, runtimeForRun } from "../../runs/runtime.js";
import type { RunDir } from "../../runs/store.js";
import {
  acquireFoundation,
  type CloudDeps,
  type CommandFoundation,
  connectCloud,
} from "../emr/foundation.js";
import { requireS3Input } from "../emr/input.js";
import { runLayout } from "../emr/layout.js";
import { emrInputUri } from "../emr/plan.js";
import type { Placement, RunInput, Target, TargetContext, TrainJob, TrainOutcome } from "../target.js";
import { estimateServerlessCost } from "./cost.js";
import { predictOnServerless } from "./predict.js";
import {
  initialServerlessFacts,
  jobRunFacts,
  outcomeOfJobRun,
  type ServerlessSession,
  trainOnServerless,
} from "./train.js";
import { cancelJobRun, JOB_RUN_DONE } from "./watch.js";

export interface ServerlessTargetOptions extends Pick<AwsTarget, "profile" | "region"> {
  /** Deploy the foundation stack first when it is absent. Default false. */
  deploy?: boolean;
  /** Destroy afterwards the foundation stack this command deployed, also on failure. Default false. */
  destroy?: boolean;
}

/** What the target creates or waits with; tests pass scripted clients and a fast clock. */
export interface ServerlessDeps extends CloudDeps {
  sleep?: Sleep;
  /** Status poll interval. Default 10 s. */
  pollMs?: number;
}

/**
 * Runs the job as one job run on the foundation's EMR Serverless application: no cluster to provision,
 * the application starts on submission and stops by itself when idle, and the run is billed for the
 * workers' vCPU, memory and storage time only.
 */
export class ServerlessTarget implements Target {
  readonly name = "emr-serverless" as const;
  private aws: AwsClients | undefined;
  private foundation: CommandFoundation | undefined;
  private session: ServerlessSession | undefined;
  private input: RunInput | undefined;
  private runtime: RuntimeBasis | undefined;

  constructor(
    private readonly context: TargetContext,
    private readonly options: ServerlessTargetOptions = {},
    private readonly deps: ServerlessDeps = {},
  ) {}

  async check(input?: DataLocation): Promise<void> {
    const { aws, foundation } = await connectCloud(
      this.context.loaded.config,
      this.context.io,
      { options: this.options, deps: this.deps },
      async (clients, found) => {
        // A stack from before the application existed is known now, before anything is created.
        if (found.deployed) requireApplication(found.deployed);
        if (input?.kind === "s3") await requireS3Input(clients.s3, input);
      },
    );
    this.aws = aws;
    this.foundation = foundation;
  }

  async prepare(): Promise<void> {
    if (!this.foundation || !this.aws) throw new KindlingError("check() was not called before prepare()");
    const { config } = this.context.loaded;
    // Built before anything is deployed or uploaded: a package without a wheel for the workers stops here.
    const deps = await jobDepsArchive(config, serverlessPythonPlatform(config), {
      io: this.context.io,
      signal: this.context.signal,
    });
    const outputs = await acquireFoundation(this.foundation);
    this.session = {
      aws: this.aws,
      foundation: requireApplication(outputs),
      config,
      deps,
      io: this.context.io,
      signal: this.context.signal,
      clock: this.context.clock,
      sleep: this.deps.sleep ?? realSleep,
      ...(this.deps.pollMs !== undefined ? { pollMs: this.deps.pollMs } : {}),
    };
  }

  async place(run: RunDir, input: RunInput): Promise<Placement> {
    const session = this.requireSession();
    this.input = input;
    const layout = runLayout(session.foundation.dataBucketName, run.id);
    this.runtime = await runtimeForRun(this.context.loaded, input, "serverless");
    const estimate = estimateServerlessCost(
      this.context.loaded.config.serverless,
      session.aws.region,
      this.runtime,
    );
    return {
      inputUri: emrInputUri(layout, input),
      outputUri: layout.outputUri,
      successMarker: true,
      // What the manifest calls the master: the application runs the driver (cluster mode).
      master: `emr-serverless:${session.foundation.serverlessApplicationId}`,
      manifest: { serverless: initialServerlessFacts(session, layout, estimate) },
      ...(this.context.loaded.config.cache.prepared_text
        ? { preparedCache: new S3PreparedStore(session.aws.s3, layout.bucket) }
        : {}),
    };
  }

  async train(job: TrainJob): Promise<TrainOutcome> {
    if (!this.input || !this.runtime) throw new KindlingError("place() was not called before train()");
    return trainOnServerless(job, this.input, this.requireSession(), this.runtime);
  }

  async publish(run: RunDir): Promise<void> {
    const session = this.requireSession();
    await publishCompletedRun(session.aws.s3, session.foundation.dataBucketName, run, session.io);
  }

  async predict(plan: PredictPlan): Promise<PredictOutcome> {
    return predictOnServerless(plan, this.requireSession());
  }

  /** Finishes a run whose job run ended while no CLI watched it: outputs come down, or the failure is recorded. */
  async collect(run: RunDir, manifest: Manifest): Promise<TrainOutcome> {
    const session = this.requireSession();
    const facts = requireJobRun(manifest);
    const jobRun = (
      await session.aws.emrServerless.getJobRun({
        applicationId: facts.application_id,
        jobRunId: facts.job_run_id,
      })
    ).jobRun;
    if (!jobRun?.state || !JOB_RUN_DONE.has(jobRun.state)) {
      throw new KindlingError(
        `Run ${run.id} is still running as job run ${facts.job_run_id} (${jobRun?.state ?? "UNKNOWN"}); nothing to collect yet.`,
        { hint: `\`kindling status ${run.id}\` shows its state; collect it once it has ended.` },
      );
    }
    return outcomeOfJobRun(
      { outcome: "ended", jobRun },
      { run, layout: runLayout(session.foundation.dataBucketName, run.id), session, facts },
    );
  }

  /** Cancels a run's job run and, with `wait`, returns its final state and cost once it has ended. */
  async terminate(run: RunDir, manifest: Manifest, wait: boolean): Promise<ManifestPatch> {
    const session = this.requireSession();
    const facts = requireJobRun(manifest);
    const options = {
      api: session.aws.emrServerless,
      applicationId: facts.application_id,
      jobRunId: facts.job_run_id,
      io: session.io,
      // Without `wait`, the first GetJobRun after the cancel is all there is.
      sleep: wait ? session.sleep : async () => {},
      ...(session.pollMs !== undefined ? { pollMs: session.pollMs } : {}),
    };
    const jobRun = await cancelJobRun(options, `kindling terminate ${run.id}`);
    if (!wait) return {};
    return { serverless: jobRunFacts(jobRun, session.config, session.aws.region, facts.cost) };
  }

  async teardown(): Promise<void> {
    await this.foundation?.release();
  }

  private requireSession(): ServerlessSession {
    if (!this.session) {
      throw new KindlingError("the EMR Serverless target is not prepared (prepare() was not called)");
    }
    return this.session;
  }
}

/** The foundation's application and job role; a stack deployed before they existed says how to add them. */
function requireApplication(outputs: FoundationOutputs): ServerlessSession["foundation"] {
  const { serverlessApplicationId, serverlessJobRoleArn } = outputs;
  if (!serverlessApplicationId || !serverlessJobRoleArn) {
    throw new KindlingError("The foundation stack has no EMR Serverless application.", {
      hint: "It was deployed by an earlier Kindling: run `kindling deploy` to add the application and its job role.",
    });
  }
  return { ...outputs, serverlessApplicationId, serverlessJobRoleArn };
}

function requireJobRun(manifest: Manifest): ServerlessRunFacts & { job_run_id: string } {
  const facts = manifest.serverless;
  if (!facts?.job_run_id) {
    throw new KindlingError(
      `Run ${manifest.run_id} never started a job run: there is nothing on EMR Serverless to act on.`,
      {
        hint: `\`kindling status ${manifest.run_id}\` shows how it ended.`,
      },
    );
  }
  return facts as ServerlessRunFacts & { job_run_id: string };
}
