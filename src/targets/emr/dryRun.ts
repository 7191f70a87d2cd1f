import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { type Clock, systemClock } from "../../clock.js";
import type { LoadedConfig } from "../../config/load.js";
import type { FoundationOutputs } from "../../infra/outputs.js";
import { emrPythonPlatform, jobDepsArchive } from "../../packaging/jobDeps.js";
import { writeJson } from "../../runs/files.js";
import { checkRunInput, resolveRunInput } from "../../runs/input.js";
import { newRunId } from "../../runs/runId.js";
import { runtimeForRun } from "../../runs/runtime.js";
import { compileSpec } from "../../spec/compile.js";
import type { JobSpec, TargetName } from "../../spec/types.js";
import type { IoHost } from "../../ui/io.js";
import { KINDLING_VERSION } from "../../versions.js";
import { packageJob } from "../shared/package.js";
import type { RunInput } from "../target.js";
import { placeholderFoundation } from "./foundation.js";
import { instanceMix } from "./instances.js";
import { runLayout } from "./layout.js";
import { type EmrRunPlan, emrInputUri, planEmrRun } from "./plan.js";

/** What every cloud dry run starts from: the checked input, a run id, the spec and the packaged job. */
export interface DryRunBasis {
  input: RunInput;
  runId: string;
  foundation: FoundationOutputs;
  spec: JobSpec;
  specFile: string;
  zipFile: string;
  /** The input as checked (its size scales a measured running time). */
  loaded: LoadedConfig;
}

/**
 * The part of a dry run every cloud target shares: the same input checks and spec as a real run, the
 * job packaged, the stack's outputs as `<OutputKey>` placeholders; no AWS call and no run directory.
 * `plan` gets them in a scratch folder that is removed afterwards.
 */
export async function withDryRunBasis<T>(
  options: { loaded: LoadedConfig; io: IoHost; signal?: AbortSignal; clock?: Clock },
  target: TargetName,
  plan: (basis: DryRunBasis) => Promise<T>,
): Promise<T> {
  const { loaded, io } = options;
  const input = await resolveRunInput(await checkRunInput(loaded, io, options.signal), io);
  const createdAt = (options.clock ?? systemClock)();
  const runId = newRunId(loaded.config.project, createdAt);
  const foundation = placeholderFoundation();
  const layout = runLayout(foundation.dataBucketName, runId);
  const spec = compileSpec(loaded.config, {
    runId,
    createdAt,
    kindlingVersion: KINDLING_VERSION,
    target,
    inputUri: emrInputUri(layout, input),
    outputUri: layout.outputUri,
    successMarker: true,
  });
  const scratch = await mkdtemp(path.join(os.tmpdir(), "kindling-dry-run-"));
  try {
    const specFile = path.join(scratch, "spec.json");
    await writeJson(specFile, spec);
    const zipFile = await packageJob(path.join(scratch, "kindling_job.zip"));
    return await plan({ input, runId, foundation, spec, specFile, zipFile, loaded });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * Plans a run as `kindling run --target emr` would make it, without any AWS call or run directory: the
 * same input checks, spec and request, with the stack's outputs as `<OutputKey>` placeholders.
 */
export async function planEmrDryRun(options: {
  loaded: LoadedConfig;
  io: IoHost;
  signal?: AbortSignal;
  /** Region for the cost estimate. Default: aws.region, then AWS_REGION. */
  region?: string;
  /** A run on this warm cluster (id or `latest`): the step it adds, priced without provisioning. */
  cluster?: string;
  clock?: Clock;
}): Promise<EmrRunPlan> {
  const { loaded, io } = options;
  return withDryRunBasis(options, "emr", async (basis) =>
    planEmrRun({
      ...basis,
      runtime: await runtimeForRun(loaded, basis.input, "emr"),
      config: loaded.config,
      region: options.region ?? loaded.config.aws.region ?? process.env.AWS_REGION,
      // No AWS call: the cluster is named as given, its instances assumed to be this config's.
      ...(options.cluster
        ? {
            warm: {
              id: options.cluster === "latest" ? "<latest warm cluster>" : options.cluster,
              mix: instanceMix(loaded.config.emr),
            },
          }
        : {}),
      deps: await jobDepsArchive(loaded.config, emrPythonPlatform(loaded.config), {
        io,
        ...(options.signal ? { signal: options.signal } : {}),
      }),
    }),
  );
}
