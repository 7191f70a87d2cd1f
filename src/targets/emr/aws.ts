import type { S3 } from "@aws-sdk/client-s3";
import { PrerequisiteError } from "../../errors.js";
import type { CloudFormationApi } from "../../infra/awsApis.js";
import type { EmrApi } from "./watch.js";

/** The AWS clients an EMR run uses; created by the CLI, injected everywhere else. */
export interface EmrAws {
  emr: EmrApi;
  s3: S3;
  cloudFormation: CloudFormationApi;
  /** The region every client talks to. */
  region: string;
}

export interface EmrAwsTarget {
  /** Named profile. Default: AWS_PROFILE or the default chain. */
  profile?: string;
  /** Region. Default: AWS_REGION / the profile's region. */
  region?: string;
  /**
   * Endpoint overrides (emulators, LocalStack, moto). Default: the SDK's, which also honours
   * AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL_EMR / AWS_ENDPOINT_URL_CLOUDFORMATION.
   */
  endpoints?: { s3?: string; emr?: string; cloudFormation?: string };
  /** Static credentials (tests). Default: the standard credential chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/** Creates the SDK clients (loaded on first use, so offline commands never import them). */
export async function createEmrAws(target: EmrAwsTarget, env = process.env): Promise<EmrAws> {
  const base = {
    ...(target.region ? { region: target.region } : {}),
    ...(target.profile ? { profile: target.profile } : {}),
    ...(target.credentials ? { credentials: target.credentials } : {}),
  };
  // The pinned SDK supports Node 20 (package.json engines); its notice about future SDK releases needing
  // Node 22 would otherwise land in every run's output.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const [{ EMR }, { S3 }, { CloudFormation }] = await Promise.all([
    load<typeof import("@aws-sdk/client-emr")>("@aws-sdk/client-emr"),
    load<typeof import("@aws-sdk/client-s3")>("@aws-sdk/client-s3"),
    load<typeof import("@aws-sdk/client-cloudformation")>("@aws-sdk/client-cloudformation"),
  ]);
  const s3Endpoint = target.endpoints?.s3 ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
  const s3 = new S3({
    ...base,
    ...(target.endpoints?.s3 ? { endpoint: target.endpoints.s3 } : {}),
    // S3-compatible servers on an address (not a DNS name) cannot do virtual-hosted buckets.
    ...(s3Endpoint ? { forcePathStyle: true } : {}),
  });
  const emr = new EMR({ ...base, ...(target.endpoints?.emr ? { endpoint: target.endpoints.emr } : {}) });
  const cloudFormation = new CloudFormation({
    ...base,
    ...(target.endpoints?.cloudFormation ? { endpoint: target.endpoints.cloudFormation } : {}),
  });
  let region: string;
  try {
    region = await s3.config.region();
  } catch (cause) {
    throw new PrerequisiteError("No AWS region configured for the EMR run.", {
      hint: "Set aws.region in kindling.yaml, pass --region, or set AWS_REGION (or a region in your AWS profile).",
      cause,
    });
  }
  return { emr, s3, cloudFormation, region };
}

async function load<T>(name: string): Promise<T> {
  try {
    return (await import(name)) as T;
  } catch (cause) {
    throw new PrerequisiteError(`The AWS SDK package ${name} is not installed.`, {
      hint: "Run `npm run setup` (or `npm install`) in the Kindling checkout.",
      cause,
    });
  }
}
