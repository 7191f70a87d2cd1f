import { execFileSync } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { EMRServerless } from "@aws-sdk/client-emr-serverless";
import type { S3 } from "@aws-sdk/client-s3";
import { createFoundationStack, type FoundationFixture } from "../aws/foundationFixture.js";
import { type Moto, motoS3, startMoto, TEST_CREDENTIALS, TEST_REGION } from "../aws/moto.js";
import { type EmrEmulator, type StepExecutor, startEmrEmulator } from "../emr-emulator/server.js";
import { type ServerlessEmulator, startServerlessEmulator } from "../emr-emulator/serverless.js";
import { preparedS3a, sparkSubmitExecutor } from "../emr-emulator/sparkStep.js";
import { buildCli, ROOT } from "../helpers/cli.js";
import { writeCorpusSlice } from "../helpers/corpus.js";

/** moto (S3 + CloudFormation) + the EMR emulator + a deployed-looking foundation, all on 127.0.0.1. */
export interface AwsHarness {
  moto: Moto;
  emr: EmrEmulator;
  /** EMR Serverless, with the foundation's application created in it. */
  serverless: ServerlessEmulator;
  s3: S3;
  foundation: FoundationFixture;
  /** The emulator's executor that really runs a step's spark-submit (tests may swap in others). */
  sparkExecutor: StepExecutor;
  /** Environment for the `kindling` CLI process: endpoints, fake credentials, fast polling. */
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

export async function startAwsHarness(project: string): Promise<AwsHarness> {
  const moto = await startMoto();
  try {
    const s3 = motoS3(moto.endpoint);
    // The emulated nodes run a Python without NumPy: the job works only with the packages it ships.
    const sparkExecutor = sparkSubmitExecutor({
      s3,
      root: ROOT,
      s3a: preparedS3a(ROOT, moto.endpoint),
      python: (await nodePython()).python,
    });
    const emr = await startEmrEmulator({ s3, executor: sparkExecutor });
    const serverless = await startServerlessEmulator({ s3, executor: sparkExecutor });
    const app = await new EMRServerless({
      endpoint: serverless.endpoint,
      region: TEST_REGION,
      credentials: TEST_CREDENTIALS,
    }).createApplication({
      name: `kindling-${project}-dev`,
      releaseLabel: "emr-7.13.0",
      type: "SPARK",
      autoStartConfiguration: { enabled: true },
      autoStopConfiguration: { enabled: true, idleTimeoutMinutes: 15 },
    });
    const foundation = await createFoundationStack(moto.endpoint, project, "dev", app.applicationId);
    const env: NodeJS.ProcessEnv = {
      AWS_ENDPOINT_URL_S3: moto.endpoint,
      AWS_ENDPOINT_URL_CLOUDFORMATION: moto.endpoint,
      AWS_ENDPOINT_URL_EMR: emr.endpoint,
      // What a run reads before it starts a cluster (subnets' zones, vCPU quotas): moto answers.
      AWS_ENDPOINT_URL_EC2: moto.endpoint,
      AWS_ENDPOINT_URL_SERVICE_QUOTAS: moto.endpoint,
      AWS_ENDPOINT_URL_EMR_SERVERLESS: serverless.endpoint,
      AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
      AWS_REGION: TEST_REGION,
      AWS_EC2_METADATA_DISABLED: "true",
      KINDLING_EMR_POLL_MS: "200",
      KINDLING_EMR_LOG_WAIT_MS: "300",
    };
    return {
      moto,
      emr,
      serverless,
      s3,
      foundation,
      sparkExecutor,
      env,
      stop: async () => {
        await emr.close();
        await serverless.close();
        await moto.stop();
      },
    };
  } catch (error) {
    await moto.stop();
    throw error;
  }
}

/**
 * The emulated nodes' Python: this machine's python3 in a fresh venv with no packages at all (what an EMR
 * node's system Python lacks: NumPy). Made once per test process.
 */
let nodes: Promise<{ python: string; version: string }> | undefined;
export function nodePython(): Promise<{ python: string; version: string }> {
  nodes ??= (async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "emr-node-python-"));
    execFileSync("python3", ["-m", "venv", "--without-pip", dir]);
    const python = path.join(dir, "bin", "python");
    const version = execFileSync(python, ["-c", "import sys; print('%d.%d' % sys.version_info[:2])"], {
      encoding: "utf8",
    }).trim();
    return { python, version };
  })();
  return nodes;
}

/** A small, quick job on slice.csv (what emrWorkspace writes), plus `extra` config lines. */
export function smallJobConfig(project: string, extra = ""): string {
  return `project: ${project}
data:
  path: slice.csv
features:
  word2vec: { vector_size: 50 }
train:
  grid:
    max_iter: [10]
${extra}`;
}

/**
 * What an end-to-end EMR test starts from: the CLI built, moto + the EMR emulator running, and a fresh
 * folder holding every `sliceStep`-th email of the demo corpus as slice.csv and `config` as kindling.yaml.
 */
export async function emrWorkspace(
  project: string,
  config: string,
  sliceStep: number,
): Promise<{ aws: AwsHarness; dir: string }> {
  buildCli();
  const aws = await startAwsHarness(project);
  const dir = await mkdtemp(path.join(os.tmpdir(), `kindling-${project}-`));
  await writeCorpusSlice(path.join(dir, "slice.csv"), sliceStep);
  // The cluster's Python is the emulated nodes': its packages are built for it.
  await writeFile(
    path.join(dir, "kindling.yaml"),
    `${config}python:\n  version: "${(await nodePython()).version}"\n`,
  );
  return { aws, dir };
}
