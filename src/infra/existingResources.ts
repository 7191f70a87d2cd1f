import type { IAM } from "@aws-sdk/client-iam";
import type { KMS } from "@aws-sdk/client-kms";
import type { HeadBucketCommandOutput, S3 } from "@aws-sdk/client-s3";
import { awsTrouble, errorName, isNotFound } from "../aws/errors.js";
import { roleNameOfArn } from "../config/deploy.js";
import { UsageError } from "../errors.js";
import { checkExistingNetwork, type NetworkReader } from "./existingNetwork.js";
import type { ExistingResources, FoundationSettings } from "./settings.js";

/**
 * Read-only checks of the buckets, key and roles aws.existing names, before plan or deploy changes
 * anything: each exists where the stack will look for it, and fits what Kindling does with it (the
 * buckets' default encryption is one the roles can use, the key encrypts, the roles trust the services
 * that assume them, the instance role has the instance profile EMR needs). The stack changes nothing on
 * them, so a misfit found here would otherwise surface as a failed cluster an hour later.
 */

export type BucketReader = Pick<S3, "headBucket" | "getBucketEncryption" | "getBucketPolicy">;
export type KeyReader = Pick<KMS, "describeKey" | "getKeyPolicy">;
export type RoleReader = Pick<IAM, "getRole" | "getInstanceProfile">;

export interface ExistingReaders {
  ec2: NetworkReader;
  s3: BucketReader;
  kms: KeyReader;
  iam: RoleReader;
}

type Checked = Pick<FoundationSettings, "existing" | "encryption">;

export async function checkExistingResources(
  readers: ExistingReaders,
  settings: Checked,
  region: string | undefined,
): Promise<void> {
  const existing = settings.existing;
  if (!existing) return;
  await checkExistingNetwork(readers.ec2, existing, region ?? "the credentials' region");
  const keyArn = existing.kmsKeyArn;
  if (keyArn) await checkKey(readers.kms, keyArn, region, !existing.network);
  if (existing.dataBucket) {
    await checkBucket(readers, "data_bucket", existing.dataBucket, region, {
      // The CLI uploads code and data without an encryption header: they get the bucket's default, which
      // the nodes must be able to decrypt.
      kms: settings.encryption === "sse-kms" ? keyArn : undefined,
      s3: settings.encryption === "sse-s3",
      why: `aws.encryption is ${settings.encryption}`,
    });
  }
  if (existing.logsBucket) {
    await checkBucket(readers, "logs_bucket", existing.logsBucket, region, {
      // S3 delivers server access logs only to SSE-S3 buckets; the stack's data bucket logs there. EMR
      // Serverless job runs are granted the key only with sse-kms.
      kms: existing.dataBucket && settings.encryption === "sse-kms" ? keyArn : undefined,
      s3: true,
      why: existing.dataBucket
        ? "job runs write their logs there and are granted the key only with aws.encryption sse-kms"
        : "the data bucket the stack creates delivers its access logs there, and S3 delivers them only to SSE-S3 buckets",
    });
    if (!existing.dataBucket) await checkLogDelivery(readers.s3, existing.logsBucket);
  }
  if (existing.emrRoles) await checkRoles(readers.iam, existing.emrRoles);
}

async function checkKey(
  kms: KeyReader,
  arn: string,
  region: string | undefined,
  logs: boolean,
): Promise<void> {
  const where = "aws.existing.kms_key_arn";
  const metadata = await orMissing(() => kms.describeKey({ KeyId: arn }));
  const key = metadata?.KeyMetadata;
  if (!key) {
    throw new UsageError(`${where}: ${arn} does not exist${region ? ` in ${region}` : ""}`, {
      hint: "Name a key of this account and region (its ARN, as the KMS console shows it).",
    });
  }
  if (key.KeyState !== "Enabled") {
    throw new UsageError(`${where}: ${arn} is ${key.KeyState}, not Enabled`, {
      hint: "Enable the key (or cancel its deletion) in KMS, or name another.",
    });
  }
  if (key.KeyManager !== "CUSTOMER") {
    throw new UsageError(
      `${where}: ${arn} is an AWS-managed key (${key.Description || "aws/…"}), whose policy limits it to one service and cannot be changed`,
      { hint: "Name a customer-managed key, or leave the key out to let the stack create one." },
    );
  }
  if (key.KeySpec !== "SYMMETRIC_DEFAULT" || key.KeyUsage !== "ENCRYPT_DECRYPT") {
    throw new UsageError(
      `${where}: ${arn} is a ${key.KeySpec} ${key.KeyUsage} key; S3, EBS and CloudWatch Logs need a symmetric encryption key (SYMMETRIC_DEFAULT, ENCRYPT_DECRYPT)`,
    );
  }
  const policy = (await kms.getKeyPolicy({ KeyId: arn, PolicyName: "default" })).Policy ?? "{}";
  const account = arn.split(":")[4] ?? "";
  if (!allowsAccount(policy, account)) {
    throw new UsageError(
      `${where}: the key policy of ${arn} does not let IAM policies of account ${account} grant the key, which is how the roles get its use (the stack cannot change the key policy)`,
      {
        hint: `Add the statement AWS's default key policy has: Allow, Principal {"AWS": "arn:aws:iam::${account}:root"}, Action "kms:*", Resource "*" (AWS KMS guide, "Default key policy").`,
      },
    );
  }
  if (!logs) return;
  // The stack's flow-log group is encrypted with the key: CloudWatch Logs must be allowed to use it.
  if (!allowsService(policy, /^logs(\.[a-z0-9-]+)?\.amazonaws\.com$/)) {
    throw new UsageError(
      `${where}: the key policy of ${arn} does not let CloudWatch Logs use the key, which the VPC flow logs the stack creates are encrypted with`,
      {
        hint: 'Add a statement allowing the service principal "logs.<region>.amazonaws.com" kms:Encrypt*, kms:Decrypt*, kms:ReEncrypt*, kms:GenerateDataKey* and kms:Describe* (AWS\'s CloudWatch Logs guide, "Encrypt log data using AWS KMS"), or name an existing network too.',
      },
    );
  }
}

interface Expected {
  /** The KMS key a default SSE-KMS encryption may use (none: SSE-KMS does not fit). */
  kms: string | undefined;
  /** Whether SSE-S3 fits. */
  s3: boolean;
  why: string;
}

async function checkBucket(
  readers: ExistingReaders,
  key: "data_bucket" | "logs_bucket",
  bucket: string,
  region: string | undefined,
  expected: Expected,
): Promise<void> {
  const where = `aws.existing.${key}`;
  let head: HeadBucketCommandOutput;
  try {
    head = await readers.s3.headBucket({ Bucket: bucket });
  } catch (e) {
    if (isNotFound(e) || errorName(e) === "NoSuchBucket") {
      throw new UsageError(`${where}: bucket ${bucket} does not exist`, {
        hint: "Name a bucket of this account, or leave the key out to let the stack create one.",
      });
    }
    if (awsTrouble(e) === "access-denied") {
      throw new UsageError(`${where}: bucket ${bucket} exists but these credentials may not read it`, {
        hint: "It may belong to another account. Kindling's roles get access only to buckets of the stack's account; name one of it.",
      });
    }
    throw e;
  }
  if (region && head.BucketRegion && head.BucketRegion !== region) {
    throw new UsageError(`${where}: bucket ${bucket} is in ${head.BucketRegion}, not in ${region}`, {
      hint: "EMR reads and writes buckets of its own region (through the S3 gateway endpoint); name one there.",
    });
  }
  const rules = await defaultEncryption(readers.s3, bucket);
  const byDefault = rules[0]?.ApplyServerSideEncryptionByDefault;
  const algorithm = byDefault?.SSEAlgorithm ?? "AES256";
  if (algorithm === "AES256") {
    if (expected.s3) return;
    throw new UsageError(`${where}: bucket ${bucket} encrypts with SSE-S3 by default, but ${expected.why}`, {
      hint: "Set the bucket's default encryption to SSE-KMS with aws.existing.kms_key_arn, or aws.encryption: sse-s3.",
    });
  }
  const bucketKey = byDefault?.KMSMasterKeyID;
  if (expected.kms && bucketKey && (await sameKey(readers.kms, bucketKey, expected.kms))) return;
  throw new UsageError(
    `${where}: bucket ${bucket} encrypts with ${algorithm}${bucketKey ? ` under ${bucketKey}` : " under the AWS-managed aws/s3 key"} by default, which ${expected.kms ? `is not aws.existing.kms_key_arn (${expected.kms})` : `does not fit: ${expected.why}`}`,
    {
      hint: "Objects written without a header get the bucket's default key, which the roles cannot use unless it is the key they are granted: make the bucket's default SSE-S3, or SSE-KMS with aws.existing.kms_key_arn.",
    },
  );
}

/**
 * A bucket's default encryption rules. A bucket without a configuration (made before 2023, or by an
 * emulator) answers ServerSideEncryptionConfigurationNotFoundError; S3 now encrypts those with SSE-S3.
 */
async function defaultEncryption(s3: BucketReader, bucket: string) {
  try {
    return (await s3.getBucketEncryption({ Bucket: bucket })).ServerSideEncryptionConfiguration?.Rules ?? [];
  } catch (e) {
    if (errorName(e) === "ServerSideEncryptionConfigurationNotFoundError") return [];
    throw e;
  }
}

/**
 * The data bucket the stack creates sends its server access logs to an existing logs bucket: S3's log
 * delivery must be allowed to write there, by that bucket's policy, which the stack cannot change.
 */
async function checkLogDelivery(s3: BucketReader, bucket: string): Promise<void> {
  let policy = "{}";
  try {
    policy = (await s3.getBucketPolicy({ Bucket: bucket })).Policy ?? "{}";
  } catch (e) {
    if (errorName(e) !== "NoSuchBucketPolicy") throw e;
  }
  if (allowsService(policy, /^logging\.s3\.amazonaws\.com$/)) return;
  throw new UsageError(
    `aws.existing.logs_bucket: the policy of bucket ${bucket} does not let S3 deliver server access logs to it, which the data bucket the stack creates sends there (under s3-access/data/)`,
    {
      hint: `Add a statement allowing the service principal logging.s3.amazonaws.com s3:PutObject on arn:aws:s3:::${bucket}/s3-access/data/* (AWS's S3 guide, "Enabling Amazon S3 server access logging"), or name an existing data bucket too.`,
    },
  );
}

/** Whether the key a bucket names (id, ARN or alias) is the given key ARN. */
async function sameKey(kms: KeyReader, named: string, arn: string): Promise<boolean> {
  if (named === arn || arn.endsWith(`/${named}`)) return true;
  const described = await orMissing(() => kms.describeKey({ KeyId: named }));
  return described?.KeyMetadata?.Arn === arn;
}

async function checkRoles(iam: RoleReader, roles: NonNullable<ExistingResources["emrRoles"]>): Promise<void> {
  await checkRole(iam, "emr_service_role_arn", roles.serviceRoleArn, "elasticmapreduce.amazonaws.com");
  await checkRole(iam, "emr_instance_role_arn", roles.instanceRoleArn, "ec2.amazonaws.com");
  const name = roleNameOfArn(roles.instanceRoleArn);
  const profile = await orMissing(() => iam.getInstanceProfile({ InstanceProfileName: name }));
  const where = "aws.existing.emr_instance_role_arn";
  if (!profile?.InstanceProfile) {
    throw new UsageError(`${where}: role ${name} has no instance profile named ${name}, which EMR requires`, {
      hint: `Create it: aws iam create-instance-profile --instance-profile-name ${name} && aws iam add-role-to-instance-profile --instance-profile-name ${name} --role-name ${name}`,
    });
  }
  if (!(profile.InstanceProfile.Roles ?? []).some((r) => r.Arn === roles.instanceRoleArn)) {
    throw new UsageError(
      `${where}: instance profile ${name} does not hold the role ${roles.instanceRoleArn}`,
      {
        hint: `Add it: aws iam add-role-to-instance-profile --instance-profile-name ${name} --role-name ${name}`,
      },
    );
  }
}

async function checkRole(
  iam: RoleReader,
  key: "emr_service_role_arn" | "emr_instance_role_arn",
  arn: string,
  service: string,
): Promise<void> {
  const where = `aws.existing.${key}`;
  const role = (await orMissing(() => iam.getRole({ RoleName: roleNameOfArn(arn) })))?.Role;
  if (!role) {
    throw new UsageError(`${where}: role ${arn} does not exist`, {
      hint: "Name a role of this account, or leave both EMR roles out to let the stack create them.",
    });
  }
  if (role.Arn !== arn) {
    throw new UsageError(`${where}: the role is ${role.Arn}, not ${arn} (its path differs)`, {
      hint: "Copy the role's ARN from IAM, path included.",
    });
  }
  // GetRole returns the trust policy URL-encoded.
  const trust = decodeURIComponent(role.AssumeRolePolicyDocument ?? "{}");
  // China's partition spells service principals with .cn.
  if (!allowsService(trust, new RegExp(`^${service.replaceAll(".", "\\.")}(\\.cn)?$`), "sts:AssumeRole")) {
    throw new UsageError(`${where}: role ${arn} does not trust ${service}, so it cannot be assumed for EMR`, {
      hint: `Its trust policy needs a statement allowing the service principal ${service} sts:AssumeRole.`,
    });
  }
}

function statementsOf(document: string): Statement[] {
  try {
    const parsed = JSON.parse(document) as { Statement?: Statement | Statement[] };
    return [parsed.Statement ?? []].flat();
  } catch {
    return [];
  }
}

interface Statement {
  Effect?: string;
  Principal?: unknown;
  Action?: string | string[];
}

/** Whether a policy document has an Allow statement for a service principal (and, if given, an action). */
function allowsService(document: string, service: RegExp, action?: string): boolean {
  return statementsOf(document).some((s) => {
    if (s.Effect !== "Allow") return false;
    const principal = s.Principal as { Service?: string | string[] } | undefined;
    const services = [principal?.Service ?? []].flat();
    const actions = [s.Action ?? []].flat();
    return (
      services.some((name) => service.test(name)) &&
      (action === undefined || actions.some((a) => a === action || a === "sts:*" || a === "*"))
    );
  });
}

/** Whether a key policy lets the account's IAM policies grant the key: kms:* for the account's root. */
function allowsAccount(document: string, account: string): boolean {
  return statementsOf(document).some((s) => {
    const principal = s.Principal as { AWS?: string | string[] } | undefined;
    const principals = [principal?.AWS ?? []].flat();
    const actions = [s.Action ?? []].flat();
    return (
      s.Effect === "Allow" &&
      principals.some((p) => p === account || new RegExp(`^arn:aws[\\w-]*:iam::${account}:root$`).test(p)) &&
      actions.some((a) => a === "kms:*" || a === "*")
    );
  });
}

/** The answer, or undefined when the service says the named thing does not exist. */
async function orMissing<R>(call: () => Promise<R>): Promise<R | undefined> {
  try {
    return await call();
  } catch (e) {
    if (
      isNotFound(e) ||
      ["NoSuchEntity", "NoSuchEntityException", "NotFoundException"].includes(errorName(e))
    ) {
      return undefined;
    }
    throw e;
  }
}

/** Clients for the checks, on the same profile, region and endpoint settings as the other clients. */
export async function existingReadersFor(target: {
  profile?: string;
  region?: string;
}): Promise<ExistingReaders> {
  const [{ EC2 }, { S3 }, { KMS }, { IAM }] = await Promise.all([
    import("@aws-sdk/client-ec2"),
    import("@aws-sdk/client-s3"),
    import("@aws-sdk/client-kms"),
    import("@aws-sdk/client-iam"),
  ]);
  const config = {
    ...(target.region ? { region: target.region } : {}),
    ...(target.profile ? { profile: target.profile } : {}),
  };
  // A bucket of another region answers HeadBucket with a redirect: followed, it says which region.
  return {
    ec2: new EC2(config),
    s3: new S3({ ...config, followRegionRedirects: true }),
    kms: new KMS(config),
    iam: new IAM(config),
  };
}
