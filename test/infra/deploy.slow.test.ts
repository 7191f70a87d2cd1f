import { CloudFormation } from "@aws-sdk/client-cloudformation";
import { EC2 } from "@aws-sdk/client-ec2";
import type { RunJobFlowCommandInput } from "@aws-sdk/client-emr";
import { IAM } from "@aws-sdk/client-iam";
import { KMS } from "@aws-sdk/client-kms";
import { S3 } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_CREDENTIALS, TEST_REGION } from "../aws/moto.js";
import { type AwsHarness, emrWorkspace, smallJobConfig } from "../emr/harness.js";
import { kindling } from "../helpers/cli.js";

// The foundation deployed for real through the CDK toolkit, into moto's CloudFormation (every AWS call
// the toolkit makes goes to moto: STS, CloudFormation, S3, EC2, IAM, KMS, Logs), reviewed as a change set
// first, then a run on it on the EMR emulator, then destroyed. moto's gaps on that path are mended in
// test/aws/moto_server.py and listed there.
const PROJECT = "ship";
const CONFIG = smallJobConfig(
  PROJECT,
  `aws:
  region: ${TEST_REGION}
spark:
  master: local[2]
  conf: { spark.ui.enabled: false, spark.sql.shuffle.partitions: 2 }
environments:
  dev:
    default: true
  prod:
    confirm: [deploy, destroy, run]
    aws: { tags: { team: fraud } }
  shared: {}
`,
);
const STACK = `kindling-${PROJECT}-prod`;

let aws: AwsHarness;
let dir: string;
let env: NodeJS.ProcessEnv;
let cfn: CloudFormation;

beforeAll(async () => {
  ({ aws, dir } = await emrWorkspace(PROJECT, CONFIG, 60));
  // Everything the toolkit calls goes to moto; EMR and EMR Serverless keep their emulators.
  env = { ...aws.env, AWS_ENDPOINT_URL: aws.moto.endpoint };
  cfn = new CloudFormation({
    endpoint: aws.moto.endpoint,
    region: TEST_REGION,
    credentials: TEST_CREDENTIALS,
  });
}, 180_000);

afterAll(async () => {
  await aws?.stop();
});

const cliIn = (environment: string, args: string[]) =>
  kindling([...args, "--env", environment], { cwd: dir, env, timeoutMs: 300_000 });
const cli = (...args: string[]) => cliIn("prod", args);
const status = async (stack = STACK) =>
  (await cfn.describeStacks({ StackName: stack })).Stacks?.[0]?.StackStatus;

describe("deploy through CloudFormation (moto): review, apply, run, destroy", () => {
  it("plan --exit-code says 2 while there is something to deploy; prod asks before deploying", async () => {
    const plan = await cli("plan", "--exit-code");
    expect(plan.code, plan.stderr).toBe(2);
    expect(plan.stdout).toMatch(new RegExp(`${STACK} is not deployed; a first deploy creates a VPC`));
    const unasked = await cli("deploy");
    expect(unasked.code).toBe(2);
    expect(unasked.stderr).toMatch(/environment prod asks before `deploy`.*no terminal to ask on/);
    await expect(status()).rejects.toThrow(/does not exist/);
  });

  it("deploy --no-execute leaves a change set to review; --change-set applies exactly it", async () => {
    const review = await cli("deploy", "--no-execute", "--json");
    expect(review.code, review.stderr).toBe(0);
    const { changeSetName, plan } = JSON.parse(review.stdout);
    expect(changeSetName).toMatch(/^kindling-\d{8}-\d{6}$/);
    expect(plan.resources.length).toBeGreaterThan(40);
    expect(plan.resources.every((r: { action: string }) => r.action === "create")).toBe(true);
    expect(plan.security).toMatchObject({ iam: true, network: true });
    // Nothing applied yet: the stack waits for review.
    expect(await status()).toBe("REVIEW_IN_PROGRESS");
    const wrong = await cli("deploy", "--change-set", "kindling-nope", "--yes");
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(`${STACK} has no change set named kindling-nope`);

    const apply = await cli("deploy", "--change-set", changeSetName, "--yes", "--json");
    expect(apply.code, apply.stderr).toBe(0);
    const outputs = JSON.parse(apply.stdout);
    expect(outputs.dataBucketName).toMatch(new RegExp(`^${STACK}-databucket`));
    expect(outputs.subnetIds).toHaveLength(2);
    expect(await status()).toBe("CREATE_COMPLETE");
    // EMR takes only an instance profile named as its role ("invalid instance profile" otherwise).
    const iam = new IAM({ endpoint: aws.moto.endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS });
    const profile = await iam.getInstanceProfile({ InstanceProfileName: outputs.instanceProfileName });
    expect(profile.InstanceProfile?.Roles?.map((r) => r.RoleName)).toEqual([outputs.instanceProfileName]);
    // No CDK bootstrap: no execution role was passed to CloudFormation, the caller's credentials did it.
    expect((await cfn.describeStacks({ StackName: STACK })).Stacks?.[0]?.RoleARN).toBeUndefined();
    // The environment and the config's tags are on the stack's resources.
    const tagging = await aws.s3.getBucketTagging({ Bucket: outputs.dataBucketName });
    expect(tagging.TagSet).toEqual(
      expect.arrayContaining([
        { Key: "team", Value: "fraud" },
        { Key: "kindling:environment", Value: "prod" },
      ]),
    );
  });

  it("plan --exit-code says 0 once deployed, 2 for a change", async () => {
    const same = await cli("plan", "--exit-code");
    expect(same.code, same.stderr).toBe(0);
    expect(same.stdout).toMatch(`${STACK} is up to date: no changes.`);
    const changed = await cli("plan", "--exit-code", "--set", "aws.logs_retention_days=14");
    expect(changed.code, changed.stderr).toBe(2);
    expect(changed.stdout).toMatch(/Changes to .*: 1 to change\.\n {2}Logs +change S3 bucket/);
  });

  it("a run on the deployed foundation uses its network, roles and buckets, tagged with the environment", async () => {
    const run = await cli("run", "--target", "emr", "--yes", "--json");
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout);
    const outputs = Object.fromEntries(
      ((await cfn.describeStacks({ StackName: STACK })).Stacks?.[0]?.Outputs ?? []).map((o) => [
        o.OutputKey,
        o.OutputValue,
      ]),
    );
    const request = aws.emr.calls.find((c) => c.operation === "RunJobFlow")
      ?.body as unknown as RunJobFlowCommandInput;
    expect(request.Instances?.Ec2SubnetId).toBe(outputs.SubnetIds?.split(",")[0]);
    expect(request.ServiceRole).toBe(outputs.ServiceRoleName);
    expect(request.JobFlowRole).toBe(outputs.InstanceProfileName);
    expect(request.SecurityConfiguration).toBe(outputs.SecurityConfigurationName);
    expect(request.LogUri).toBe(outputs.LogUri);
    expect(request.Tags).toEqual(
      expect.arrayContaining([
        { Key: "team", Value: "fraud" },
        { Key: "kindling:environment", Value: "prod" },
      ]),
    );
    expect(result.run_id).toBeDefined();
    expect(result.metrics.best_feature_set).toBeDefined();
  });

  it("destroy asks in prod, then removes the stack (and, with --delete-data, the buckets)", async () => {
    const unasked = await cli("destroy");
    expect(unasked.code).toBe(2);
    const keyArn = (await cfn.describeStacks({ StackName: STACK })).Stacks?.[0]?.Outputs?.find(
      (o) => o.OutputKey === "KmsKeyArn",
    )?.OutputValue as string;
    const destroy = await cli("destroy", "--yes", "--delete-data");
    expect(destroy.code, destroy.stderr).toBe(0);
    await expect(status()).rejects.toThrow(/does not exist/);
    // The key outlived the stack (retained) and, the buckets gone, is scheduled for deletion.
    const kms = new KMS({ endpoint: aws.moto.endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS });
    expect((await kms.describeKey({ KeyId: keyArn })).KeyMetadata?.KeyState).toBe("PendingDeletion");
    expect(destroy.stderr + destroy.stdout).toMatch(
      /KMS key arn:aws:kms:\S+ is scheduled for deletion on \d{4}-/,
    );
  });

  it("aws.existing: the account's network, groups, buckets, key and roles are checked, then used as they are", async () => {
    const config = { endpoint: aws.moto.endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS };
    const ec2 = new EC2(config);
    const iam = new IAM(config);
    const kms = new KMS(config);
    const s3 = new S3({ ...config, forcePathStyle: true });
    const vpcId = (await ec2.createVpc({ CidrBlock: "10.50.0.0/16" })).Vpc?.VpcId as string;
    const subnet = async (cidr: string) =>
      (await ec2.createSubnet({ VpcId: vpcId, CidrBlock: cidr })).Subnet?.SubnetId as string;
    const [a, b] = [await subnet("10.50.0.0/20"), await subnet("10.50.16.0/20")];
    const table = (await ec2.createRouteTable({ VpcId: vpcId })).RouteTable?.RouteTableId as string;
    await ec2.createVpcEndpoint({
      VpcId: vpcId,
      ServiceName: `com.amazonaws.${TEST_REGION}.s3`,
      VpcEndpointType: "Gateway",
      RouteTableIds: [table],
    });
    await ec2.associateRouteTable({ RouteTableId: table, SubnetId: a });
    // No route out: EMR's local-disk encryption reaches KMS through an interface endpoint.
    await ec2.createVpcEndpoint({
      VpcId: vpcId,
      ServiceName: `com.amazonaws.${TEST_REGION}.kms`,
      VpcEndpointType: "Interface",
      SubnetIds: [a, b],
      PrivateDnsEnabled: true,
    });
    const group = async (name: string) =>
      (await ec2.createSecurityGroup({ GroupName: name, Description: name, VpcId: vpcId })).GroupId as string;
    const groups = {
      primary: await group("emr-primary"),
      core: await group("emr-core"),
      service_access: await group("emr-service-access"),
      serverless: await group("emr-serverless"),
    };
    const keyArn = (await kms.createKey({ Description: "team key" })).KeyMetadata?.Arn as string;
    await s3.createBucket({ Bucket: "team-data" });
    await s3.putBucketEncryption({
      Bucket: "team-data",
      ServerSideEncryptionConfiguration: {
        Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: keyArn } }],
      },
    });
    await s3.putObject({ Bucket: "team-data", Key: "data/kept.csv", Body: "text,label\n" });
    await s3.createBucket({ Bucket: "team-logs" });
    const role = async (name: string, service: string) =>
      (
        await iam.createRole({
          RoleName: name,
          AssumeRolePolicyDocument: JSON.stringify({
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }],
          }),
        })
      ).Role?.Arn as string;
    const serviceRole = await role("team-emr-service", "elasticmapreduce.amazonaws.com");
    const instanceRole = await role("team-emr-nodes", "ec2.amazonaws.com");
    const existing = [
      ["aws.encryption", "sse-kms"],
      ["aws.existing.vpc_id", vpcId],
      ["aws.existing.subnet_ids", `[${a}, ${b}]`],
      ["aws.existing.security_groups", JSON.stringify(groups)],
      ["aws.existing.data_bucket", "team-data"],
      ["aws.existing.logs_bucket", "team-logs"],
      ["aws.existing.kms_key_arn", keyArn],
      ["aws.existing.emr_service_role_arn", serviceRole],
      ["aws.existing.emr_instance_role_arn", instanceRole],
    ].flatMap(([key, value]) => ["--set", `${key}=${value}`]);
    const stack = `kindling-${PROJECT}-shared`;
    const refused = async (message: string) => {
      const deploy = await cliIn("shared", ["deploy", "--yes", ...existing]);
      expect(deploy.code, deploy.stderr).toBe(2);
      expect(deploy.stderr).toContain(message);
      await expect(status(stack)).rejects.toThrow(/does not exist/);
    };

    // Each misfit is refused before anything is created. b uses the VPC's main table: no way to S3.
    await refused(`aws.existing.subnet_ids: ${b} has no route to S3`);
    await ec2.associateRouteTable({ RouteTableId: table, SubnetId: b });
    // The nodes' role has no instance profile, which EMR needs; the fix is printed.
    await refused(
      "aws.existing.emr_instance_role_arn: role team-emr-nodes has no instance profile named team-emr-nodes",
    );
    await iam.createInstanceProfile({ InstanceProfileName: "team-emr-nodes" });
    await iam.addRoleToInstanceProfile({ InstanceProfileName: "team-emr-nodes", RoleName: "team-emr-nodes" });

    const deploy = await cliIn("shared", ["deploy", "--yes", "--json", ...existing]);
    expect(deploy.code, deploy.stderr).toBe(0);
    const outputs = JSON.parse(deploy.stdout);
    expect(outputs).toMatchObject({
      vpcId,
      subnetIds: [a, b],
      dataBucketName: "team-data",
      logsBucketName: "team-logs",
      kmsKeyArn: keyArn,
      serviceRoleName: "team-emr-service",
      instanceProfileName: "team-emr-nodes",
      primarySecurityGroupId: groups.primary,
      coreSecurityGroupId: groups.core,
      serviceAccessSecurityGroupId: groups.service_access,
    });
    // Referenced, not created: the stack holds the security configuration, the application and its job role.
    const resources = (await cfn.listStackResources({ StackName: stack })).StackResourceSummaries ?? [];
    expect([...new Set(resources.map((r) => r.ResourceType))].sort()).toEqual([
      "AWS::EMR::SecurityConfiguration",
      "AWS::EMRServerless::Application",
      "AWS::IAM::Policy",
      "AWS::IAM::Role",
    ]);
    // Nothing was attached to the account's roles.
    expect((await iam.listRolePolicies({ RoleName: "team-emr-nodes" })).PolicyNames).toEqual([]);
    expect((await iam.listAttachedRolePolicies({ RoleName: "team-emr-service" })).AttachedPolicies).toEqual(
      [],
    );

    const destroy = await cliIn("shared", ["destroy", "--yes", "--delete-data", ...existing]);
    expect(destroy.code, destroy.stderr).toBe(0);
    expect(destroy.stderr + destroy.stdout).toMatch(
      /Left team-data and team-logs as they are: the account's own/,
    );
    await expect(status(stack)).rejects.toThrow(/does not exist/);
    // Everything was the account's: it all stays, the data too.
    expect((await ec2.describeSubnets({ SubnetIds: [a, b] })).Subnets).toHaveLength(2);
    expect((await s3.getObject({ Bucket: "team-data", Key: "data/kept.csv" })).ContentLength).toBeGreaterThan(
      0,
    );
    expect((await kms.describeKey({ KeyId: keyArn })).KeyMetadata?.KeyState).toBe("Enabled");
  });
});
