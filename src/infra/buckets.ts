import { PrerequisiteError } from "../errors.js";
import type { StackOutputEntry } from "./foundationStack.js";

/**
 * The few AWS SDK v3 calls the foundation commands make besides toolkit-lib, as structural interfaces:
 * the aggregated `S3` and `CloudFormation` clients of `@aws-sdk/client-s3` /
 * `@aws-sdk/client-cloudformation` satisfy them as they are, and tests pass scripted fakes.
 */
export interface S3Api {
  listObjectVersions(input: { Bucket: string; KeyMarker?: string; VersionIdMarker?: string }): Promise<{
    Versions?: { Key?: string; VersionId?: string }[];
    DeleteMarkers?: { Key?: string; VersionId?: string }[];
    IsTruncated?: boolean;
    NextKeyMarker?: string;
    NextVersionIdMarker?: string;
  }>;
  deleteObjects(input: {
    Bucket: string;
    Delete: { Objects: { Key: string; VersionId?: string }[]; Quiet?: boolean };
  }): Promise<{ Errors?: { Key?: string; Code?: string; Message?: string }[] }>;
  deleteBucket(input: { Bucket: string }): Promise<unknown>;
  listBuckets(input: { Prefix?: string; ContinuationToken?: string }): Promise<{
    Buckets?: { Name?: string }[];
    ContinuationToken?: string;
  }>;
  getBucketTagging(input: { Bucket: string }): Promise<{ TagSet?: { Key?: string; Value?: string }[] }>;
}

export interface CloudFormationApi {
  describeStacks(input: { StackName: string }): Promise<{
    Stacks?: { StackStatus?: string; Outputs?: StackOutputEntry[] }[];
  }>;
}

export interface AwsApis {
  s3: S3Api;
  cloudFormation: CloudFormationApi;
  /** The region the clients talk to, as the SDK resolved it; rejects when none is configured. */
  region(): Promise<string>;
}

/** Standard credential chain, optionally narrowed to a profile and region. */
export interface AwsTarget {
  /** Named profile from ~/.aws/config. Default: AWS_PROFILE or the default chain. */
  profile?: string;
  /** Region. Default: AWS_REGION / the profile's region. */
  region?: string;
}

/**
 * Creates the real SDK clients. The SDK packages are loaded on first use so that offline commands
 * (synth, plan without credentials) never need them.
 */
export async function createAwsApis(target: AwsTarget): Promise<AwsApis> {
  const config = {
    ...(target.region ? { region: target.region } : {}),
    ...(target.profile ? { profile: target.profile } : {}),
  };
  const s3 = (await loadSdk("@aws-sdk/client-s3")) as {
    S3: new (c: object) => S3Api & { config: { region: () => Promise<string> } };
  };
  const cfn = (await loadSdk("@aws-sdk/client-cloudformation")) as {
    CloudFormation: new (c: object) => CloudFormationApi;
  };
  const s3Client = new s3.S3(config);
  return {
    s3: s3Client,
    cloudFormation: new cfn.CloudFormation(config),
    region: () => s3Client.config.region(),
  };
}

async function loadSdk(name: string): Promise<unknown> {
  try {
    return await import(name);
  } catch (cause) {
    throw new PrerequisiteError(`The AWS SDK package ${name} is not installed.`, {
      hint: "Run `npm run setup` (or `npm install`) in the Kindling checkout.",
      cause,
    });
  }
}

/** The stack's status and outputs, or undefined when no such stack exists (deleted stacks included). */
export async function describeStack(
  cfn: CloudFormationApi,
  stackName: string,
): Promise<{ status: string; outputs: StackOutputEntry[] } | undefined> {
  try {
    const res = await cfn.describeStacks({ StackName: stackName });
    const stack = res.Stacks?.[0];
    if (!stack || stack.StackStatus === "DELETE_COMPLETE") return undefined;
    return { status: stack.StackStatus ?? "UNKNOWN", outputs: stack.Outputs ?? [] };
  } catch (e) {
    if (errorName(e) === "ValidationError" && /does not exist/i.test(errorMessage(e))) return undefined;
    throw e;
  }
}

/**
 * Deletes every object version and delete marker of a versioned bucket, then the bucket.
 * Returns the number of versions deleted, or undefined when the bucket does not exist (already deleted).
 */
export async function emptyAndDeleteBucket(
  s3: S3Api,
  bucket: string,
  onProgress: (deleted: number) => void = () => {},
): Promise<number | undefined> {
  let deleted = 0;
  try {
    let keyMarker: string | undefined;
    let versionMarker: string | undefined;
    for (;;) {
      const page = await s3.listObjectVersions({
        Bucket: bucket,
        KeyMarker: keyMarker,
        VersionIdMarker: versionMarker,
      });
      const objects = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])]
        .filter((o): o is { Key: string; VersionId?: string } => typeof o.Key === "string")
        .map((o) => ({ Key: o.Key, VersionId: o.VersionId }));
      // DeleteObjects takes at most 1000 keys; a page holds at most 1000 versions plus markers.
      for (let i = 0; i < objects.length; i += 1000) {
        const batch = objects.slice(i, i + 1000);
        const res = await s3.deleteObjects({ Bucket: bucket, Delete: { Objects: batch, Quiet: true } });
        const failed = res.Errors ?? [];
        if (failed.length > 0) {
          const first = failed[0];
          throw new Error(
            `Could not delete ${failed.length} object(s) from ${bucket}, e.g. ${first?.Key}: ${first?.Code} ${first?.Message}`,
          );
        }
        deleted += batch.length;
        onProgress(deleted);
      }
      if (!page.IsTruncated) break;
      keyMarker = page.NextKeyMarker;
      versionMarker = page.NextVersionIdMarker;
    }
    await s3.deleteBucket({ Bucket: bucket });
    return deleted;
  } catch (e) {
    if (errorName(e) === "NoSuchBucket") return undefined;
    throw e;
  }
}

/**
 * Buckets CloudFormation created for `stackName` and left behind on delete (RETAIN): found by the
 * `aws:cloudformation:stack-name` tag CloudFormation puts on them.
 */
export async function findRetainedBuckets(s3: S3Api, stackName: string): Promise<string[]> {
  const found: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.listBuckets({ Prefix: "kindling-", ContinuationToken: token });
    for (const b of page.Buckets ?? []) {
      if (!b.Name) continue;
      try {
        const tags = await s3.getBucketTagging({ Bucket: b.Name });
        const owner = tags.TagSet?.find((t) => t.Key === "aws:cloudformation:stack-name")?.Value;
        if (owner === stackName) found.push(b.Name);
      } catch (e) {
        if (errorName(e) === "NoSuchTagSet" || errorName(e) === "NoSuchBucket") continue;
        throw e;
      }
    }
    token = page.ContinuationToken;
  } while (token);
  return found;
}

export function errorName(e: unknown): string {
  return e instanceof Error
    ? e.name
    : typeof e === "object" && e !== null && "name" in e
      ? String(e.name)
      : "";
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
