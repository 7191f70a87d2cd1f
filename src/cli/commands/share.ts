import { type AwsClients, createAwsClients } from "../../aws/clients.js";
import { translateAwsError } from "../../aws/errors.js";
import { loadConfig, loadOptionsOf } from "../../config/load.js";
import { KindlingError, UsageError } from "../../errors.js";
import { foundationSettingsFrom } from "../../infra/fromConfig.js";
import { stackNameFor } from "../../infra/settings.js";
import { findRun, runsRoot } from "../../runs/lookup.js";
import { type RemoteRun, RemoteRunStore } from "../../runs/remote.js";
import { findFoundation } from "../../targets/emr/foundation.js";
import { displayPath, formatBytes } from "../../ui/format.js";
import type { CommandIO } from "../io.js";
import type { AwsOptions, ConfigOption, RunsOptions, ShareOptions } from "../options.js";
import { filterRuns, runRow, runsTable } from "./runs.js";

/** The shared history of this project: the deployed foundation's data bucket, found by its stack. */
export async function openHistory(options: ConfigOption & AwsOptions): Promise<RemoteRunStore> {
  const { s3, bucket } = await findDataBucket(options, "the shared run history");
  return new RemoteRunStore(s3, bucket);
}

/** The deployed foundation's data bucket (and an S3 client), for what lives there (`what`, for errors). */
export async function findDataBucket(
  options: ConfigOption & AwsOptions,
  what: string,
): Promise<{ s3: AwsClients["s3"]; bucket: string }> {
  const { config } = await loadConfig(options.config, loadOptionsOf(options));
  const region = options.region ?? config.aws.region;
  const aws = await createAwsClients({
    ...(options.profile ? { profile: options.profile } : {}),
    ...(region ? { region } : {}),
  });
  const stackName = stackNameFor(foundationSettingsFrom(config, { region: aws.region }));
  const foundation = await findFoundation(aws.cloudFormation, stackName).catch((error: unknown) => {
    throw translateAwsError(error, "finding the foundation stack");
  });
  if (!foundation) {
    throw new KindlingError(
      `the foundation stack ${stackName} is not deployed in ${aws.region}: ${what} lives in its data bucket`,
      { hint: "`kindling deploy` creates it; pass --region (or set aws.region) if it is in another region." },
    );
  }
  return { s3: aws.s3, bucket: foundation.dataBucketName };
}

/** `kindling runs --remote`: the shared history, with the same filters and table as the local one. */
export async function remoteRunsCommand(options: RunsOptions, io: CommandIO): Promise<void> {
  const store = await openHistory(options);
  const filtered = Boolean(options.tags || options.status || options.target || options.since);
  // Only the manifests shown are read, unless a filter must see them all first.
  const runs = await store.list(filtered ? undefined : options.limit).catch((error: unknown) => {
    throw translateAwsError(error, `listing s3://${store.bucket}/runs/`);
  });
  const rows = filterRuns(runs.map(runRow), options);
  io.emitJson(rows);
  if (rows.length === 0) {
    io.print(
      runs.length === 0
        ? `No runs in s3://${store.bucket}/runs/.`
        : `None of the ${runs.length} runs in s3://${store.bucket}/runs/ match.`,
    );
    return;
  }
  io.print(runsTable(rows));
  io.print(`Shared history: s3://${store.bucket}/runs/ (\`kindling pull ID\` brings a run down).`);
}

/** `kindling push RUN`: publish a finished local run to the shared history. */
export async function pushCommand(options: ShareOptions, io: CommandIO): Promise<void> {
  const root = await runsRoot(options, io.cwd);
  const run = await findRun(options.run, root, io.cwd, { complete: true, io: io.host });
  const store = await openHistory(options);
  const sent = await store.push(run, io.host).catch((error: unknown) => {
    throw translateAwsError(error, `pushing run ${run.id}`);
  });
  const uri = store.uriOf(run.id);
  io.emitJson({ run_id: run.id, uri, ...sent });
  io.print(
    `Pushed run ${run.id} to ${uri}: ${sent.files} files, ${formatBytes(sent.bytes)} sent${sent.skipped ? ` (${sent.skipped} already there)` : ""}.`,
  );
}

/** `kindling pull RUN`: bring a run of the shared history into the local run folder. */
export async function pullCommand(options: ShareOptions, io: CommandIO): Promise<void> {
  const root = await runsRoot(options, io.cwd);
  const store = await openHistory(options);
  const id = await remoteId(store, options.run);
  const pulled = await store.pull(id, root, io.host).catch((error: unknown) => {
    throw translateAwsError(error, `pulling run ${id}`);
  });
  io.emitJson({ run_id: id, uri: store.uriOf(id), ...pulled });
  io.print(
    `Pulled run ${id} → ${displayPath(pulled.dir)} (${pulled.files} files, ${formatBytes(pulled.bytes)}). \`kindling report ${id} --open\` shows it.`,
  );
}

/** A run of the bucket named as locally: its id, a unique start of it, or `latest` (the newest complete). */
async function remoteId(store: RemoteRunStore, ref: string): Promise<string> {
  const ids = await store.ids();
  if (ref === "latest") {
    for (const id of ids) {
      const run: RemoteRun = await store.read(id);
      if (run.complete) return id;
    }
    throw new UsageError(`there is no complete run in s3://${store.bucket}/runs/`, {
      hint: "`kindling push ID` publishes one.",
    });
  }
  const matches = ids.filter((id) => id.startsWith(ref));
  if (matches.length === 1) return matches[0] as string;
  throw new UsageError(
    matches.length === 0
      ? `run ${ref} is not in s3://${store.bucket}/runs/`
      : `"${ref}" names ${matches.length} runs in s3://${store.bucket}/runs/: ${matches.slice(0, 5).join(", ")}`,
    { hint: "`kindling runs --remote` lists them." },
  );
}
