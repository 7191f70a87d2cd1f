import type { StartJobRunCommandInput } from "@aws-sdk/client-emr-serverless";
import type { Config } from "../../config/schema.js";
import { UsageError } from "../../errors.js";
import { SERVERLESS_LOG_PREFIX } from "../../infra/outputs.js";
import { depsSparkSettings } from "../../packaging/jobDeps.js";
import { ownerOf, ownerTags, RUN_ID_TAG } from "../emr/request.js";
import { buildSparkSubmitArgs } from "../shared/sparkSubmit.js";

export interface JobRunRequestInput {
  runId: string;
  config: Config;
  applicationId: string;
  executionRoleArn: string;
  /** s3:// URIs of what the run uploaded. */
  entryUri: string;
  zipUri: string;
  specUri: string;
  depsUri: string;
  /** `s3://<logs bucket>/serverless/`. */
  logUri: string;
  /** What the job does, for its name and idempotency token: a run trains; `predict <id>` scores. Default train. */
  purpose?: { name: string; token: string };
}

/**
 * The StartJobRun request for one run. Pure, so `--dry-run` prints exactly what a run sends. The run id is
 * the client token: a retried StartJobRun (the SDK retries on throttling and network errors) cannot start
 * the job twice.
 */
export function buildStartJobRunRequest(input: JobRunRequestInput): StartJobRunCommandInput {
  const { config, runId } = input;
  const s = config.serverless;
  const deps = depsSparkSettings(input.depsUri);
  const args = buildSparkSubmitArgs({
    // EMR Serverless passes sparkSubmitParameters through a shell-like split: no spaces in the name.
    appName: `kindling-${input.purpose ? input.purpose.token : runId}`,
    entry: input.entryUri,
    pyFiles: [input.zipUri],
    archives: deps.archives,
    specUri: input.specUri,
    keepGivenJavaOptions: true,
    conf: {
      "spark.driver.cores": s.driver.cpu,
      "spark.driver.memory": s.driver.memory,
      "spark.executor.cores": s.executor.cpu,
      "spark.executor.memory": s.executor.memory,
      "spark.executor.instances": s.executors,
      // A fixed size: what was estimated is what runs (the application's maximum still bounds it).
      "spark.dynamicAllocation.enabled": false,
      "spark.ui.showConsoleProgress": false,
      // The driver's environment on EMR Serverless (YARN's appMasterEnv has no effect there).
      "spark.emr-serverless.driverEnv.PYTHONPATH": deps.conf["spark.yarn.appMasterEnv.PYTHONPATH"] ?? "",
      "spark.executorEnv.PYTHONPATH": deps.conf["spark.executorEnv.PYTHONPATH"] ?? "",
      ...config.spark.conf,
    },
  });
  const entryAt = args.indexOf(input.entryUri);
  const parameters = args.slice(0, entryAt);
  const spaced = parameters.find((a) => /\s/.test(a));
  if (spaced !== undefined) {
    throw new UsageError(`The Spark setting ${JSON.stringify(spaced)} contains whitespace.`, {
      hint: "EMR Serverless splits sparkSubmitParameters at spaces: remove the spaces from that spark.conf value.",
    });
  }
  return {
    applicationId: input.applicationId,
    executionRoleArn: input.executionRoleArn,
    clientToken: input.purpose?.token ?? runId,
    name: input.purpose?.name ?? `kindling ${runId}`,
    jobDriver: {
      sparkSubmit: {
        entryPoint: input.entryUri,
        entryPointArguments: args.slice(entryAt + 1),
        sparkSubmitParameters: parameters.join(" "),
      },
    },
    configurationOverrides: {
      monitoringConfiguration: {
        s3MonitoringConfiguration: { logUri: input.logUri },
      },
    },
    executionTimeoutMinutes: s.execution_timeout_minutes,
    tags: { ...config.aws.tags, [RUN_ID_TAG]: runId, ...ownerTags(ownerOf(config)) },
  };
}

/** `s3://<logs bucket>/serverless/` */
export function serverlessLogUri(logsBucketName: string): string {
  return `s3://${logsBucketName}/${SERVERLESS_LOG_PREFIX}`;
}

/**
 * Where EMR Serverless writes a job run's driver logs under the log URI:
 * `applications/<app>/jobs/<run>/SPARK_DRIVER/{stdout,stderr}.gz`.
 */
export function driverLogKeys(
  logUri: string,
  applicationId: string,
  jobRunId: string,
): { bucket: string; stdout: string; stderr: string } {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(logUri);
  if (!m) throw new Error(`not an s3:// URI: ${logUri}`);
  const prefix = `${(m[2] ?? "").replace(/\/?$/, "/").replace(/^\/$/, "")}applications/${applicationId}/jobs/${jobRunId}/SPARK_DRIVER/`;
  return { bucket: m[1] as string, stdout: `${prefix}stdout.gz`, stderr: `${prefix}stderr.gz` };
}
