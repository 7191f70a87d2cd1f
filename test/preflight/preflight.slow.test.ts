import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { EC2 } from "@aws-sdk/client-ec2";
import { S3 } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OUTPUT_KEYS } from "../../src/infra/outputs.js";
import { createFoundationStack, type FoundationFixture } from "../aws/foundationFixture.js";
import { type Moto, startMoto, TEST_CREDENTIALS, TEST_REGION } from "../aws/moto.js";
import { kindling } from "../helpers/cli.js";

// `kindling preflight` as a user runs it, over HTTP against moto for every service it reads (STS,
// CloudFormation, EMR, EC2, Service Quotas, IAM, S3). The release labels, the instance types each
// release supports and the instance types each zone offers are AWS's own data, which moto ships.

let moto: Moto;
let dir: string;
let foundation: FoundationFixture;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  moto = await startMoto();
  const config = { endpoint: moto.endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS };
  const ec2 = new EC2(config);
  const vpc = (await ec2.createVpc({ CidrBlock: "10.40.0.0/16" })).Vpc?.VpcId as string;
  // us-east-1e offers fewer types than 1a: not even m5.xlarge, the default (AWS's data, in moto).
  const subnet = async (zone: string, cidr: string) =>
    (await ec2.createSubnet({ VpcId: vpc, CidrBlock: cidr, AvailabilityZone: zone })).Subnet
      ?.SubnetId as string;
  const subnets = [await subnet("us-east-1e", "10.40.0.0/20"), await subnet("us-east-1a", "10.40.16.0/20")];
  foundation = await createFoundationStack(moto.endpoint, "pre", "dev", "00fapp", {
    [OUTPUT_KEYS.vpcId]: vpc,
    [OUTPUT_KEYS.subnetIds]: subnets.join(","),
  });
  await new S3({ ...config, forcePathStyle: true }).putObject({
    Bucket: foundation.dataBucket,
    Key: "data/mails.csv",
    Body: "text,label\nhi,ham\n",
  });
  dir = await mkdtemp(path.join(os.tmpdir(), "kindling-preflight-"));
  env = {
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
    AWS_REGION: TEST_REGION,
    AWS_MAX_ATTEMPTS: "1",
  };
}, 120_000);

afterAll(async () => {
  await moto?.stop();
});

async function preflight(emr: string, data = `s3://${foundation.dataBucket}/data/mails.csv`) {
  await writeFile(
    path.join(dir, "kindling.yaml"),
    `project: pre\ndata:\n  path: ${data}\naws:\n  region: ${TEST_REGION}\nemr:\n${emr}`,
  );
  const result = await kindling(["preflight", "--json"], { cwd: dir, env, timeoutMs: 120_000 });
  type Checks = { checks: Array<{ name: string; status: string; detail: string }> };
  // Under --json a failed preflight's checks come in its error.
  const printed = JSON.parse(result.stdout) as Checks & { error?: Checks };
  const json = printed.error ?? printed;
  const status = Object.fromEntries(json.checks.map((c) => [c.name, c.status]));
  return { result, json, status, detail: (name: string) => json.checks.find((c) => c.name === name)?.detail };
}

describe("kindling preflight against moto", () => {
  it("a deployable config: every check that can be made passes; exit 0", async () => {
    // Fleets may use either subnet: us-east-1a has the type.
    const { result, status, detail } = await preflight(
      "  release_label: emr-7.13.0\n  instance_fleets: true\n",
    );
    expect(result.code, result.stderr).toBe(0);
    expect(status).toMatchObject({
      "AWS credentials": "ok",
      "Foundation stack": "ok",
      "EMR release": "ok",
      "Instance types": "ok",
      "EMR block public access": "ok",
      Input: "ok",
    });
    expect(detail("AWS credentials")).toMatch(/account 123456789012/);
    expect(detail("Instance types")).toBe("m5.xlarge (4 vCPU) in us-east-1a, us-east-1e");
    // moto has no EC2 quotas and no service-linked role: said, and not a failure.
    expect(status["vCPU quota (On-Demand)"]).toBe("warn");
    expect(status["Service-linked role"]).toBe("warn");
  });

  it("a release the region does not offer, a type its first subnet's zone lacks, a missing input: exit 1, each named", async () => {
    const release = await preflight("  release_label: emr-7.99.0\n");
    expect(release.result.code).toBe(1);
    expect(release.status["EMR release"]).toBe("fail");
    expect(release.detail("EMR release")).toMatch(
      /emr-7\.99\.0 is not offered in us-east-1 \(offered: emr-7\./,
    );

    // Instance groups use the first subnet only.
    const zone = await preflight("  release_label: emr-7.13.0\n");
    expect(zone.result.code).toBe(1);
    expect(zone.detail("Instance types")).toBe(
      "not offered in us-east-1e: primary (m5.xlarge); core (m5.xlarge)",
    );
    expect(zone.result.stderr).toMatch(/Instance types would stop a run/);

    const input = await preflight(
      "  release_label: emr-7.13.0\n  instance_fleets: true\n",
      `s3://${foundation.dataBucket}/data/absent.csv`,
    );
    expect(input.status.Input).toBe("fail");
  });
});
