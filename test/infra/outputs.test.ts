import { describe, expect, it } from "vitest";
import type { StackOutputEntry } from "../../src/aws/stacks.js";
import { KindlingError } from "../../src/errors.js";
import { OUTPUT_KEYS, parseFoundationOutputs } from "../../src/infra/outputs.js";
import { foundationTemplate } from "./helpers.js";

/** Outputs as DescribeStacks would return them for a deployed template: one fake value per output. */
function deployedOutputs(network: "private" | "public"): StackOutputEntry[] {
  const outputs = foundationTemplate({ network }).toJSON().Outputs as Record<string, unknown>;
  const fake: Record<string, string> = {
    SubnetIds: "subnet-0a,subnet-0b",
    NetworkMode: network,
    LogUri: "s3://logs-bucket/emr/",
  };
  return Object.keys(outputs).map((k) => ({ OutputKey: k, OutputValue: fake[k] ?? `value-of-${k}` }));
}

describe("parseFoundationOutputs", () => {
  it("reads every output the private stack declares", () => {
    const o = parseFoundationOutputs(deployedOutputs("private"), "kindling-demo-dev");
    expect(o).toEqual({
      dataBucketName: "value-of-DataBucketName",
      logsBucketName: "value-of-LogsBucketName",
      logUri: "s3://logs-bucket/emr/",
      network: "private",
      vpcId: "value-of-VpcId",
      subnetIds: ["subnet-0a", "subnet-0b"],
      primarySecurityGroupId: "value-of-PrimarySecurityGroupId",
      coreSecurityGroupId: "value-of-CoreSecurityGroupId",
      serviceAccessSecurityGroupId: "value-of-ServiceAccessSecurityGroupId",
      serviceRoleName: "value-of-ServiceRoleName",
      instanceProfileName: "value-of-InstanceProfileName",
      instanceRoleArn: "value-of-InstanceRoleArn",
      securityConfigurationName: "value-of-SecurityConfigurationName",
      kmsKeyArn: "value-of-KmsKeyArn",
      serverlessApplicationId: "value-of-ServerlessApplicationId",
      serverlessJobRoleArn: "value-of-ServerlessJobRoleArn",
    });
  });

  it("reads a stack deployed before the EMR Serverless application: its outputs are optional", () => {
    const older = deployedOutputs("private").filter(
      (o) =>
        o.OutputKey !== OUTPUT_KEYS.serverlessApplicationId &&
        o.OutputKey !== OUTPUT_KEYS.serverlessJobRoleArn,
    );
    const o = parseFoundationOutputs(older, "kindling-demo-dev");
    expect(o.serverlessApplicationId).toBeUndefined();
    expect(o.serverlessJobRoleArn).toBeUndefined();
  });

  it("accepts a public stack without a service access group", () => {
    const o = parseFoundationOutputs(deployedOutputs("public"), "kindling-demo-dev");
    expect(o.network).toBe("public");
    expect(o.serviceAccessSecurityGroupId).toBeUndefined();
  });

  it("names the missing outputs of an outdated stack", () => {
    const partial = deployedOutputs("private").filter(
      (o) =>
        o.OutputKey !== OUTPUT_KEYS.kmsKeyArn && o.OutputKey !== OUTPUT_KEYS.serviceAccessSecurityGroupId,
    );
    expect(() => parseFoundationOutputs(partial, "kindling-demo-dev")).toThrow(KindlingError);
    expect(() => parseFoundationOutputs(partial, "kindling-demo-dev")).toThrow(
      /kindling-demo-dev lacks the outputs KmsKeyArn, ServiceAccessSecurityGroupId/,
    );
  });
});
