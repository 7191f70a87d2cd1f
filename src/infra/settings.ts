import type { z } from "zod";
import { type AwsConfig, deploySchema, stackNameOf, stackNameSchema } from "../config/deploy.js";
import { describeIssues } from "../config/issues.js";
import { UsageError } from "../errors.js";

export { LOG_RETENTION_DAYS } from "../config/deploy.js";

/** Where EMR nodes run. */
export type NetworkMode = AwsConfig["network"];
/** Default encryption of the data bucket. */
export type BucketEncryption = AwsConfig["encryption"];

/**
 * Everything the foundation stack is built from. A plain object: `foundationSettingsFrom` maps the
 * validated `project` and `aws:` keys of kindling.yaml onto it; programmatic callers use
 * `resolveFoundationSettings`, which checks with the config's own rules (src/config/deploy.ts).
 */
export interface FoundationSettings {
  /** Project name: lower-case letters and digits, starting with a letter, single hyphens. Required. */
  project: string;
  /** Environment name (e.g. "dev", "prod"); same characters as `project`. Default "dev". */
  environment: string;
  /**
   * AWS region to pin the stack to. Default: none, the stack is environment-agnostic and deploys to the
   * region of the credential chain (AWS_REGION, the profile's region). Never hard-coded.
   */
  region?: string;
  /** AWS account id (12 digits) to pin the stack to. Default: none (the credential chain's account). */
  account?: string;
  /**
   * "private" (default): isolated subnets, no internet route, S3 through a gateway endpoint, no NAT.
   * "public": public subnets with an internet gateway for jobs that need egress; still no inbound rule
   * from 0.0.0.0/0 or ::/0.
   */
  network: NetworkMode;
  /**
   * Default encryption of the data bucket: "sse-s3" (default, no key cost) or "sse-kms" (the stack's
   * customer-managed key, rotation on). The logs bucket is always SSE-S3, because S3 server access log
   * delivery does not support SSE-KMS target buckets.
   */
  encryption: BucketEncryption;
  /** Days after which objects in the logs bucket (EMR logs, S3 access logs) expire. Default 30. */
  logsRetentionDays: number;
  /** Retention of the VPC flow log group, in days: one of CloudWatch Logs' LOG_RETENTION_DAYS. Default 90. */
  flowLogsRetentionDays: number;
  /**
   * Enable EMR in-transit encryption (TLS between nodes). Default false. Needs `inTransitCertificateS3Uri`:
   * EMR's PEM certificate provider reads a zip of privateKey.pem / certificateChain.pem /
   * trustedCertificates.pem from S3, which Kindling does not generate for you.
   */
  inTransitEncryption: boolean;
  /** `s3://bucket/key.zip` of the PEM certificates for in-transit encryption. Default none. */
  inTransitCertificateS3Uri?: string;
  /**
   * Whether `destroy` also empties and deletes the data and logs buckets. Default false: both buckets are
   * retained (CloudFormation leaves them) and the command says so. `--delete-data` overrides per call.
   */
  deleteDataOnDestroy: boolean;
  /**
   * The region's S3 managed prefix list id (`com.amazonaws.<region>.s3`, "pl-..."). When set, EMR nodes'
   * HTTPS egress is limited to S3's addresses. Default none: HTTPS egress is to 0.0.0.0/0, which in the
   * private network still reaches only S3 because the only route out is the S3 gateway endpoint.
   * CloudFormation cannot resolve this id itself: it comes from `aws.s3_prefix_list_id`.
   */
  s3PrefixListId?: string;
}

/** What a caller must give; everything else has a default. */
export type FoundationSettingsInput = Pick<FoundationSettings, "project"> & Partial<FoundationSettings>;

/**
 * Settings from `project` and `aws:` values the config schema has accepted: no second check, so what
 * `kindling validate` accepts is what deploy builds. The one mapping from config keys to settings.
 */
export function settingsOf(project: string, aws: AwsConfig, deleteDataOnDestroy = false): FoundationSettings {
  return {
    project,
    environment: aws.environment,
    network: aws.network,
    encryption: aws.encryption,
    logsRetentionDays: aws.logs_retention_days,
    flowLogsRetentionDays: aws.flow_logs_retention_days,
    inTransitEncryption: aws.in_transit_encryption,
    deleteDataOnDestroy,
    ...(aws.region !== undefined ? { region: aws.region } : {}),
    ...(aws.account !== undefined ? { account: aws.account } : {}),
    ...(aws.in_transit_certificate_s3_uri !== undefined
      ? { inTransitCertificateS3Uri: aws.in_transit_certificate_s3_uri }
      : {}),
    ...(aws.s3_prefix_list_id !== undefined ? { s3PrefixListId: aws.s3_prefix_list_id } : {}),
  };
}

/**
 * Fills defaults and checks settings given in code (the CDK app, tests) with the config schema's rules;
 * throws a UsageError naming the kindling.yaml keys (`aws.flow_logs_retention_days`), the only names
 * users know. Idempotent: settings it returned pass again unchanged.
 */
export function resolveFoundationSettings(input: FoundationSettingsInput): FoundationSettings {
  const written = {
    project: input.project,
    aws: dropUndefined({
      environment: input.environment,
      region: input.region,
      account: input.account,
      network: input.network,
      encryption: input.encryption,
      logs_retention_days: input.logsRetentionDays,
      flow_logs_retention_days: input.flowLogsRetentionDays,
      in_transit_encryption: input.inTransitEncryption,
      in_transit_certificate_s3_uri: input.inTransitCertificateS3Uri,
      s3_prefix_list_id: input.s3PrefixListId,
    }),
  };
  const result = deploySchema.safeParse(written);
  if (!result.success) throw invalid(deploySchema, written, result.error.issues);
  return settingsOf(result.data.project, result.data.aws, input.deleteDataOnDestroy ?? false);
}

/** The CloudFormation stack name: `kindling-<project>-<environment>`, checked with the config's rules. */
export function stackNameFor(settings: Pick<FoundationSettings, "project" | "environment">): string {
  const written = { project: settings.project, aws: { environment: settings.environment } };
  const result = stackNameSchema.safeParse(written);
  if (!result.success) throw invalid(stackNameSchema, written, result.error.issues);
  return stackNameOf(settings.project, settings.environment);
}

function invalid(schema: z.ZodType, written: unknown, issues: readonly z.core.$ZodIssue[]): UsageError {
  const lines = describeIssues(schema, written, issues).map((i) => `  ${i.path}: ${i.message}`);
  return new UsageError(`The foundation settings are not valid:\n${lines.join("\n")}`, {
    hint: "These are the kindling.yaml keys that set them; `kindling validate` checks a config file.",
  });
}

function dropUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
