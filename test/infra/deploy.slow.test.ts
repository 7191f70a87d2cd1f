import { CloudFormation } from "@aws-sdk/client-cloudformation";
import { EC2 } from "@aws-sdk/client-ec2";
import type { RunJobFlowCommandInput } from "@aws-sdk/client-emr";
import { IAM } from "@aws-sdk/client-iam";
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
    const destroy = await cli("destroy", "--yes", "--delete-data");
    expect(destroy.code, destroy.stderr).toBe(0);
    await expect(status()).rejects.toThrow(/does not exist/);
  });

  it("aws.existing: the account's VPC and subnets are checked, then used; the stack creates no network", async () => {
    const ec2 = new EC2({ endpoint: aws.moto.endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS });
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
    const existing = [
      "--set",
      `aws.existing.vpc_id=${vpcId}`,
      "--set",
      `aws.existing.subnet_ids=[${a}, ${b}]`,
    ];
    const stack = `kindling-${PROJECT}-shared`;

    // b uses the VPC's main table, which has no way to S3: refused before anything is created.
    const isolated = await cliIn("shared", ["deploy", "--yes", ...existing]);
    expect(isolated.code).toBe(2);
    expect(isolated.stderr).toMatch(`aws.existing.subnet_ids: ${b} has no route to S3`);
    await expect(status(stack)).rejects.toThrow(/does not exist/);

    await ec2.associateRouteTable({ RouteTableId: table, SubnetId: b });
    const deploy = await cliIn("shared", ["deploy", "--yes", "--json", ...existing]);
    expect(deploy.code, deploy.stderr).toBe(0);
    const outputs = JSON.parse(deploy.stdout);
    expect(outputs.vpcId).toBe(vpcId);
    expect(outputs.subnetIds).toEqual([a, b]);
    const resources = (await cfn.listStackResources({ StackName: stack })).StackResourceSummaries ?? [];
    expect(resources.map((r) => r.ResourceType)).not.toContain("AWS::EC2::VPC");
    expect(resources.map((r) => r.ResourceType)).not.toContain("AWS::EC2::Subnet");

    const destroy = await cliIn("shared", ["destroy", "--yes", "--delete-data", ...existing]);
    expect(destroy.code, destroy.stderr).toBe(0);
    await expect(status(stack)).rejects.toThrow(/does not exist/);
    // The network was the account's: it stays.
    expect((await ec2.describeSubnets({ SubnetIds: [a, b] })).Subnets).toHaveLength(2);
  });
});
