import type { Clock } from "../../clock.js";
import type { LoadedConfig } from "../../config/load.js";
import { jobDepsArchive, serverlessPythonPlatform } from "../../packaging/jobDeps.js";
import { runtimeForRun } from "../../runs/runtime.js";
import type { JobSpec } from "../../spec/types.js";
import type { IoHost } from "../../ui/io.js";
import { withDryRunBasis } from "../emr/dryRun.js";
import { planServerlessRun, type ServerlessRunPlan } from "./train.js";

/**
 * Plans a run as `kindling run --target emr-serverless` would make it, without any AWS call: the uploads
 * and the StartJobRun request, the stack's outputs as `<OutputKey>` placeholders.
 */
export async function planServerlessDryRun(options: {
  loaded: LoadedConfig;
  io: IoHost;
  signal?: AbortSignal;
  /** Region for the cost estimate. Default: aws.region, then AWS_REGION. */
  region?: string;
  clock?: Clock;
}): Promise<ServerlessRunPlan & { spec: JobSpec }> {
  const { loaded, io } = options;
  return withDryRunBasis(options, "emr-serverless", async (basis) => {
    const { serverlessApplicationId, serverlessJobRoleArn } = basis.foundation;
    const plan = await planServerlessRun({
      ...basis,
      foundation: {
        ...basis.foundation,
        serverlessApplicationId: serverlessApplicationId ?? "",
        serverlessJobRoleArn: serverlessJobRoleArn ?? "",
      },
      config: loaded.config,
      runtime: await runtimeForRun(loaded, basis.input, "serverless"),
      region: options.region ?? loaded.config.aws.region ?? process.env.AWS_REGION,
      deps: await jobDepsArchive(loaded.config, serverlessPythonPlatform(loaded.config), {
        io,
        ...(options.signal ? { signal: options.signal } : {}),
      }),
    });
    return { ...plan, spec: basis.spec };
  });
}
