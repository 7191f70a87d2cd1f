import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { messageOf } from "../../aws/errors.js";
import { InterruptedError, JobFailedError } from "../../errors.js";
import type { PredictOutcome } from "../../predict/outcome.js";
import type { PredictPlan } from "../../predict/plan.js";
import { CODES } from "../../ui/codes.js";
import { formatUsd } from "../../ui/format.js";
import { s3Uri } from "../emr/layout.js";
import { fetchPredictions, planPredictUploads } from "../emr/predict.js";
import { uploadAll } from "../emr/upload.js";
import { actualServerlessCost } from "./cost.js";
import { buildStartJobRunRequest, driverLogKeys, serverlessLogUri } from "./request.js";
import { followOptions, jobRunCause, readDriverLogs, type ServerlessSession } from "./train.js";
import { followJobRun } from "./watch.js";

/**
 * Scores as one job run on the foundation's EMR Serverless application: the same uploads as on EMR (the
 * run's model stays where a cloud run left it), one StartJobRun whose token is the prediction's id, and
 * the one predictions file renamed onto --output only once the job's predict.json is there. A failed or
 * interrupted prediction leaves nothing at the output path; Ctrl-C cancels the job run.
 */
export async function predictOnServerless(
  plan: PredictPlan,
  session: ServerlessSession,
): Promise<PredictOutcome> {
  const { aws, io, signal, config, foundation } = session;
  const applicationId = foundation.serverlessApplicationId;
  const scratch = await mkdtemp(path.join(os.tmpdir(), "kindling-predict-serverless-"));
  try {
    const planned = await planPredictUploads(
      plan,
      "emr-serverless",
      foundation,
      session.clock(),
      scratch,
      session.deps,
    );
    const { predictId, layout } = planned;
    const logUri = serverlessLogUri(foundation.logsBucketName);
    const request = buildStartJobRunRequest({
      runId: plan.runId,
      config,
      applicationId,
      executionRoleArn: foundation.serverlessJobRoleArn,
      entryUri: s3Uri(layout.bucket, layout.entryKey),
      zipUri: s3Uri(layout.bucket, layout.zipKey),
      specUri: s3Uri(layout.bucket, layout.specKey),
      depsUri: planned.depsUri,
      logUri,
      purpose: { name: `kindling predict ${plan.runId}`, token: `predict-${predictId}` },
    });
    io.notify(
      CODES.PREDICT_START.msg(
        `Predict ${predictId} → ${s3Uri(layout.bucket, layout.prefix)}; EMR Serverless application ${applicationId} in ${aws.region}`,
        { runId: plan.runId, featureSet: plan.featureSet, input: plan.input.file },
      ),
    );
    const nothing = `Nothing was written to ${plan.output.file}.`;
    const stopped = (how: string) =>
      new InterruptedError(`Prediction with run ${plan.runId} interrupted ${how}`, { hint: nothing });
    try {
      await uploadAll(aws.s3, planned.uploads, { io, signal });
    } catch (error) {
      if (signal.aborted) throw stopped("while uploading; no job run was started");
      throw error;
    }
    if (signal.aborted) throw stopped("before the job run was started");

    const { jobRunId = "" } = await aws.emrServerless.startJobRun(request);
    const followed = await followJobRun(followOptions(session, jobRunId));
    const driverLog = driverLogKeys(logUri, applicationId, jobRunId);
    const logsAt = `Logs: ${s3Uri(driverLog.bucket, driverLog.stderr)}`;
    if (followed.outcome === "interrupted") throw stopped(`; job run ${jobRunId} was cancelled`);
    if (followed.outcome === "watch-failed") {
      throw new JobFailedError(
        `Prediction with run ${plan.runId} failed on EMR Serverless: lost track of job run ${jobRunId}: ${messageOf(followed.error)}`,
        { hint: `${nothing} The job run was asked to cancel.` },
      );
    }
    const { jobRun } = followed;
    if (jobRun.state !== "SUCCESS") {
      const logs = await readDriverLogs(aws.s3, logUri, applicationId, jobRunId);
      const { jobError, cause } = jobRunCause(jobRun, logs);
      throw new JobFailedError(
        `Prediction with run ${plan.runId} failed on EMR Serverless: ${cause.summary}`,
        {
          ...(jobError?.stage ? { stage: jobError.stage } : {}),
          hint: `${cause.hint ? `${cause.hint} ` : ""}${nothing} ${logsAt}`,
        },
      );
    }
    const result = await fetchPredictions(session, layout, plan, logsAt);
    const billed = jobRun.billedResourceUtilization;
    const cost = billed ? actualServerlessCost(billed, config.serverless, aws.region) : undefined;
    io.notify(
      CODES.SERVERLESS_COST.msg(
        `Job run ${jobRunId}: cost ${formatUsd(cost)}; outputs kept at ${s3Uri(layout.bucket, layout.prefix)}`,
        { jobRunId, ...(cost !== undefined ? { usd: cost } : {}) },
      ),
    );
    return { output: plan.output.file, result };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
