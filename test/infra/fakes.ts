import { BaseCredentials, Toolkit } from "@aws-cdk/toolkit-lib";
import {
  type Change,
  CloudFormation,
  DescribeChangeSetCommand,
  DescribeStacksCommand,
  ListStackResourcesCommand,
} from "@aws-sdk/client-cloudformation";
import { EMR } from "@aws-sdk/client-emr";
import { EMRServerless } from "@aws-sdk/client-emr-serverless";
import {
  DeleteBucketCommand,
  DeleteObjectsCommand,
  GetBucketTaggingCommand,
  ListBucketsCommand,
  ListObjectVersionsCommand,
  S3,
} from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import type { AwsClients } from "../../src/aws/clients.js";
import type { StackOutputEntry } from "../../src/aws/stacks.js";
import type { FoundationToolkit, ToolkitFactory } from "../../src/infra/toolkit.js";

export interface ToolkitCalls {
  deploy: number;
  destroy: number;
  diff: number;
  offline: boolean[];
  regions: (string | undefined)[];
}

/**
 * A toolkit that synthesizes for real (offline) but never reaches AWS: deploy/destroy/diff are scripted.
 */
export function fakeToolkit(script: Partial<Pick<FoundationToolkit, "deploy" | "destroy" | "diff">> = {}): {
  factory: ToolkitFactory;
  calls: ToolkitCalls;
} {
  const calls: ToolkitCalls = { deploy: 0, destroy: 0, diff: 0, offline: [], regions: [] };
  const factory: ToolkitFactory = (ioHost, target) => {
    calls.offline.push(target.offline);
    calls.regions.push(target.region);
    const real = new Toolkit({
      ioHost,
      color: false,
      sdkConfig: { baseCredentials: BaseCredentials.none() },
    });
    return {
      fromAssemblyBuilder: real.fromAssemblyBuilder.bind(real),
      synth: real.synth.bind(real),
      deploy: async (...args) => {
        calls.deploy++;
        if (!script.deploy) throw new Error("deploy not scripted");
        return script.deploy(...args);
      },
      destroy: async (...args) => {
        calls.destroy++;
        return script.destroy ? script.destroy(...args) : { stacks: [] };
      },
      diff: async (...args) => {
        calls.diff++;
        return script.diff ? script.diff(...args) : {};
      },
    };
  };
  return { factory, calls };
}

/** An in-memory S3 with versioned buckets and tags; records every call. */
export class FakeS3 {
  readonly calls: string[] = [];
  constructor(
    readonly buckets: Map<
      string,
      { versions: { Key: string; VersionId: string }[]; tags: Record<string, string> }
    >,
    readonly pageSize = 2,
  ) {}
  static withBucket(name: string, objects: number, stackName: string): FakeS3 {
    const versions = Array.from({ length: objects }, (_, i) => ({ Key: `runs/r/${i}`, VersionId: `v${i}` }));
    return new FakeS3(new Map([[name, { versions, tags: { "aws:cloudformation:stack-name": stackName } }]]));
  }
  private bucket(name: string) {
    const b = this.buckets.get(name);
    if (!b) throw Object.assign(new Error("The specified bucket does not exist"), { name: "NoSuchBucket" });
    return b;
  }
  async listObjectVersions(input: { Bucket: string; KeyMarker?: string }) {
    this.calls.push(`listObjectVersions ${input.Bucket} ${input.KeyMarker ?? ""}`);
    const b = this.bucket(input.Bucket);
    const start = input.KeyMarker ? b.versions.findIndex((v) => v.Key === input.KeyMarker) + 1 : 0;
    const page = b.versions.slice(start, start + this.pageSize);
    const truncated = start + this.pageSize < b.versions.length;
    return {
      Versions: page,
      IsTruncated: truncated,
      NextKeyMarker: truncated ? page[page.length - 1]?.Key : undefined,
      NextVersionIdMarker: truncated ? page[page.length - 1]?.VersionId : undefined,
    };
  }
  async deleteObjects(input: { Bucket: string; Delete: { Objects: { Key: string; VersionId?: string }[] } }) {
    this.calls.push(`deleteObjects ${input.Bucket} ${input.Delete.Objects.length}`);
    const b = this.bucket(input.Bucket);
    const gone = new Set(input.Delete.Objects.map((o) => `${o.Key}@${o.VersionId}`));
    // Deleting shifts the listing, like S3: the fake lists from the start again after deletes.
    b.versions = b.versions.filter((v) => !gone.has(`${v.Key}@${v.VersionId}`));
    return {};
  }
  async deleteBucket(input: { Bucket: string }) {
    this.calls.push(`deleteBucket ${input.Bucket}`);
    const b = this.bucket(input.Bucket);
    if (b.versions.length > 0) throw Object.assign(new Error("not empty"), { name: "BucketNotEmpty" });
    this.buckets.delete(input.Bucket);
    return {};
  }
  async listBuckets(input: { Prefix?: string }) {
    this.calls.push(`listBuckets ${input.Prefix ?? ""}`);
    return {
      Buckets: [...this.buckets.keys()]
        .filter((n) => n.startsWith(input.Prefix ?? ""))
        .map((Name) => ({ Name })),
    };
  }
  async getBucketTagging(input: { Bucket: string }) {
    const b = this.bucket(input.Bucket);
    return { TagSet: Object.entries(b.tags).map(([Key, Value]) => ({ Key, Value })) };
  }
}

/** A CloudFormation whose one stack may exist or not; destroy() removes it. */
/** A change set as DescribeChangeSet returns it. */
export interface FakeChangeSet {
  Status: string;
  ExecutionStatus: string;
  StatusReason?: string;
  Changes: Change[];
}

export class FakeCloudFormation {
  constructor(
    /**
     * `buckets`: the buckets the stack created (default: those its outputs name); `keys`: the ids of the
     * KMS keys it created (default none).
     */
    public stack:
      | { name: string; outputs: StackOutputEntry[]; buckets?: string[]; keys?: string[] }
      | undefined,
    /** Change sets of the stack, by name. */
    public changeSets: Record<string, FakeChangeSet> = {},
  ) {}
  async describeChangeSet(input: { StackName: string; ChangeSetName: string }) {
    const changeSet = this.changeSets[input.ChangeSetName];
    if (!changeSet) {
      throw Object.assign(new Error(`ChangeSet [${input.ChangeSetName}] does not exist`), {
        name: "ChangeSetNotFoundException",
      });
    }
    return changeSet;
  }
  async describeStacks(input: { StackName: string }) {
    if (!this.stack || this.stack.name !== input.StackName) {
      throw Object.assign(new Error(`Stack with id ${input.StackName} does not exist`), {
        name: "ValidationError",
      });
    }
    return { Stacks: [{ StackStatus: "CREATE_COMPLETE", Outputs: this.stack.outputs }] };
  }
  async listStackResources(input: { StackName: string }) {
    await this.describeStacks(input);
    const buckets =
      this.stack?.buckets ??
      (this.stack?.outputs ?? [])
        .filter((o) => o.OutputKey?.endsWith("BucketName"))
        .map((o) => o.OutputValue);
    return {
      StackResourceSummaries: [
        ...buckets.map((PhysicalResourceId) => ({ ResourceType: "AWS::S3::Bucket", PhysicalResourceId })),
        ...(this.stack?.keys ?? []).map((PhysicalResourceId) => ({
          ResourceType: "AWS::KMS::Key",
          PhysicalResourceId,
        })),
      ],
    };
  }
}

/** Answers DescribeStacks; a FakeCloudFormation, or a script that throws (no credentials). */
export type StacksAnswer = Pick<FakeCloudFormation, "describeStacks"> &
  Partial<Pick<FakeCloudFormation, "describeChangeSet" | "listStackResources">>;

/**
 * Real SDK clients whose calls the fakes answer (aws-sdk-client-mock on these instances only), as every
 * other AWS test scripts them: the code under test goes through the SDK's own command objects.
 */
export function fakeAws(s3: FakeS3, cloudFormation: StacksAnswer, region = "eu-west-1"): AwsClients {
  const config = { region, credentials: { accessKeyId: "testing", secretAccessKey: "testing" } };
  const clients: AwsClients = {
    s3: new S3(config),
    emr: new EMR(config),
    emrServerless: new EMRServerless(config),
    cloudFormation: new CloudFormation(config),
    region,
  };
  const s3Mock = mockClient(clients.s3);
  s3Mock.on(ListObjectVersionsCommand).callsFake((input) => s3.listObjectVersions(input));
  s3Mock.on(DeleteObjectsCommand).callsFake((input) => s3.deleteObjects(input));
  s3Mock.on(DeleteBucketCommand).callsFake((input) => s3.deleteBucket(input));
  s3Mock.on(ListBucketsCommand).callsFake((input) => s3.listBuckets(input));
  s3Mock.on(GetBucketTaggingCommand).callsFake((input) => s3.getBucketTagging(input));
  mockClient(clients.cloudFormation)
    .on(DescribeStacksCommand)
    .callsFake((input) => cloudFormation.describeStacks(input))
    .on(DescribeChangeSetCommand)
    .callsFake(async (input) => {
      if (!cloudFormation.describeChangeSet) throw new Error("DescribeChangeSet not scripted");
      return cloudFormation.describeChangeSet(input);
    })
    .on(ListStackResourcesCommand)
    .callsFake(async (input) => {
      if (!cloudFormation.listStackResources) throw new Error("ListStackResources not scripted");
      return cloudFormation.listStackResources(input);
    });
  return clients;
}
