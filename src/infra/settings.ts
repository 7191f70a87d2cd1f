import { UsageError } from "../errors.js";

/** Where EMR nodes run. */
export type NetworkMode = "private" | "public";
/** Default encryption of the data bucket. */
export type BucketEncryption = "sse-s3" | "sse-kms";

/**
 * Everything the foundation stack is built from. A plain object: the CLI maps the `aws:` / `foundation:`
 * sections of kindling.yaml onto it, then calls `resolveFoundationSettings` to fill defaults and validate.
 */
export interface FoundationSettings {
  /** Project name: lower-case letters, digits and hyphens, starting with a letter. Required. */
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
  /**
   * Retention of the VPC flow log group, in days; one of the values CloudWatch Logs accepts
   * (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
   * 3653). Default 90.
   */
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
   * CloudFormation cannot resolve this id itself; `deployFoundation` fills it when given a resolver.
   */
  s3PrefixListId?: string;
}

/** What a caller must give; everything else has a default. */
export type FoundationSettingsInput = Pick<FoundationSettings, "project"> & Partial<FoundationSettings>;

/** Retention values CloudWatch Logs accepts. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

const NAME = /^[a-z][a-z0-9-]*$/;
// CloudFormation allows 128 characters; staying well under keeps derived names (roles, security
// configuration) within their own limits (IAM role names: 64).
const STACK_NAME_MAX = 40;

/** Fills defaults and validates; throws UsageError naming the setting and the allowed values. */
export function resolveFoundationSettings(input: FoundationSettingsInput): FoundationSettings {
  const s: FoundationSettings = {
    environment: "dev",
    network: "private",
    encryption: "sse-s3",
    logsRetentionDays: 30,
    flowLogsRetentionDays: 90,
    inTransitEncryption: false,
    deleteDataOnDestroy: false,
    ...dropUndefined(input),
    project: input.project,
  };
  checkName("project", s.project);
  checkName("environment", s.environment);
  stackNameFor(s);
  if (s.network !== "private" && s.network !== "public") {
    throw new UsageError(`foundation.network must be "private" or "public", got "${String(s.network)}".`);
  }
  if (s.encryption !== "sse-s3" && s.encryption !== "sse-kms") {
    throw new UsageError(
      `foundation.encryption must be "sse-s3" or "sse-kms", got "${String(s.encryption)}".`,
    );
  }
  if (!Number.isInteger(s.logsRetentionDays) || s.logsRetentionDays < 1) {
    throw new UsageError(
      `foundation.logsRetentionDays must be a whole number of days ≥ 1, got ${s.logsRetentionDays}.`,
    );
  }
  if (!(LOG_RETENTION_DAYS as readonly number[]).includes(s.flowLogsRetentionDays)) {
    throw new UsageError(
      `foundation.flowLogsRetentionDays must be one of the values CloudWatch Logs accepts.`,
      {
        hint: `Allowed: ${LOG_RETENTION_DAYS.join(", ")}.`,
      },
    );
  }
  if (s.region !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d$/.test(s.region)) {
    throw new UsageError(`aws.region "${s.region}" is not an AWS region name (e.g. eu-west-1).`);
  }
  if (s.account !== undefined && !/^\d{12}$/.test(s.account)) {
    throw new UsageError(`aws.account must be a 12-digit AWS account id, got "${s.account}".`);
  }
  if (s.s3PrefixListId !== undefined && !/^pl-[0-9a-f]+$/.test(s.s3PrefixListId)) {
    throw new UsageError(
      `foundation.s3PrefixListId must look like "pl-63a5400a", got "${s.s3PrefixListId}".`,
    );
  }
  if (s.inTransitEncryption) {
    if (s.inTransitCertificateS3Uri === undefined) {
      throw new UsageError("foundation.inTransitEncryption needs foundation.inTransitCertificateS3Uri.", {
        hint:
          "EMR reads TLS certificates from a zip in S3 (privateKey.pem, certificateChain.pem, trustedCertificates.pem). " +
          "Upload one and set inTransitCertificateS3Uri: s3://bucket/certs.zip, or leave inTransitEncryption off.",
      });
    }
    if (!/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/.+\.zip$/.test(s.inTransitCertificateS3Uri)) {
      throw new UsageError(
        `foundation.inTransitCertificateS3Uri must be s3://bucket/path.zip, got "${s.inTransitCertificateS3Uri}".`,
      );
    }
  }
  return s;
}

/** The CloudFormation stack name: `kindling-<project>-<environment>`. */
export function stackNameFor(settings: Pick<FoundationSettings, "project" | "environment">): string {
  checkName("project", settings.project);
  checkName("environment", settings.environment);
  const name = `kindling-${settings.project}-${settings.environment}`;
  if (name.length > STACK_NAME_MAX) {
    throw new UsageError(
      `Stack name "${name}" is ${name.length} characters; the limit is ${STACK_NAME_MAX}.`,
      {
        hint: "Shorten the project or environment name.",
      },
    );
  }
  return name;
}

function checkName(key: "project" | "environment", value: unknown): void {
  if (typeof value !== "string" || !NAME.test(value) || value.endsWith("-") || value.includes("--")) {
    throw new UsageError(
      `${key} name ${JSON.stringify(value)} cannot be used in the stack name: use lower-case letters, digits and single hyphens, starting with a letter.`,
      { hint: `For example "${key === "project" ? "spam-filter" : "dev"}".` },
    );
  }
}

function dropUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
