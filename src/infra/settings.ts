import { z } from "zod";
import { type AwsConfig, deploySchema, stackNameOf, stackNameSchema } from "../config/deploy.js";
import { describeIssues } from "../config/issues.js";
import { type ServerlessConfig, serverlessSection } from "../config/serverless.js";
import { UsageError } from "../errors.js";
import { VERSIONS } from "../versions.js";

export { LOG_RETENTION_DAYS } from "../config/deploy.js";

/** Where EMR nodes run. */
export type NetworkMode = AwsConfig["network"];
/** Default encryption of the data bucket. */
export type BucketEncryption = AwsConfig["encryption"];

/** One EMR Serverless worker size: vCPUs and Spark memory as Spark spells it ("14g", "7168m"). */
export interface ServerlessWorkerSettings {
  /** 1, 2, 4, 8 or 16. */
  cpu: number;
  memory: string;
}

/** The foundation's EMR Serverless application (the `serverless:` section of kindling.yaml). */
export interface ServerlessAppSettings {
  /** EMR release, e.g. "emr-7.13.0". Default: versions.json emrRelease (same Spark as the local PySpark). */
  releaseLabel: string;
  /** Worker CPU as EMR Serverless spells it. Default "X86_64"; "ARM64" (Graviton) costs about 20% less. */
  architecture: "X86_64" | "ARM64";
  /** Maximum capacity in vCPUs: no job runs beyond it (a bound on cost). Default 16. */
  maxVcpu: number;
  /** Maximum memory in GB. Default 64. */
  maxMemoryGb: number;
  /** The application stops after this many idle minutes and starts again with the next job. Default 15. */
  idleMinutes: number;
  /**
   * Workers kept warm while the application is started: one driver and `executors` executors of the job's
   * sizes. Default 0 executors: no pre-initialized capacity, nothing is billed while no job runs.
   */
  preInitialized: {
    executors: number;
    driver: ServerlessWorkerSettings;
    executor: ServerlessWorkerSettings;
  };
}

/**
 * Everything the foundation stack is built from. A plain object: `foundationSettingsFrom` maps the
 * validated `project`, `aws:` and `serverless:` keys of kindling.yaml onto it; programmatic callers use
 * `resolveFoundationSettings`, which checks with the config's own rules (src/config/deploy.ts,
 * src/config/serverless.ts).
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
  /** The EMR Serverless application and its worker sizes. Default: the `serverless:` section's defaults. */
  serverless: ServerlessAppSettings;
  /** Tags for every resource of the stack (and, from the config, for clusters and job runs). Default none. */
  tags: Record<string, string>;
  /** IAM policy ARN set as the permissions boundary of every role the stack creates. Default none. */
  permissionsBoundaryArn?: string;
  /** IAM path of every role and instance profile the stack creates. Default "/". */
  rolePath?: string;
  /** Names the stack's roles `<prefix><project>-<environment>-<purpose>`. Default: generated names. */
  roleNamePrefix?: string;
  /** Resources of the account used instead of the stack's own (aws.existing). Default: none. */
  existing?: ExistingResources;
}

/** What aws.existing names; the stack references each and changes nothing on it. */
export interface ExistingResources {
  /** The stack creates no VPC, subnets, S3 endpoint or flow logs, and puts its groups and workers in these. */
  network?: { vpcId: string; subnetIds: string[] };
  /** EMR-managed groups (service access: private network only) and, optionally, the workers' group. */
  securityGroups?: { primary: string; core: string; serviceAccess?: string; serverless?: string };
  dataBucket?: string;
  logsBucket?: string;
  kmsKeyArn?: string;
  /** The EMR service role and the nodes' role, whose instance profile has the same name. */
  emrRoles?: { serviceRoleArn: string; instanceRoleArn: string };
}

/** What a caller must give; everything else has a default. */
export type FoundationSettingsInput = Pick<FoundationSettings, "project"> &
  Partial<Omit<FoundationSettings, "serverless">> & { serverless?: ServerlessAppSettingsInput };

/** Application settings given in code: any part may be left out for its default. */
export type ServerlessAppSettingsInput = Partial<Omit<ServerlessAppSettings, "preInitialized">> & {
  preInitialized?: Partial<ServerlessAppSettings["preInitialized"]>;
};

/**
 * Settings from `project` and `aws:` values the config schema has accepted: no second check, so what
 * `kindling validate` accepts is what deploy builds. The one mapping from config keys to settings.
 * `serverless` defaults to the `serverless:` section's defaults (see serverlessSettingsOf).
 */
export function settingsOf(
  project: string,
  aws: AwsConfig,
  deleteDataOnDestroy = false,
  serverless: ServerlessAppSettings = serverlessSettingsOf(serverlessSection.parse({})),
): FoundationSettings {
  return {
    project,
    environment: aws.environment,
    network: aws.network,
    encryption: aws.encryption,
    logsRetentionDays: aws.logs_retention_days,
    flowLogsRetentionDays: aws.flow_logs_retention_days,
    inTransitEncryption: aws.in_transit_encryption,
    deleteDataOnDestroy,
    tags: aws.tags,
    ...(aws.permissions_boundary !== undefined ? { permissionsBoundaryArn: aws.permissions_boundary } : {}),
    ...(aws.existing !== undefined ? { existing: existingOf(aws.existing) } : {}),
    ...(aws.role_path !== undefined ? { rolePath: aws.role_path } : {}),
    ...(aws.role_name_prefix !== undefined ? { roleNamePrefix: aws.role_name_prefix } : {}),
    ...(aws.region !== undefined ? { region: aws.region } : {}),
    ...(aws.account !== undefined ? { account: aws.account } : {}),
    ...(aws.in_transit_certificate_s3_uri !== undefined
      ? { inTransitCertificateS3Uri: aws.in_transit_certificate_s3_uri }
      : {}),
    ...(aws.s3_prefix_list_id !== undefined ? { s3PrefixListId: aws.s3_prefix_list_id } : {}),
    serverless,
  };
}

function existingOf(e: NonNullable<AwsConfig["existing"]>): ExistingResources {
  const groups = e.security_groups;
  return dropUndefined({
    network:
      e.vpc_id !== undefined && e.subnet_ids !== undefined
        ? { vpcId: e.vpc_id, subnetIds: [...e.subnet_ids] }
        : undefined,
    securityGroups: groups
      ? dropUndefined({
          primary: groups.primary,
          core: groups.core,
          serviceAccess: groups.service_access,
          serverless: groups.serverless,
        })
      : undefined,
    dataBucket: e.data_bucket,
    logsBucket: e.logs_bucket,
    kmsKeyArn: e.kms_key_arn,
    emrRoles:
      e.emr_service_role_arn !== undefined && e.emr_instance_role_arn !== undefined
        ? { serviceRoleArn: e.emr_service_role_arn, instanceRoleArn: e.emr_instance_role_arn }
        : undefined,
  }) as ExistingResources;
}

/** aws.existing's keys for settings given in code (the inverse of existingOf). */
function existingKeysOf(e: ExistingResources): Record<string, unknown> {
  const groups = e.securityGroups;
  return dropUndefined({
    vpc_id: e.network?.vpcId,
    subnet_ids: e.network?.subnetIds,
    security_groups: groups
      ? dropUndefined({
          primary: groups.primary,
          core: groups.core,
          service_access: groups.serviceAccess,
          serverless: groups.serverless,
        })
      : undefined,
    data_bucket: e.dataBucket,
    logs_bucket: e.logsBucket,
    kms_key_arn: e.kmsKeyArn,
    emr_service_role_arn: e.emrRoles?.serviceRoleArn,
    emr_instance_role_arn: e.emrRoles?.instanceRoleArn,
  });
}

/**
 * Application settings from an accepted `serverless:` section. The release is `serverless.release_label`,
 * else `emrRelease` (pass `emr.release_label`: the application then runs the same EMR as the clusters),
 * else versions.json's.
 */
export function serverlessSettingsOf(
  serverless: ServerlessConfig,
  emrRelease: string | undefined = undefined,
): ServerlessAppSettings {
  const worker = (w: ServerlessConfig["driver"]): ServerlessWorkerSettings => ({
    cpu: w.cpu,
    memory: w.memory,
  });
  return {
    releaseLabel: serverless.release_label ?? emrRelease ?? VERSIONS.emrRelease,
    architecture: serverless.architecture === "arm64" ? "ARM64" : "X86_64",
    maxVcpu: serverless.max_vcpu,
    maxMemoryGb: serverless.max_memory_gb,
    idleMinutes: serverless.idle_minutes,
    preInitialized: {
      executors: serverless.pre_initialized_executors,
      driver: worker(serverless.driver),
      executor: worker(serverless.executor),
    },
  };
}

/** `serverless:` alone, under its key so that issues name `serverless.max_vcpu`. */
const serverlessSchema = z.strictObject({ serverless: serverlessSection });

/**
 * The `serverless:` keys of application settings given in code, to check them with the section's rules.
 * The section also checks that one job (driver + `executors` executors) fits the maximum capacity; job
 * sizing is not part of the application, so this asks the least the config can hold (one executor): any
 * section the config accepts passes again, and no application too small for a single executor does.
 */
function serverlessKeysOf(s: ServerlessAppSettingsInput): Record<string, unknown> {
  const pre = s.preInitialized;
  return dropUndefined({
    release_label: s.releaseLabel,
    architecture: s.architecture === undefined ? undefined : s.architecture.toLowerCase(),
    max_vcpu: s.maxVcpu,
    max_memory_gb: s.maxMemoryGb,
    idle_minutes: s.idleMinutes,
    pre_initialized_executors: pre?.executors,
    driver: pre?.driver,
    executor: pre?.executor,
    executors: 1,
  });
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
      tags: input.tags,
      permissions_boundary: input.permissionsBoundaryArn,
      existing: input.existing ? existingKeysOf(input.existing) : undefined,
      role_path: input.rolePath,
      role_name_prefix: input.roleNamePrefix,
    }),
  };
  const serverlessWritten = { serverless: serverlessKeysOf(input.serverless ?? {}) };
  const result = deploySchema.safeParse(written);
  const serverless = serverlessSchema.safeParse(serverlessWritten);
  if (!result.success || !serverless.success) {
    throw invalid([
      ...(result.success ? [] : [[deploySchema, written, result.error.issues] as const]),
      ...(serverless.success
        ? []
        : [[serverlessSchema, serverlessWritten, serverless.error.issues] as const]),
    ]);
  }
  return settingsOf(
    result.data.project,
    result.data.aws,
    input.deleteDataOnDestroy ?? false,
    serverlessSettingsOf(serverless.data.serverless),
  );
}

/** The CloudFormation stack name: `kindling-<project>-<environment>`, checked with the config's rules. */
export function stackNameFor(settings: Pick<FoundationSettings, "project" | "environment">): string {
  const written = { project: settings.project, aws: { environment: settings.environment } };
  const result = stackNameSchema.safeParse(written);
  if (!result.success) throw invalid([[stackNameSchema, written, result.error.issues]]);
  return stackNameOf(settings.project, settings.environment);
}

type Failed = readonly [schema: z.ZodType, written: unknown, issues: readonly z.core.$ZodIssue[]];

function invalid(failures: readonly Failed[]): UsageError {
  const lines = failures.flatMap(([schema, written, issues]) =>
    describeIssues(schema, written, issues).map((i) => `  ${i.path}: ${i.message}`),
  );
  return new UsageError(`The foundation settings are not valid:\n${lines.join("\n")}`, {
    hint: "These are the kindling.yaml keys that set them; `kindling validate` checks a config file.",
  });
}

function dropUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
