import { CloudFormation } from "@aws-sdk/client-cloudformation";
import { OUTPUT_KEYS } from "../../src/infra/outputs.js";
import { TEST_CREDENTIALS, TEST_REGION } from "./moto.js";

export interface FoundationFixture {
  stackName: string;
  dataBucket: string;
  logsBucket: string;
  serverlessApplicationId: string;
}

/**
 * Creates a stack in moto's CloudFormation that carries the foundation's outputs: two real buckets
 * (moto creates them in its S3) and literal values for the network, security groups and roles, which
 * only the (emulated) EMR reads. So the CLI finds the foundation exactly as in AWS: DescribeStacks.
 */
export async function createFoundationStack(
  endpoint: string,
  project: string,
  environment = "dev",
  /** The EMR Serverless application (created in the emulator) the stack names. */
  serverlessApplicationId = "00fkindlingapp",
  /** Outputs that replace the literal ones (e.g. the VpcId and SubnetIds of a VPC made in moto's EC2). */
  outputs: Record<string, string> = {},
): Promise<FoundationFixture> {
  const stackName = `kindling-${project}-${environment}`;
  const dataBucket = `kindling-${project}-data-test`;
  const logsBucket = `kindling-${project}-logs-test`;
  const literal: Record<string, string> = {
    [OUTPUT_KEYS.logUri]: `s3://${logsBucket}/emr/`,
    [OUTPUT_KEYS.network]: "private",
    [OUTPUT_KEYS.vpcId]: "vpc-0a1b2c3d",
    [OUTPUT_KEYS.subnetIds]: "subnet-0aaa,subnet-0bbb",
    [OUTPUT_KEYS.primarySecurityGroupId]: "sg-0primary",
    [OUTPUT_KEYS.coreSecurityGroupId]: "sg-0core",
    [OUTPUT_KEYS.serviceAccessSecurityGroupId]: "sg-0service",
    [OUTPUT_KEYS.serviceRoleName]: `${stackName}-emr-service`,
    [OUTPUT_KEYS.instanceProfileName]: `${stackName}-emr-instance`,
    [OUTPUT_KEYS.instanceRoleArn]: `arn:aws:iam::123456789012:role/${stackName}-emr-instance`,
    [OUTPUT_KEYS.securityConfigurationName]: `${stackName}-security`,
    [OUTPUT_KEYS.kmsKeyArn]: "arn:aws:kms:us-east-1:123456789012:key/0000",
    [OUTPUT_KEYS.serverlessApplicationId]: serverlessApplicationId,
    [OUTPUT_KEYS.serverlessJobRoleArn]: `arn:aws:iam::123456789012:role/${stackName}-serverless-job`,
    ...outputs,
  };
  const template = {
    AWSTemplateFormatVersion: "2010-09-09",
    Resources: {
      Data: { Type: "AWS::S3::Bucket", Properties: { BucketName: dataBucket } },
      Logs: { Type: "AWS::S3::Bucket", Properties: { BucketName: logsBucket } },
    },
    Outputs: {
      [OUTPUT_KEYS.dataBucketName]: { Value: { Ref: "Data" } },
      [OUTPUT_KEYS.logsBucketName]: { Value: { Ref: "Logs" } },
      ...Object.fromEntries(Object.entries(literal).map(([k, v]) => [k, { Value: v }])),
    },
  };
  const cfn = new CloudFormation({ endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS });
  await cfn.createStack({ StackName: stackName, TemplateBody: JSON.stringify(template) });
  return { stackName, dataBucket, logsBucket, serverlessApplicationId };
}
