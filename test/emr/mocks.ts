import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import { CloudFormation, CloudFormationClient, DescribeStacksCommand } from "@aws-sdk/client-cloudformation";
import { DescribeInstanceTypeOfferingsCommand, DescribeSubnetsCommand, EC2 } from "@aws-sdk/client-ec2";
import {
  DescribeClusterCommand,
  DescribeStepCommand,
  EMR,
  EMRClient,
  ListReleaseLabelsCommand,
  ListStepsCommand,
  ListSupportedInstanceTypesCommand,
  RunJobFlowCommand,
  TerminateJobFlowsCommand,
} from "@aws-sdk/client-emr";
import { EMRServerless, EMRServerlessClient } from "@aws-sdk/client-emr-serverless";
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3,
  S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { GetServiceQuotaCommand, ServiceQuotas } from "@aws-sdk/client-service-quotas";
import { mockClient } from "aws-sdk-client-mock";
import type { AwsClients } from "../../src/aws/clients.js";
import { loadConfig } from "../../src/config/load.js";
import { OUTPUT_KEYS } from "../../src/infra/outputs.js";
import { runJob } from "../../src/runs/lifecycle.js";
import { type EmrDeps, EmrTarget, type EmrTargetOptions } from "../../src/targets/emr/target.js";
import { ServerlessTarget, type ServerlessTargetOptions } from "../../src/targets/serverless/target.js";
import { VERSIONS } from "../../src/versions.js";
import { RecordingHost } from "../helpers/recordingHost.js";

export const T0 = new Date("2026-11-27T23:15:00Z");
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
const credentials = { accessKeyId: "testing", secretAccessKey: "testing" };

export const FOUNDATION_OUTPUTS = Object.entries({
  [OUTPUT_KEYS.dataBucketName]: "data-bucket",
  [OUTPUT_KEYS.logsBucketName]: "logs-bucket",
  [OUTPUT_KEYS.logUri]: "s3://logs-bucket/emr/",
  [OUTPUT_KEYS.network]: "private",
  [OUTPUT_KEYS.vpcId]: "vpc-1",
  [OUTPUT_KEYS.subnetIds]: "subnet-a,subnet-b",
  [OUTPUT_KEYS.primarySecurityGroupId]: "sg-primary",
  [OUTPUT_KEYS.coreSecurityGroupId]: "sg-core",
  [OUTPUT_KEYS.serviceAccessSecurityGroupId]: "sg-service",
  [OUTPUT_KEYS.serviceRoleName]: "emr-service",
  [OUTPUT_KEYS.instanceProfileName]: "emr-instance",
  [OUTPUT_KEYS.instanceRoleArn]: "arn:aws:iam::123456789012:role/emr-instance",
  [OUTPUT_KEYS.securityConfigurationName]: "emr-security",
  [OUTPUT_KEYS.kmsKeyArn]: "arn:aws:kms:us-east-1:123456789012:key/1",
  [OUTPUT_KEYS.serverlessApplicationId]: "00app",
  [OUTPUT_KEYS.serverlessJobRoleArn]: "arn:aws:iam::123456789012:role/serverless-job",
}).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue }));

/** A DescribeCluster answer `seconds` after creation. */
export function cluster(
  State: string,
  options: {
    reason?: { Code?: string; Message?: string };
    ended?: number;
    ready?: number;
    /** A warm cluster of the mocked project (`kindling cluster start`'s tags). */
    warm?: boolean;
    /** Default: the default Spark line's release. */
    releaseLabel?: string;
  } = {},
) {
  return {
    Cluster: {
      Id: "j-TEST",
      ReleaseLabel: options.releaseLabel ?? VERSIONS.emrRelease,
      ...(options.warm
        ? {
            Tags: [
              { Key: "kindling:project", Value: "mock" },
              { Key: "kindling:environment", Value: "dev" },
              { Key: "kindling:warm", Value: "true" },
            ],
          }
        : {}),
      Status: {
        State,
        ...(options.reason ? { StateChangeReason: options.reason } : {}),
        Timeline: {
          CreationDateTime: T0,
          ...(options.ready !== undefined ? { ReadyDateTime: at(options.ready) } : {}),
          ...(options.ended !== undefined ? { EndDateTime: at(options.ended) } : {}),
        },
      },
    },
  } as never;
}

export function step(
  State: string,
  FailureDetails?: { Reason?: string; Message?: string; LogFile?: string },
) {
  return {
    Step: {
      Id: "s-TEST",
      Status: {
        State,
        ...(FailureDetails ? { FailureDetails } : {}),
        Timeline: { StartDateTime: at(400), EndDateTime: at(700) },
      },
    },
  } as never;
}

export function awsError(name: string, message = name, status = 400): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
}

/** A GetObject body: a stream that also has the SDK's transformToByteArray. */
export function body(bytes: Buffer) {
  return Object.assign(Readable.from([bytes]), {
    transformToByteArray: async () => new Uint8Array(bytes),
  }) as never;
}

export const gz = (text: string) => body(gzipSync(text));

/** A config + tiny CSV in a temp dir, scripted EMR, S3 and CloudFormation clients, and a run on the EMR target. */
export async function mockedRun(extraConfig = "") {
  const dir = await mkdtemp(path.join(os.tmpdir(), "kindling-emr-mock-"));
  await writeFile(path.join(dir, "data.csv"), 'text,label\n"free money now",spam\n"meeting at noon",ham\n');
  await writeFile(path.join(dir, "kindling.yaml"), `project: mock\ndata:\n  path: data.csv\n${extraConfig}`);
  const loaded = await loadConfig(path.join(dir, "kindling.yaml"));
  const emrMock = mockClient(EMRClient);
  const serverlessMock = mockClient(EMRServerlessClient);
  const s3Mock = mockClient(S3Client);
  const cfnMock = mockClient(CloudFormationClient);
  s3Mock.on(HeadObjectCommand).rejects(awsError("NotFound", "Not Found", 404));
  s3Mock.on(PutObjectCommand).resolves({});
  // The job's Python packages (tens of MiB) go up in parts.
  s3Mock.on(CreateMultipartUploadCommand).resolves({ UploadId: "upload-1" });
  s3Mock.on(UploadPartCommand).resolves({ ETag: '"part"' });
  s3Mock.on(CompleteMultipartUploadCommand).resolves({});
  emrMock.on(RunJobFlowCommand).resolves({ JobFlowId: "j-TEST" });
  emrMock.on(ListStepsCommand).resolves({ Steps: [{ Id: "s-TEST" }] });
  emrMock.on(TerminateJobFlowsCommand).resolves({});
  // What the run checks before it uploads: the release, its types, the subnet's zone, the vCPU quota.
  emrMock.on(ListReleaseLabelsCommand).resolves({ ReleaseLabels: [VERSIONS.emrRelease] });
  emrMock
    .on(ListSupportedInstanceTypesCommand)
    .resolves({ SupportedInstanceTypes: [{ Type: "m5.xlarge", VCPU: 4 }] });
  const readers = {
    ec2: new EC2({ region: "us-east-1", credentials }),
    quotas: new ServiceQuotas({ region: "us-east-1", credentials }),
  };
  const ec2Mock = mockClient(readers.ec2);
  ec2Mock
    .on(DescribeSubnetsCommand)
    .resolves({ Subnets: [{ SubnetId: "subnet-a", AvailabilityZone: "us-east-1a" }] });
  ec2Mock.on(DescribeInstanceTypeOfferingsCommand).resolves({
    InstanceTypeOfferings: [{ InstanceType: "m5.xlarge", Location: "us-east-1a" }],
  });
  const quotasMock = mockClient(readers.quotas);
  quotasMock.on(GetServiceQuotaCommand).resolves({ Quota: { Value: 64 } });
  cfnMock.on(DescribeStacksCommand).resolves({
    Stacks: [
      {
        StackName: "kindling-mock-dev",
        StackStatus: "CREATE_COMPLETE",
        CreationTime: T0,
        Outputs: FOUNDATION_OUTPUTS,
      },
    ],
  });
  const config = { region: "us-east-1", credentials };
  const aws: AwsClients = {
    emr: new EMR(config),
    emrServerless: new EMRServerless(config),
    s3: new S3(config),
    cloudFormation: new CloudFormation(config),
    region: "us-east-1",
  };
  const host = new RecordingHost();
  const sleeps: number[] = [];
  const controller = new AbortController();
  let now = T0.getTime();
  const clock = () => new Date(now);
  const deps: EmrDeps = {
    aws: async () => aws,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
    pollMs: 1000,
    logWait: { attempts: 4, intervalMs: 30_000 },
    readers: async () => readers,
  };
  const context = { loaded, io: host, signal: controller.signal, clock, verbose: false };
  const target = (options: EmrTargetOptions = {}) => new EmrTarget(context, options, deps);
  /** `kindling run --target emr` with these options, through the one run lifecycle. */
  const run = (options: EmrTargetOptions = {}) =>
    runJob({ loaded, target: target(options), io: host, signal: controller.signal, clock });
  /** `kindling run --target emr-serverless`, through the same lifecycle, clients and clock. */
  const serverless = (options: ServerlessTargetOptions = {}) =>
    new ServerlessTarget(context, options, { ...deps, pollMs: 1000 });
  const runServerless = (options: ServerlessTargetOptions = {}) =>
    runJob({ loaded, target: serverless(options), io: host, signal: controller.signal, clock });
  const restore = () => {
    ec2Mock.restore();
    quotasMock.restore();
    serverlessMock.restore();
    emrMock.restore();
    s3Mock.restore();
    cfnMock.restore();
  };
  return {
    dir,
    loaded,
    emrMock,
    serverlessMock,
    s3Mock,
    cfnMock,
    ec2Mock,
    quotasMock,
    aws,
    host,
    sleeps,
    controller,
    deps,
    context,
    target,
    run,
    serverless,
    runServerless,
    restore,
  };
}

export { DescribeClusterCommand, DescribeStepCommand, RunJobFlowCommand, TerminateJobFlowsCommand };
