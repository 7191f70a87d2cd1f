import { EMR } from "@aws-sdk/client-emr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VERSIONS } from "../../src/versions.js";
import { TEST_CREDENTIALS, TEST_REGION } from "../aws/moto.js";
import { type EmrEmulator, startRequestsOnlyEmrEmulator } from "./server.js";

// The emulator refuses what EMR refuses at RunJobFlow, with EMR's words, before any cluster exists: a test
// cannot pass on a request a real account would turn down.
let emulator: EmrEmulator;
let emr: EMR;

beforeAll(async () => {
  emulator = await startRequestsOnlyEmrEmulator();
  emr = new EMR({
    endpoint: emulator.endpoint,
    region: TEST_REGION,
    credentials: TEST_CREDENTIALS,
    maxAttempts: 1,
  });
});
afterAll(async () => {
  await emulator?.close();
});

const request = (instances: Record<string, unknown>, release = VERSIONS.emrRelease) =>
  emr.runJobFlow({ Name: "refused", ReleaseLabel: release, Instances: instances });

describe("RunJobFlow requests EMR refuses", () => {
  it.each([
    [
      "instance groups",
      { InstanceGroups: [{ InstanceRole: "MASTER", InstanceType: "r5b.xlarge", InstanceCount: 1 }] },
    ],
    [
      "instance fleets",
      {
        InstanceFleets: [
          {
            InstanceFleetType: "MASTER",
            TargetOnDemandCapacity: 1,
            InstanceTypeConfigs: [{ InstanceType: "m5.xlarge" }, { InstanceType: "r5b.xlarge" }],
          },
        ],
      },
    ],
    ["the older uniform fields", { MasterInstanceType: "r5b.xlarge", InstanceCount: 1 }],
  ])("an instance type the release does not run on, in %s", async (_, instances) => {
    const clusters = emulator.clusters.size;
    await expect(request(instances)).rejects.toMatchObject({
      name: "ValidationException",
      message: "Instance type 'r5b.xlarge' is not supported.",
      $metadata: { httpStatusCode: 400 },
    });
    expect(emulator.clusters.size).toBe(clusters);
  });

  it("a release the region does not offer", async () => {
    await expect(request({}, "emr-7.99.0")).rejects.toMatchObject({
      name: "ValidationException",
      message: "The specified release label emr-7.99.0 is not valid.",
    });
  });

  it("accepts the same request with a type the release runs on", async () => {
    const supported = (await emr.listSupportedInstanceTypes({ ReleaseLabel: VERSIONS.emrRelease }))
      .SupportedInstanceTypes?.[0]?.Type as string;
    const started = await request({
      InstanceGroups: [{ InstanceRole: "MASTER", InstanceType: supported, InstanceCount: 1 }],
    });
    expect(started.JobFlowId).toMatch(/^j-/);
    await emr.terminateJobFlows({ JobFlowIds: [started.JobFlowId as string] });
  });
});
