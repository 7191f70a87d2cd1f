import { EC2 } from "@aws-sdk/client-ec2";
import { IAM } from "@aws-sdk/client-iam";
import { KMS } from "@aws-sdk/client-kms";
import { S3 } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkExistingResources, type ExistingReaders } from "../../src/infra/existingResources.js";
import type { ExistingResources } from "../../src/infra/settings.js";
import { type ApiRequest, validateAgainstApiModels } from "../aws/apiModels.js";
import { type Moto, startMoto, TEST_CREDENTIALS, TEST_REGION } from "../aws/moto.js";

// The read-only checks of aws.existing over real HTTP against moto: the resources are made with the SDK
// as an account's platform team would, then each misfit is introduced and must be refused with its key
// path and fix. Every request the checks send is validated against botocore's published models.

let moto: Moto;
let readers: ExistingReaders;
let admin: { ec2: EC2; s3: S3; kms: KMS; iam: IAM };
const sent: ApiRequest[] = [];
let world: ExistingResources & Required<Pick<ExistingResources, "network" | "emrRoles">>;
let keyArn: string;

/** Records each request as botocore names it (service model, operation) before it is sent. */
function recorded<T extends { middlewareStack: { add: (...args: never[]) => void } }>(
  client: T,
  service: string,
): T {
  const add = client.middlewareStack.add as (
    mw: (next: (args: { input: unknown }) => Promise<unknown>, context: { commandName?: string }) => unknown,
    options: { step: string },
  ) => void;
  add(
    (next, context) => async (args: { input: unknown }) => {
      sent.push({
        service,
        operation: (context.commandName ?? "").replace(/Command$/, ""),
        params: args.input,
      });
      return next(args);
    },
    { step: "initialize" },
  );
  return client;
}

/** A VPC whose one subnet reaches S3 through a gateway endpoint and nothing else (no route out). */
async function isolatedSubnet(net: string): Promise<{ vpcId: string; subnetId: string }> {
  const vpcId = (await admin.ec2.createVpc({ CidrBlock: `${net}.0.0/16` })).Vpc?.VpcId as string;
  const subnetId = (await admin.ec2.createSubnet({ VpcId: vpcId, CidrBlock: `${net}.0.0/20` })).Subnet
    ?.SubnetId as string;
  const table = (await admin.ec2.createRouteTable({ VpcId: vpcId })).RouteTable?.RouteTableId as string;
  await admin.ec2.createVpcEndpoint({
    VpcId: vpcId,
    ServiceName: `com.amazonaws.${TEST_REGION}.s3`,
    VpcEndpointType: "Gateway",
    RouteTableIds: [table],
  });
  await admin.ec2.associateRouteTable({ RouteTableId: table, SubnetId: subnetId });
  return { vpcId, subnetId };
}

const trust = (service: string) =>
  JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }],
  });

beforeAll(async () => {
  moto = await startMoto();
  const config = { endpoint: moto.endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS };
  const s3Config = { ...config, forcePathStyle: true };
  admin = { ec2: new EC2(config), s3: new S3(s3Config), kms: new KMS(config), iam: new IAM(config) };
  readers = {
    ec2: recorded(new EC2(config), "ec2"),
    s3: recorded(new S3(s3Config), "s3"),
    kms: recorded(new KMS(config), "kms"),
    iam: recorded(new IAM(config), "iam"),
  };

  const { vpcId, subnetId } = await isolatedSubnet("10.60");
  // The subnet has no route out: EMR's local-disk encryption reaches KMS through this endpoint.
  await admin.ec2.createVpcEndpoint({
    VpcId: vpcId,
    ServiceName: `com.amazonaws.${TEST_REGION}.kms`,
    VpcEndpointType: "Interface",
    SubnetIds: [subnetId],
    PrivateDnsEnabled: true,
  });
  const group = async (name: string) =>
    (await admin.ec2.createSecurityGroup({ GroupName: name, Description: name, VpcId: vpcId }))
      .GroupId as string;

  keyArn = (await admin.kms.createKey({ Description: "team key" })).KeyMetadata?.Arn as string;
  await admin.s3.createBucket({ Bucket: "team-data" });
  await admin.s3.putBucketEncryption({
    Bucket: "team-data",
    ServerSideEncryptionConfiguration: {
      Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: keyArn } }],
    },
  });
  await admin.s3.createBucket({ Bucket: "team-logs" });

  const role = async (name: string, service: string) =>
    (
      await admin.iam.createRole({
        RoleName: name,
        Path: "/platform/",
        AssumeRolePolicyDocument: trust(service),
      })
    ).Role?.Arn as string;
  const serviceRoleArn = await role("EMR_DefaultRole_V2", "elasticmapreduce.amazonaws.com");
  const instanceRoleArn = await role("EMR_EC2_DefaultRole", "ec2.amazonaws.com");
  await admin.iam.createInstanceProfile({ InstanceProfileName: "EMR_EC2_DefaultRole", Path: "/platform/" });
  await admin.iam.addRoleToInstanceProfile({
    InstanceProfileName: "EMR_EC2_DefaultRole",
    RoleName: "EMR_EC2_DefaultRole",
  });

  world = {
    network: { vpcId, subnetIds: [subnetId] },
    securityGroups: {
      primary: await group("primary"),
      core: await group("core"),
      serviceAccess: await group("service-access"),
    },
    dataBucket: "team-data",
    logsBucket: "team-logs",
    kmsKeyArn: keyArn,
    emrRoles: { serviceRoleArn, instanceRoleArn },
  };
}, 120_000);

afterAll(async () => {
  await moto?.stop();
});

const check = (existing: ExistingResources, encryption: "sse-s3" | "sse-kms" = "sse-kms") =>
  checkExistingResources(readers, { existing, encryption }, TEST_REGION);

describe("aws.existing, checked read-only against the account (moto)", () => {
  it("accepts resources that fit", async () => {
    await check(world);
    expect(new Set(sent.map((r) => r.operation))).toEqual(
      new Set([
        "DescribeVpcs",
        "DescribeSubnets",
        "DescribeRouteTables",
        "DescribeVpcEndpoints",
        "DescribeSecurityGroups",
        "DescribeKey",
        "GetKeyPolicy",
        "HeadBucket",
        "GetBucketEncryption",
        "GetRole",
        "GetInstanceProfile",
      ]),
    );
  });

  it("refuses a bucket, key, role or group that does not exist, naming the key", async () => {
    await expect(check({ ...world, dataBucket: "team-nowhere" })).rejects.toThrow(
      "aws.existing.data_bucket: bucket team-nowhere does not exist",
    );
    const missingKey = keyArn.replace(/key\/.*/, "key/00000000-0000-0000-0000-000000000000");
    await expect(check({ ...world, kmsKeyArn: missingKey })).rejects.toThrow(
      `aws.existing.kms_key_arn: ${missingKey} does not exist in ${TEST_REGION}`,
    );
    const ghost = world.emrRoles.serviceRoleArn.replace("EMR_DefaultRole_V2", "Ghost");
    await expect(check({ ...world, emrRoles: { ...world.emrRoles, serviceRoleArn: ghost } })).rejects.toThrow(
      `aws.existing.emr_service_role_arn: role ${ghost} does not exist`,
    );
    await expect(
      check({ ...world, securityGroups: { ...world.securityGroups, core: "sg-0123456789abcdef0" } as never }),
    ).rejects.toThrow("aws.existing.security_groups.core: sg-0123456789abcdef0 does not exist");
  });

  it("refuses a bucket whose default encryption the roles could not use", async () => {
    // SSE-KMS data, but the bucket's default is SSE-S3: uploads would not be under the key.
    await expect(check({ ...world, dataBucket: "team-logs" })).rejects.toThrow(
      /aws.existing.data_bucket: bucket team-logs encrypts with SSE-S3 by default, but aws.encryption is sse-kms/,
    );
    // SSE-S3 asked, but the bucket encrypts under a key: refused, naming it.
    await expect(check({ ...world, kmsKeyArn: undefined }, "sse-s3")).rejects.toThrow(
      `aws.existing.data_bucket: bucket team-data encrypts with aws:kms under ${keyArn} by default`,
    );
    // Another key than the one the roles are granted.
    const other = (await admin.kms.createKey({})).KeyMetadata?.Arn as string;
    await expect(check({ ...world, kmsKeyArn: other })).rejects.toThrow(
      `which is not aws.existing.kms_key_arn (${other})`,
    );
  });

  it("refuses a key that is disabled or cannot encrypt, and one CloudWatch Logs may not use when the stack makes flow logs", async () => {
    const signing = (await admin.kms.createKey({ KeySpec: "RSA_2048", KeyUsage: "SIGN_VERIFY" })).KeyMetadata
      ?.Arn as string;
    await expect(check({ kmsKeyArn: signing })).rejects.toThrow(
      /is a RSA_2048 SIGN_VERIFY key; S3, EBS and CloudWatch Logs need a symmetric encryption key/,
    );
    const created = (await admin.kms.createKey({})).KeyMetadata;
    const disabled = created?.Arn as string;
    await admin.kms.disableKey({ KeyId: created?.KeyId });
    await expect(check({ kmsKeyArn: disabled })).rejects.toThrow(/is Disabled, not Enabled/);
    // No existing network: the stack's flow-log group is encrypted with the key. The default key policy
    // does not name CloudWatch Logs.
    await expect(check({ kmsKeyArn: keyArn })).rejects.toThrow(
      /the key policy of .* does not let CloudWatch Logs use the key/,
    );
    const policy = JSON.parse(
      (await admin.kms.getKeyPolicy({ KeyId: keyArn, PolicyName: "default" })).Policy ?? "{}",
    );
    policy.Statement.push({
      Sid: "CloudWatchLogs",
      Effect: "Allow",
      Principal: { Service: `logs.${TEST_REGION}.amazonaws.com` },
      Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
      Resource: "*",
    });
    await admin.kms.putKeyPolicy({ KeyId: keyArn, PolicyName: "default", Policy: JSON.stringify(policy) });
    await check({ kmsKeyArn: keyArn });
  });

  it("refuses a logs bucket under a KMS key when the stack's data bucket would deliver access logs to it", async () => {
    await expect(check({ logsBucket: "team-data" }, "sse-s3")).rejects.toThrow(
      /aws.existing.logs_bucket: bucket team-data encrypts with aws:kms .*S3 delivers them only to SSE-S3 buckets/,
    );
  });

  it("refuses EMR roles that trust the wrong service, lack the instance profile, or differ in path", async () => {
    const swapped = {
      serviceRoleArn: world.emrRoles.instanceRoleArn,
      instanceRoleArn: world.emrRoles.serviceRoleArn,
    };
    await expect(check({ emrRoles: swapped })).rejects.toThrow(
      /aws.existing.emr_service_role_arn: role .*EMR_EC2_DefaultRole does not trust elasticmapreduce.amazonaws.com/,
    );
    const bare = (
      await admin.iam.createRole({
        RoleName: "bare-nodes",
        AssumeRolePolicyDocument: trust("ec2.amazonaws.com"),
      })
    ).Role?.Arn as string;
    await expect(check({ emrRoles: { ...world.emrRoles, instanceRoleArn: bare } })).rejects.toThrow(
      /aws.existing.emr_instance_role_arn: role bare-nodes has no instance profile named bare-nodes, which EMR requires/,
    );
    const unpathed = world.emrRoles.serviceRoleArn.replace("/platform/", "/");
    await expect(check({ emrRoles: { ...world.emrRoles, serviceRoleArn: unpathed } })).rejects.toThrow(
      /its path differs/,
    );
  });

  it("refuses a security group of another VPC", async () => {
    const otherVpc = (await admin.ec2.createVpc({ CidrBlock: "10.61.0.0/16" })).Vpc?.VpcId as string;
    const stray = (
      await admin.ec2.createSecurityGroup({ GroupName: "stray", Description: "stray", VpcId: otherVpc })
    ).GroupId as string;
    await expect(
      check({ ...world, securityGroups: { ...world.securityGroups, primary: stray } as never }),
    ).rejects.toThrow(
      `aws.existing.security_groups.primary: ${stray} is in ${otherVpc}, not in ${world.network.vpcId}`,
    );
  });

  it("refuses a bucket of another region, a key policy that keeps IAM out, and a logs bucket S3 may not deliver access logs to", async () => {
    const west = new S3({
      endpoint: moto.endpoint,
      region: "eu-west-1",
      credentials: TEST_CREDENTIALS,
      forcePathStyle: true,
    });
    await west.createBucket({
      Bucket: "team-west",
      CreateBucketConfiguration: { LocationConstraint: "eu-west-1" },
    });
    await expect(check({ dataBucket: "team-west" }, "sse-s3")).rejects.toThrow(
      `aws.existing.data_bucket: bucket team-west is in eu-west-1, not in ${TEST_REGION}`,
    );

    const closed = (
      await admin.kms.createKey({
        Policy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { AWS: "arn:aws:iam::123456789012:role/key-admin" },
              Action: "kms:*",
              Resource: "*",
            },
          ],
        }),
      })
    ).KeyMetadata?.Arn as string;
    await expect(check({ ...world, kmsKeyArn: closed })).rejects.toThrow(
      /the key policy of .* does not let IAM policies of account 123456789012 grant the key/,
    );

    // The stack's data bucket would send its access logs to the account's logs bucket.
    await admin.s3.createBucket({ Bucket: "team-audit" });
    await expect(check({ logsBucket: "team-audit" }, "sse-s3")).rejects.toThrow(
      "aws.existing.logs_bucket: the policy of bucket team-audit does not let S3 deliver server access logs to it",
    );
    await admin.s3.putBucketPolicy({
      Bucket: "team-audit",
      Policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Service: "logging.s3.amazonaws.com" },
            Action: "s3:PutObject",
            Resource: "arn:aws:s3:::team-audit/s3-access/data/*",
          },
        ],
      }),
    });
    await check({ logsBucket: "team-audit" }, "sse-s3");
  });

  it("wants the account's subnets and EMR groups tagged for the stack's EMR service role", async () => {
    const { emrRoles: _, ...withoutRoles } = world;
    await expect(check(withoutRoles)).rejects.toThrow(
      /aws.existing.subnet_ids: subnet-\w+ lacks the tag for-use-with-amazon-emr-managed-policies=true/,
    );
    const tags = [{ Key: "for-use-with-amazon-emr-managed-policies", Value: "true" }];
    await admin.ec2.createTags({ Resources: world.network.subnetIds, Tags: tags });
    await expect(check(withoutRoles)).rejects.toThrow(
      /aws.existing.security_groups: sg-\w+, sg-\w+, sg-\w+ lack the tag/,
    );
    const groups = world.securityGroups ?? { primary: "", core: "" };
    await admin.ec2.createTags({
      Resources: [groups.primary, groups.core, groups.serviceAccess as string],
      Tags: tags,
    });
    await check(withoutRoles);
  });

  it("refuses isolated subnets whose VPC has no KMS interface endpoint", async () => {
    const { vpcId, subnetId } = await isolatedSubnet("10.62");
    const isolated = { network: { vpcId, subnetIds: [subnetId] }, emrRoles: world.emrRoles };
    await expect(check(isolated)).rejects.toThrow(
      `aws.existing.subnet_ids: ${subnetId} has no route out and ${vpcId} has no KMS interface endpoint`,
    );
  });

  // Last: every request the checks sent above, the refused ones' included.
  it("sends only requests valid against AWS's published API models (botocore)", () => {
    expect(new Set(sent.map((r) => r.operation))).toContain("GetKeyPolicy");
    expect(new Set(sent.map((r) => r.operation))).toContain("GetBucketPolicy");
    expect(validateAgainstApiModels(sent)).toEqual(sent.map(() => ""));
  });
});
