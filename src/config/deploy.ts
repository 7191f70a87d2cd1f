import { z } from "zod";

/**
 * `project` and the `aws:` section: everything the foundation stack is built from. These schemas are the
 * only rules for those values. src/infra/settings.ts checks programmatic settings with these same pieces,
 * so a config `kindling validate` accepts cannot fail later at synth or deploy.
 */

/**
 * Longest stack name. CloudFormation allows 128; staying well under keeps the names it derives from the
 * stack name for unnamed resources (IAM roles: 64 characters, buckets: 63, shortened to fit) recognisable.
 */
export const STACK_NAME_MAX = 40;
const STACK_PREFIX = "kindling-";

/** The CloudFormation stack name: `kindling-<project>-<environment>`. */
export function stackNameOf(project: string, environment: string): string {
  return `${STACK_PREFIX}${project}-${environment}`;
}

// Single dashes, no trailing dash, a letter first: stack names must start with a letter, and this is the
// strictest AWS resource-name rule (RDS, ElastiCache identifiers), so the name fits wherever it is used.
const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const NAME_RULE =
  "must be lower-case letters and digits starting with a letter, words joined by single dashes (no --, no trailing -)";

/** Longest project name: the stack name with a one-letter environment. */
export const PROJECT_MAX = STACK_NAME_MAX - stackNameOf("", "").length - 1;
export const ENVIRONMENT_MAX = 16;

export const projectName = z.string().max(PROJECT_MAX).regex(NAME, NAME_RULE);
export const environmentName = z.string().max(ENVIRONMENT_MAX).regex(NAME, NAME_RULE);

/** Region names as AWS spells them (eu-west-1, us-gov-west-1). Shared with the --region flag. */
export const awsRegion = z
  .string()
  .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, "must be an AWS region name such as eu-west-1");

/** Retention periods CloudWatch Logs accepts (PutRetentionPolicy); any other value fails the deploy. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

// S3 lifecycle `Days` is a 32-bit Integer in the S3 API: larger values fail the deploy.
const S3_DAYS_MAX = 2_147_483_647;

// Bucket: S3's naming rule (3-63 lower-case letters, digits, dots, dashes). Key: S3's "safe" characters
// without `*`, up to S3's 1024: the URI lands in the node role's IAM policy, where `*` and `?` would widen
// the grant and `${…}` is a policy variable (and what CDK reads as a token).
const CERTIFICATE_URI = /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/[A-Za-z0-9!_.'()/-]{1,1020}\.zip$/;

// Tag keys and values: the characters every AWS service involved accepts (EMR, S3, IAM, CloudFormation).
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const TAG_RULE = "may hold letters, digits, spaces and _ . : / = + - @";
/** Tags Kindling writes itself: a config must not set (or spoof) them. */
const RESERVED_TAG_PREFIXES = ["aws:", "kindling:"];
/** AWS allows 50 tags per resource; Kindling puts up to 4 of its own on a cluster. */
export const USER_TAGS_MAX = 40;

const tagKey = z
  .string()
  .min(1)
  .max(128)
  .regex(TAG_TEXT, `a tag key ${TAG_RULE}`)
  .refine((key) => !RESERVED_TAG_PREFIXES.some((p) => key.toLowerCase().startsWith(p)), {
    message: `tag keys starting with ${RESERVED_TAG_PREFIXES.join(" or ")} are reserved (AWS's and Kindling's own)`,
  });
const tagValue = z.string().max(256).regex(TAG_TEXT, `a tag value ${TAG_RULE}`);

/** A customer-managed or AWS-managed IAM policy ARN, in any partition. */
const POLICY_ARN = /^arn:aws(-cn|-us-gov)?:iam::(\d{12}|aws):policy\/([\w+=,.@-]+\/)*[\w+=,.@-]{1,128}$/;

// EC2 resource ids carry 8 or 17 hex digits.
const ec2Id = (prefix: string) =>
  z
    .string()
    .regex(
      new RegExp(`^${prefix}-([0-9a-f]{8}|[0-9a-f]{17})$`),
      `must look like "${prefix}-0a1b2c3d4e5f67890"`,
    );

// KMS key ARNs (not aliases: EMR's security configuration and the key policies need the key itself).
const KMS_KEY_ARN =
  /^arn:aws(-cn|-us-gov)?:kms:([a-z]{2}(-[a-z]+)+-\d):(\d{12}):key\/([0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/;
const ROLE_ARN = /^arn:aws(-cn|-us-gov)?:iam::(\d{12}):role\/([\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/;
// S3's naming rule for general purpose buckets: no two dots in a row, no IP address, no reserved prefix.
const BUCKET_NAME = /^(?!xn--|sthree-|\d+\.\d+\.\d+\.\d+$)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

const roleArn = (what: string) =>
  z
    .string()
    .regex(ROLE_ARN, `must be the ARN of ${what}, such as "arn:aws:iam::123456789012:role/team-emr-service"`);
const bucketName = z
  .string()
  .regex(
    BUCKET_NAME,
    "must be an S3 bucket name: 3-63 lower-case letters, digits, dots and dashes (no s3://)",
  );

/** The account of an ARN that has one (KMS key, IAM role). */
export function accountOfArn(arn: string): string | undefined {
  return arn.split(":")[4] || undefined;
}

/** The role name at the end of an IAM role ARN (after its path). */
export function roleNameOfArn(arn: string): string {
  return arn.slice(arn.lastIndexOf("/") + 1);
}

/** Resources the account already has, used instead of the ones the stack would create. */
const existingSection = z
  .strictObject({
    vpc_id: ec2Id("vpc")
      .optional()
      .describe("A VPC of the account: the stack creates no VPC, and its security groups go in this one."),
    subnet_ids: z
      .array(ec2Id("subnet"))
      .min(1)
      .max(16)
      .refine((ids) => new Set(ids).size === ids.length, { message: "names a subnet twice" })
      .optional()
      .describe(
        "Subnets of that VPC for clusters and EMR Serverless workers (two AZs or more is best). They need a route to S3 (a gateway endpoint, or NAT); plan and deploy check.",
      ),
    security_groups: z
      .strictObject({
        primary: ec2Id("sg").describe("EMR-managed security group of the primary node."),
        core: ec2Id("sg").describe("EMR-managed security group of core and task nodes."),
        service_access: ec2Id("sg")
          .optional()
          .describe(
            "EMR service access group: required with aws.network private, refused by EMR with public.",
          ),
        serverless: ec2Id("sg")
          .optional()
          .describe("Group of the EMR Serverless workers. Default: the stack creates one (no inbound rule)."),
      })
      .optional()
      .describe("Security groups of aws.existing.vpc_id for the clusters, instead of the stack's own."),
    data_bucket: bucketName
      .optional()
      .describe(
        "An existing bucket for code/, data/, deps/ and runs/: the stack creates none; its owner keeps its settings (versioning, TLS-only policy, access logs).",
      ),
    logs_bucket: bucketName
      .optional()
      .describe(
        "An existing bucket for EMR and EMR Serverless logs (under emr/ and serverless/); it must use SSE-S3, which EMR's log delivery needs.",
      ),
    kms_key_arn: z
      .string()
      .regex(KMS_KEY_ARN, 'must be a KMS key ARN such as "arn:aws:kms:eu-west-1:123456789012:key/<key id>"')
      .optional()
      .describe(
        "An existing symmetric KMS key used instead of the stack's (disks, logs, SSE-KMS data). Its key policy must let the account's IAM policies grant it.",
      ),
    emr_service_role_arn: roleArn("the EMR service role")
      .optional()
      .describe("An existing EMR service role; the stack then creates none and changes nothing on it."),
    emr_instance_role_arn: roleArn("the EMR instance role")
      .optional()
      .describe(
        "An existing EMR instance role (EC2 role of the nodes), with an instance profile of the same name, as EMR requires; the stack changes nothing on it.",
      ),
  })
  .superRefine((existing, ctx) => {
    const needsVpc = (key: "subnet_ids" | "security_groups", what: string) => {
      if (existing[key] !== undefined && existing.vpc_id === undefined) {
        ctx.addIssue({ code: "custom", path: [key], message: `needs aws.existing.vpc_id: ${what}` });
      }
    };
    needsVpc("subnet_ids", "the subnets must be in a VPC the stack does not create");
    needsVpc("security_groups", "security groups belong to one VPC, and the stack's own VPC is new");
    if (existing.vpc_id !== undefined && existing.subnet_ids === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["vpc_id"],
        message: "needs aws.existing.subnet_ids: the subnets of that VPC the clusters and jobs run in",
      });
    }
    const roles = [existing.emr_service_role_arn, existing.emr_instance_role_arn];
    if (roles.filter((r) => r !== undefined).length === 1) {
      ctx.addIssue({
        code: "custom",
        path: [
          existing.emr_service_role_arn === undefined ? "emr_service_role_arn" : "emr_instance_role_arn",
        ],
        message:
          "is needed with the other EMR role: the service role must be allowed to pass the instance role, which the stack cannot grant on a role it does not own",
      });
    }
    if (roles.some((r) => r !== undefined)) {
      for (const key of ["data_bucket", "logs_bucket"] as const) {
        if (existing[key] !== undefined) continue;
        ctx.addIssue({
          code: "custom",
          path: [key],
          message:
            "is needed with existing EMR roles: their policies must already grant the buckets, so the buckets cannot be ones the stack would create and name",
        });
      }
    }
  })
  .optional()
  .describe(
    "Use resources the account already has instead of creating them (platform-owned VPCs, buckets, roles, keys). The stack references them and changes nothing on them.",
  );

/** Longest role name prefix: the names it starts must fit IAM's 64 characters (checked with the project). */
const ROLE_PREFIX_MAX = 24;
const ROLE_NAME_MAX = 64;
/** Longest purpose suffix of a role the stack creates (see roleNameOf). */
export const ROLE_PURPOSES = ["emr-service", "emr-instance", "serverless-job", "flow-logs"] as const;
export type RolePurpose = (typeof ROLE_PURPOSES)[number];

/** The name of a role the stack creates when aws.role_name_prefix is set: `<prefix><project>-<env>-<purpose>`. */
export function roleNameOf(
  prefix: string,
  project: string,
  environment: string,
  purpose: RolePurpose,
): string {
  return `${prefix}${project}-${environment}-${purpose}`;
}

export const awsSection = z
  .strictObject({
    region: awsRegion
      .optional()
      .describe("Region for cloud commands. Default: AWS_REGION or your profile's region."),
    account: z
      .string()
      .regex(/^\d{12}$/, "must be a 12-digit AWS account id (quote it in YAML)")
      .optional()
      .describe("Pins the stack to one account. Default: the account of your credentials."),
    environment: environmentName
      .default("dev")
      .describe(
        `Names the foundation stack: kindling-<project>-<environment>, at most ${STACK_NAME_MAX} characters.`,
      ),
    network: z
      .enum(["private", "public"])
      .default("private")
      .describe(
        "private: no internet, S3 through a gateway endpoint. public: egress to the internet; still no inbound.",
      ),
    encryption: z.enum(["sse-s3", "sse-kms"]).default("sse-s3").describe("Data bucket encryption."),
    logs_retention_days: z
      .int()
      .positive()
      .max(S3_DAYS_MAX)
      .default(30)
      .describe("Days EMR logs are kept in the logs bucket."),
    flow_logs_retention_days: z
      .literal(LOG_RETENTION_DAYS)
      .default(90)
      .describe("Days VPC flow logs are kept: one of the retention periods CloudWatch Logs accepts."),
    in_transit_encryption: z
      .boolean()
      .default(false)
      .describe("TLS between EMR nodes (needs a certificate zip)."),
    in_transit_certificate_s3_uri: z
      .string()
      .regex(
        CERTIFICATE_URI,
        "must be an s3://bucket/key.zip URI (bucket: lower-case letters, digits, dots, dashes; key: letters, digits and !_.'()/-)",
      )
      .optional()
      .describe("Zip of privateKey.pem, certificateChain.pem and trustedCertificates.pem on S3."),
    tags: z
      .record(tagKey, tagValue)
      .refine((tags) => Object.keys(tags).length <= USER_TAGS_MAX, {
        message: `at most ${USER_TAGS_MAX} tags (AWS allows 50 per resource; Kindling adds its own)`,
      })
      .default({})
      .describe(
        "Tags on every resource of the foundation stack and on every cluster and job run (cost allocation, ownership).",
      ),
    permissions_boundary: z
      .string()
      .regex(POLICY_ARN, 'must be an IAM policy ARN such as "arn:aws:iam::123456789012:policy/team-boundary"')
      .optional()
      .describe(
        "An IAM policy ARN set as the permissions boundary of every role the stack creates (when the account requires one).",
      ),
    existing: existingSection,
    role_path: z
      .string()
      .max(512)
      .regex(
        /^\/([\x21-\x7e]+\/)*$/,
        'must start and end with / and hold printable characters, such as "/teams/data/"',
      )
      .optional()
      .describe(
        "IAM path of every role and instance profile the stack creates (accounts that scope roles by path).",
      ),
    role_name_prefix: z
      .string()
      .max(ROLE_PREFIX_MAX)
      .regex(/^[\w+=,.@-]+$/, "may hold letters, digits and _+=,.@-")
      .optional()
      .describe(
        "Names every role the stack creates <prefix><project>-<environment>-<purpose> (accounts whose policies allow only roles with a prefix). Default: names CloudFormation generates.",
      ),
    s3_prefix_list_id: z
      .string()
      // EC2 resource ids carry 8 or 17 hex digits.
      .regex(/^pl-([0-9a-f]{8}|[0-9a-f]{17})$/, 'must look like "pl-63a5400a"')
      .optional()
      .describe("The region's S3 prefix list: narrows private nodes' HTTPS egress to S3."),
  })
  .prefault({})
  .superRefine((aws, ctx) => {
    checkExistingFits(aws, ctx);
    if (aws.in_transit_encryption && aws.in_transit_certificate_s3_uri === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["in_transit_encryption"],
        message:
          "needs aws.in_transit_certificate_s3_uri: a zip on S3 of privateKey.pem, certificateChain.pem and trustedCertificates.pem, which EMR reads the TLS certificates from (Kindling does not make it)",
      });
    }
  });

export type AwsConfig = z.output<typeof awsSection>;

/** What aws.existing names must fit: the network mode, the pinned region and account. */
function checkExistingFits(
  aws: Pick<AwsConfig, "existing" | "network" | "region" | "account" | "encryption">,
  ctx: z.core.$RefinementCtx<unknown>,
): void {
  const existing = aws.existing;
  if (!existing) return;
  const at = (...path: string[]) => ["existing", ...path];
  const groups = existing.security_groups;
  if (groups && aws.network === "private" && groups.service_access === undefined) {
    ctx.addIssue({
      code: "custom",
      path: at("security_groups"),
      message:
        "needs service_access with aws.network private: EMR reaches clusters in private subnets through that group",
    });
  }
  if (groups?.service_access !== undefined && aws.network === "public") {
    ctx.addIssue({
      code: "custom",
      path: at("security_groups", "service_access"),
      message:
        "must be left out with aws.network public: EMR refuses a service access group in public subnets",
    });
  }
  if (
    aws.encryption === "sse-kms" &&
    existing.data_bucket !== undefined &&
    existing.kms_key_arn === undefined
  ) {
    ctx.addIssue({
      code: "custom",
      path: at("kms_key_arn"),
      message:
        "is needed with aws.encryption sse-kms and an existing data bucket: name the key the bucket's default encryption uses (the stack's own key cannot be that bucket's default)",
    });
  }
  const keyRegion = existing.kms_key_arn?.split(":")[3];
  if (keyRegion !== undefined && aws.region !== undefined && keyRegion !== aws.region) {
    ctx.addIssue({
      code: "custom",
      path: at("kms_key_arn"),
      message: `is a key of ${keyRegion}, but aws.region is ${aws.region}: EMR and S3 use keys of their own region`,
    });
  }
  if (aws.account === undefined) return;
  for (const key of ["kms_key_arn", "emr_service_role_arn", "emr_instance_role_arn"] as const) {
    const arn = existing[key];
    const account = arn === undefined ? undefined : accountOfArn(arn);
    if (account !== undefined && account !== aws.account) {
      ctx.addIssue({
        code: "custom",
        path: at(key),
        message: `belongs to account ${account}, but aws.account is ${aws.account}`,
      });
    }
  }
}

/**
 * The longest role name aws.role_name_prefix makes must fit IAM's 64 characters; reported at the prefix.
 * Skipped while a name breaks its own rule (that issue is reported already).
 */
export function checkRoleNames(
  value: { project: unknown; aws: { environment: unknown; role_name_prefix?: unknown } },
  ctx: z.core.$RefinementCtx<unknown>,
): void {
  const prefix = value.aws.role_name_prefix;
  const project = projectName.safeParse(value.project);
  const environment = environmentName.safeParse(value.aws.environment);
  if (typeof prefix !== "string" || !project.success || !environment.success) return;
  const longest = ROLE_PURPOSES.map((p) => roleNameOf(prefix, project.data, environment.data, p)).sort(
    (a, b) => b.length - a.length,
  )[0] as string;
  if (longest.length <= ROLE_NAME_MAX) return;
  ctx.addIssue({
    code: "custom",
    path: ["aws", "role_name_prefix"],
    message: `makes the role name ${JSON.stringify(longest)} ${longest.length} characters long, over IAM's ${ROLE_NAME_MAX}: shorten the prefix, project or aws.environment by ${longest.length - ROLE_NAME_MAX}`,
  });
}

interface StackNameParts {
  project: unknown;
  aws: { environment: unknown };
}

/**
 * The stack-name length, a limit of project and environment together: reported at the longer one, the
 * key worth shortening. Skipped while either name breaks its own rule (that issue is reported already).
 */
export function checkStackName(value: StackNameParts, ctx: z.core.$RefinementCtx<StackNameParts>): void {
  const project = projectName.safeParse(value.project);
  const environment = environmentName.safeParse(value.aws.environment);
  if (!project.success || !environment.success) return;
  const name = stackNameOf(project.data, environment.data);
  if (name.length <= STACK_NAME_MAX) return;
  const atProject = project.data.length >= environment.data.length;
  ctx.addIssue({
    code: "custom",
    path: atProject ? ["project"] : ["aws", "environment"],
    message: `is too long for the stack name ${JSON.stringify(name)} (${name.length} characters, the limit is ${STACK_NAME_MAX}): shorten it or ${atProject ? "aws.environment" : "project"} by ${name.length - STACK_NAME_MAX}`,
  });
}

/** `project` and `aws:` alone: what programmatic foundation settings are checked with. */
export const deploySchema = z
  .strictObject({ project: projectName, aws: awsSection })
  .superRefine(checkStackName)
  .superRefine(checkRoleNames);

/** The two names of the stack name. */
export const stackNameSchema = z
  .object({ project: projectName, aws: z.object({ environment: environmentName }) })
  .superRefine(checkStackName);
