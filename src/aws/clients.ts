import type { CloudFormation } from "@aws-sdk/client-cloudformation";
import type { EC2 } from "@aws-sdk/client-ec2";
import type { EMR } from "@aws-sdk/client-emr";
import type { EMRServerless } from "@aws-sdk/client-emr-serverless";
import type { IAM } from "@aws-sdk/client-iam";
import type { S3 } from "@aws-sdk/client-s3";
import type { ServiceQuotas } from "@aws-sdk/client-service-quotas";
import type { STS } from "@aws-sdk/client-sts";
import { PrerequisiteError } from "../errors.js";

/** The AWS clients Kindling uses, all talking to one region. Created here only, injected everywhere else. */
export interface AwsClients {
  s3: S3;
  emr: EMR;
  emrServerless: EMRServerless;
  cloudFormation: CloudFormation;
  /** The region every client talks to. */
  region: string;
}

/** Standard credential chain, optionally narrowed. */
export interface AwsTarget {
  /** Named profile. Default: AWS_PROFILE or the default chain. */
  profile?: string;
  /** Region. Default: AWS_REGION / the profile's region. */
  region?: string;
  /** Static credentials (tests). Default: the standard credential chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/**
 * Retries are the SDK's own: adaptive mode backs off exponentially with jitter and slows the client down
 * when AWS throttles (EMR's Describe* limits are per account, so a busy account throttles a watcher).
 * AWS_MAX_ATTEMPTS / AWS_RETRY_MODE (or the profile's max_attempts / retry_mode) still win.
 */
export const RETRY = { maxAttempts: 8, retryMode: "adaptive" } as const;

/**
 * Creates the SDK clients. The SDK packages are loaded on first use, so commands that need no AWS never
 * load them. Endpoints follow the SDK's own AWS_ENDPOINT_URL_S3 / _EMR / _CLOUDFORMATION variables
 * (emulators, LocalStack; _EMR_SERVERLESS for EMR Serverless); S3 then uses path-style addressing, which servers on an IP address need.
 */
export async function createAwsClients(target: AwsTarget, env = process.env): Promise<AwsClients> {
  // The pinned SDK supports Node 20; its notice about future releases needing Node 22 would otherwise
  // land in every command's output.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const [{ S3 }, { EMR }, { EMRServerless }, { CloudFormation }] = await Promise.all([
    load<typeof import("@aws-sdk/client-s3")>("@aws-sdk/client-s3"),
    load<typeof import("@aws-sdk/client-emr")>("@aws-sdk/client-emr"),
    load<typeof import("@aws-sdk/client-emr-serverless")>("@aws-sdk/client-emr-serverless"),
    load<typeof import("@aws-sdk/client-cloudformation")>("@aws-sdk/client-cloudformation"),
  ]);
  const config = sdkConfig(target, env);
  const s3 = new S3({
    ...config,
    ...(env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL ? { forcePathStyle: true } : {}),
  });
  let region: string;
  try {
    region = await s3.config.region();
  } catch (cause) {
    throw new PrerequisiteError("No AWS region is configured.", {
      hint: "Set aws.region in kindling.yaml, pass --region, or set AWS_REGION (or a region in your AWS profile).",
      cause,
    });
  }
  return {
    s3,
    emr: new EMR(config),
    emrServerless: new EMRServerless(config),
    cloudFormation: new CloudFormation(config),
    region,
  };
}

/** What every client is made with: the target's region, profile or credentials, and the SDK's retries. */
function sdkConfig(target: AwsTarget, env: NodeJS.ProcessEnv) {
  return {
    ...(target.region ? { region: target.region } : {}),
    ...(target.profile ? { profile: target.profile } : {}),
    ...(target.credentials ? { credentials: target.credentials } : {}),
    ...(env.AWS_MAX_ATTEMPTS ? {} : { maxAttempts: RETRY.maxAttempts }),
    ...(env.AWS_RETRY_MODE ? {} : { retryMode: RETRY.retryMode }),
  };
}

/**
 * The clients `kindling preflight` reads with, besides the core ones: STS (who am I), EC2 (subnets,
 * instance type offerings), Service Quotas and IAM. Endpoints follow AWS_ENDPOINT_URL(_<SERVICE>).
 */
export async function createReadOnlyClients(
  target: AwsTarget & { region: string },
  env = process.env,
): Promise<{ sts: STS; ec2: EC2; quotas: ServiceQuotas; iam: IAM }> {
  const [{ STS }, { EC2 }, { ServiceQuotas }, { IAM }] = await Promise.all([
    load<typeof import("@aws-sdk/client-sts")>("@aws-sdk/client-sts"),
    load<typeof import("@aws-sdk/client-ec2")>("@aws-sdk/client-ec2"),
    load<typeof import("@aws-sdk/client-service-quotas")>("@aws-sdk/client-service-quotas"),
    load<typeof import("@aws-sdk/client-iam")>("@aws-sdk/client-iam"),
  ]);
  const config = sdkConfig(target, env);
  return {
    sts: new STS(config),
    ec2: new EC2(config),
    quotas: new ServiceQuotas(config),
    iam: new IAM(config),
  };
}

async function load<T>(name: string): Promise<T> {
  try {
    return (await import(name)) as T;
  } catch (cause) {
    throw new PrerequisiteError(`The AWS SDK package ${name} is not installed.`, {
      hint: "Reinstall Kindling (`npm install`), which installs it.",
      cause,
    });
  }
}
