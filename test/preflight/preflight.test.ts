import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import { OUTPUT_KEYS } from "../../src/infra/outputs.js";
import { type PreflightClients, preflight, VCPU_QUOTAS } from "../../src/targets/emr/preflight.js";
import { type ApiRequest, validateAgainstApiModels } from "../aws/apiModels.js";

// `kindling preflight`'s checks with scripted AWS answers: each fault a real account can have (no quota,
// an instance type a zone lacks, block public access off, no service-linked role…) and what it says.
// Every request is checked against AWS's published models (botocore). test/preflight/*.slow runs the
// command over HTTP against moto.

const STACK = "kindling-spam-dev";
const SUBNETS = ["subnet-0aaa1111bbbb2222c", "subnet-0ddd3333eeee4444f"];
const OUTPUTS: Record<string, string> = {
  [OUTPUT_KEYS.dataBucketName]: "kindling-data",
  [OUTPUT_KEYS.logsBucketName]: "kindling-logs",
  [OUTPUT_KEYS.logUri]: "s3://kindling-logs/emr/",
  [OUTPUT_KEYS.network]: "private",
  [OUTPUT_KEYS.vpcId]: "vpc-0a1b2c3d4e5f67890",
  [OUTPUT_KEYS.subnetIds]: SUBNETS.join(","),
  [OUTPUT_KEYS.primarySecurityGroupId]: "sg-0primary",
  [OUTPUT_KEYS.coreSecurityGroupId]: "sg-0core",
  [OUTPUT_KEYS.serviceAccessSecurityGroupId]: "sg-0service",
  [OUTPUT_KEYS.serviceRoleName]: "svc",
  [OUTPUT_KEYS.instanceProfileName]: "inst",
  [OUTPUT_KEYS.instanceRoleArn]: "arn:aws:iam::111122223333:role/inst",
  [OUTPUT_KEYS.securityConfigurationName]: "sec",
  [OUTPUT_KEYS.kmsKeyArn]: "arn:aws:kms:eu-west-1:111122223333:key/0000",
  [OUTPUT_KEYS.serverlessApplicationId]: "00fapp",
  [OUTPUT_KEYS.serverlessJobRoleArn]: "arn:aws:iam::111122223333:role/job",
};

type Answers = { [K in keyof PreflightClients]?: Record<string, (input: never) => unknown> };

const denied = () =>
  Object.assign(new Error("not authorized"), {
    name: "AccessDeniedException",
    $metadata: { httpStatusCode: 403 },
  });
const noSuch = (name: string) => Object.assign(new Error(`${name}`), { name });

/** A healthy account: every check passes. `answers` replaces single operations. */
function account(answers: Answers = {}) {
  const sent: ApiRequest[] = [];
  const defaults: Required<Answers> = {
    sts: {
      getCallerIdentity: () => ({ Account: "111122223333", Arn: "arn:aws:iam::111122223333:user/ana" }),
    },
    cloudFormation: {
      describeStacks: () => ({
        Stacks: [
          {
            StackName: STACK,
            StackStatus: "UPDATE_COMPLETE",
            Outputs: Object.entries(OUTPUTS).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
          },
        ],
      }),
    },
    emr: {
      listReleaseLabels: () => ({ ReleaseLabels: ["emr-7.13.0", "emr-7.12.0"] }),
      listSupportedInstanceTypes: () => ({
        SupportedInstanceTypes: [
          { Type: "m5.xlarge", VCPU: 4 },
          { Type: "m5.2xlarge", VCPU: 8 },
          { Type: "g5.xlarge", VCPU: 4 },
        ],
      }),
      getBlockPublicAccessConfiguration: () => ({
        BlockPublicAccessConfiguration: { BlockPublicSecurityGroupRules: true },
      }),
    },
    ec2: {
      describeSubnets: (input: { SubnetIds: string[] }) => ({
        Subnets: [
          { SubnetId: SUBNETS[0], AvailabilityZone: "eu-west-1a" },
          { SubnetId: SUBNETS[1], AvailabilityZone: "eu-west-1b" },
        ].filter((s) => input.SubnetIds.includes(s.SubnetId as string)),
      }),
      describeInstanceTypeOfferings: () => ({
        InstanceTypeOfferings: ["eu-west-1a", "eu-west-1b"].flatMap((Location) =>
          ["m5.xlarge", "m5.2xlarge"].map((InstanceType) => ({ InstanceType, Location })),
        ),
      }),
    },
    quotas: { getServiceQuota: () => ({ Quota: { Value: 64 } }) },
    iam: { getRole: () => ({ Role: { RoleName: "AWSServiceRoleForEMRCleanup" } }) },
    s3: { headObject: () => ({}), listObjectsV2: () => ({ KeyCount: 0 }) },
  };
  const service: Record<keyof PreflightClients, string> = {
    sts: "sts",
    cloudFormation: "cloudformation",
    emr: "emr",
    ec2: "ec2",
    quotas: "service-quotas",
    iam: "iam",
    s3: "s3",
  };
  const clients = Object.fromEntries(
    (Object.keys(defaults) as (keyof PreflightClients)[]).map((name) => {
      const ops = { ...defaults[name], ...answers[name] };
      return [
        name,
        Object.fromEntries(
          Object.entries(ops).map(([op, answer]) => [
            op,
            async (params: never) => {
              sent.push({ service: service[name], operation: op[0]?.toUpperCase() + op.slice(1), params });
              return answer(params);
            },
          ]),
        ),
      ];
    }),
  ) as unknown as PreflightClients;
  return { clients, sent };
}

function configOf(yaml = "") {
  return parseConfig(
    `project: spam\ndata:\n  path: s3://team-data/mails.csv\naws:\n  region: eu-west-1\n${yaml}`,
    "kindling.yaml",
  );
}

async function check(answers: Answers = {}, yaml = "", target: "emr" | "emr-serverless" = "emr") {
  const { clients, sent } = account(answers);
  const checks = await preflight(clients, {
    config: configOf(yaml),
    target,
    region: "eu-west-1",
    stackName: STACK,
  });
  return { checks, sent, byName: (name: string) => checks.find((c) => c.name === name) };
}

describe("kindling preflight", () => {
  it("a healthy account: one line per check, all ok, every request as AWS's models define it", async () => {
    const { checks, sent } = await check();
    expect(checks.map((c) => [c.name, c.status])).toEqual([
      ["AWS credentials", "ok"],
      ["Foundation stack", "ok"],
      ["EMR release", "ok"],
      ["Instance types", "ok"],
      ["vCPU quota (On-Demand)", "ok"],
      ["EMR block public access", "ok"],
      ["Service-linked role", "ok"],
      ["Input", "ok"],
    ]);
    expect(checks.find((c) => c.name === "vCPU quota (On-Demand)")?.detail).toMatch(/needs 12 of 64 vCPUs/);
    expect(sent.map((r) => r.operation)).toContain("GetServiceQuota");
    expect(validateAgainstApiModels(sent)).toEqual(sent.map(() => ""));
  });

  it("missing quota: the vCPUs the cluster needs against the quota, and the request that raises it", async () => {
    const { byName } = await check({ quotas: { getServiceQuota: () => ({ Quota: { Value: 8 } }) } });
    expect(byName("vCPU quota (On-Demand)")).toMatchObject({
      status: "fail",
      detail: expect.stringMatching(/needs 12 vCPUs; "Running On-Demand Standard .*" is 8/),
      fix: expect.stringContaining(`--quota-code ${VCPU_QUOTAS.ON_DEMAND.code} --desired-value 12`),
    });
  });

  it("spot core nodes are counted against the Spot quota; a family outside Standard is named, not guessed", async () => {
    const asked: string[] = [];
    const { byName } = await check(
      {
        quotas: {
          getServiceQuota: (input: { QuotaCode: string }) => {
            asked.push(input.QuotaCode);
            return { Quota: { Value: input.QuotaCode === VCPU_QUOTAS.SPOT.code ? 4 : 64 } };
          },
        },
      },
      "emr:\n  core:\n    count: 3\n    spot: true\n  task:\n    count: 1\n    instance_types: [g5.xlarge]\n",
    );
    expect(asked).toEqual([VCPU_QUOTAS.ON_DEMAND.code, VCPU_QUOTAS.SPOT.code]);
    expect(byName("vCPU quota (Spot)")).toMatchObject({
      status: "fail",
      detail: expect.stringMatching(/needs 12 vCPUs/),
    });
    expect(byName("vCPU quota (other families)")).toMatchObject({
      status: "skip",
      detail: expect.stringMatching(/g5\.xlarge/),
    });
  });

  it("an instance type the subnet's zone does not offer fails, naming the role and zone", async () => {
    const { byName } = await check({
      ec2: {
        describeInstanceTypeOfferings: () => ({
          InstanceTypeOfferings: [{ InstanceType: "m5.xlarge", Location: "eu-west-1b" }],
        }),
      },
    });
    expect(byName("Instance types")).toMatchObject({
      status: "fail",
      detail: "not offered in eu-west-1a: primary (m5.xlarge); core (m5.xlarge)",
      fix: expect.stringMatching(/instance_fleets: true/),
    });
  });

  it("fleets: one zone must offer a type of every role (EMR puts the cluster in one subnet)", async () => {
    const split = {
      describeInstanceTypeOfferings: () => ({
        InstanceTypeOfferings: [
          { InstanceType: "m5.xlarge", Location: "eu-west-1a" },
          { InstanceType: "m5.2xlarge", Location: "eu-west-1b" },
        ],
      }),
    };
    const fleets =
      "emr:\n  instance_fleets: true\n  primary:\n    instance_types: [m5.xlarge]\n  core:\n    instance_types: [m5.2xlarge]\n";
    const { byName } = await check({ ec2: split }, fleets);
    expect(byName("Instance types")).toMatchObject({
      status: "fail",
      detail: "no one zone of eu-west-1a, eu-west-1b offers a type of every role",
    });
  });

  it("a denied DescribeStacks is a warning naming the permission, not a failure", async () => {
    const { byName } = await check({
      cloudFormation: {
        describeStacks: () => {
          throw denied();
        },
      },
    });
    expect(byName("Foundation stack")).toMatchObject({
      status: "warn",
      fix: "Allow cloudformation:DescribeStacks to check it.",
    });
  });

  it("a type the release does not support fails before any zone is asked", async () => {
    const { byName, sent } = await check({}, "emr:\n  core:\n    instance_types: [m5zn.xlarge]\n");
    expect(byName("Instance types")).toMatchObject({
      status: "fail",
      detail: "m5zn.xlarge is not supported by emr-7.13.0",
    });
    expect(sent.map((r) => r.operation)).not.toContain("DescribeInstanceTypeOfferings");
  });

  it("a release the region does not offer fails with what it does offer", async () => {
    const { byName } = await check({ emr: { listReleaseLabels: () => ({ ReleaseLabels: ["emr-7.12.0"] }) } });
    expect(byName("EMR release")).toMatchObject({
      status: "fail",
      detail: "emr-7.13.0 is not offered in eu-west-1 (offered: emr-7.12.0)",
    });
    expect(byName("vCPU quota")).toMatchObject({ status: "skip" });
  });

  it("block public access off with public subnets: a warning with the command that turns it on", async () => {
    const off = {
      getBlockPublicAccessConfiguration: () => ({
        BlockPublicAccessConfiguration: { BlockPublicSecurityGroupRules: false },
      }),
    };
    const { byName, sent } = await check({ emr: off }, "  network: public\n");
    expect(sent.map((r) => r.operation)).toContain("GetBlockPublicAccessConfiguration");
    expect(validateAgainstApiModels(sent)).toEqual(sent.map(() => ""));
    expect(byName("EMR block public access")).toMatchObject({
      status: "warn",
      fix: expect.stringContaining("put-block-public-access-configuration --region eu-west-1"),
    });
    const privateNet = await check({ emr: off });
    expect(privateNet.byName("EMR block public access")?.status).toBe("ok");
    expect(privateNet.sent.map((r) => r.operation)).not.toContain("GetBlockPublicAccessConfiguration");
  });

  it("no service-linked role yet: a warning with the command that creates it (EMR Serverless: its own role)", async () => {
    const { byName } = await check({
      iam: {
        getRole: () => {
          throw noSuch("NoSuchEntityException");
        },
      },
    });
    expect(byName("Service-linked role")).toMatchObject({
      status: "warn",
      fix: "Or create it once: aws iam create-service-linked-role --aws-service-name elasticmapreduce.amazonaws.com",
    });
    const serverless = await check({}, "", "emr-serverless");
    expect(serverless.checks.map((c) => c.name)).toEqual([
      "AWS credentials",
      "Foundation stack",
      "Service-linked role",
      "Input",
    ]);
    expect(serverless.sent.find((r) => r.operation === "GetRole")?.params).toEqual({
      RoleName: "AWSServiceRoleForAmazonEMRServerless",
    });
  });

  it("a check it may not make is a warning naming the permission, never a failure", async () => {
    const { byName } = await check({
      quotas: {
        getServiceQuota: () => {
          throw denied();
        },
      },
    });
    expect(byName("vCPU quota (On-Demand)")).toMatchObject({
      status: "warn",
      detail: "could not be checked (access denied)",
      fix: "Allow servicequotas:GetServiceQuota to check it.",
    });
  });

  it("without working credentials it stops at the first line", async () => {
    const { checks } = await check({
      sts: {
        getCallerIdentity: () => {
          throw noSuch("ExpiredTokenException");
        },
      },
    });
    expect(checks).toEqual([
      expect.objectContaining({
        name: "AWS credentials",
        status: "fail",
        fix: expect.stringMatching(/aws sso login/),
      }),
    ]);
  });

  it("credentials of another account than aws.account fail", async () => {
    const { byName } = await check({}, '  account: "444455556666"\n');
    expect(byName("AWS credentials")).toMatchObject({
      status: "fail",
      detail: expect.stringMatching(/account 111122223333, but aws.account is 444455556666/),
    });
  });

  it("no foundation: fails with the command that deploys it; instance zones are then not checked", async () => {
    const { byName } = await check({
      cloudFormation: {
        describeStacks: () => {
          throw Object.assign(new Error(`Stack with id ${STACK} does not exist`), {
            name: "ValidationError",
          });
        },
      },
    });
    expect(byName("Foundation stack")).toMatchObject({
      status: "fail",
      fix: expect.stringMatching(/kindling deploy/),
    });
    expect(byName("Instance types")?.status).toBe("skip");
  });

  it("an s3:// input that is not there fails", async () => {
    const { byName } = await check({
      s3: {
        headObject: () => {
          throw Object.assign(noSuch("NotFound"), { $metadata: { httpStatusCode: 404 } });
        },
      },
    });
    expect(byName("Input")).toMatchObject({
      status: "fail",
      detail: "data.path: s3://team-data/mails.csv does not exist.",
    });
  });
});
