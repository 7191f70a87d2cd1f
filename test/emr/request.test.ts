import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import {
  buildRunJobFlowRequest,
  type ClusterRequestInput,
  clusterIdentity,
  ownerOf,
} from "../../src/targets/emr/request.js";

const FOUNDATION: ClusterRequestInput["foundation"] = {
  logUri: "s3://logs/emr/",
  subnetIds: ["subnet-a", "subnet-b"],
  primarySecurityGroupId: "sg-primary",
  coreSecurityGroupId: "sg-core",
  serviceAccessSecurityGroupId: "sg-service",
  serviceRoleName: "emr-service",
  instanceProfileName: "emr-instance",
  securityConfigurationName: "emr-security",
};

function request(emrYaml = "", foundation = FOUNDATION) {
  const config = parseConfig(`project: spam\ndata:\n  path: d.csv\n${emrYaml}`, "kindling.yaml");
  return buildRunJobFlowRequest({
    runId: "20261127-231500-spam-7f3a",
    owner: ownerOf(config),
    userTags: config.aws.tags,
    releaseLabel: config.emr.release_label ?? "emr-7.13.0",
    emr: config.emr,
    foundation,
    sparkSubmitArgs: [
      "--deploy-mode",
      "cluster",
      "s3://b/runs/x/code/entry.py",
      "--spec",
      "s3://b/runs/x/spec.json",
    ],
  });
}

/** One 64 GiB gp3 data volume per instance: set explicitly, so the estimate prices what is asked for. */
const DEFAULT_EBS = {
  EbsBlockDeviceConfigs: [
    { VolumeSpecification: { VolumeType: "gp3", SizeInGB: 64 }, VolumesPerInstance: 1 },
  ],
};

describe("buildRunJobFlowRequest", () => {
  it("defaults: the seed's 1 + 2 m5.xlarge on-demand, transient, one cluster-mode step, the foundation's wiring", () => {
    expect(request()).toEqual({
      Name: "kindling 20261127-231500-spam-7f3a",
      ReleaseLabel: "emr-7.13.0",
      LogUri: "s3://logs/emr/",
      Applications: [{ Name: "Spark" }],
      Instances: {
        InstanceGroups: [
          {
            Name: "Primary",
            InstanceRole: "MASTER",
            InstanceType: "m5.xlarge",
            InstanceCount: 1,
            Market: "ON_DEMAND",
            EbsConfiguration: DEFAULT_EBS,
          },
          {
            Name: "Core",
            InstanceRole: "CORE",
            InstanceType: "m5.xlarge",
            InstanceCount: 2,
            Market: "ON_DEMAND",
            EbsConfiguration: DEFAULT_EBS,
          },
        ],
        Ec2SubnetId: "subnet-a",
        KeepJobFlowAliveWhenNoSteps: false,
        TerminationProtected: false,
        EmrManagedMasterSecurityGroup: "sg-primary",
        EmrManagedSlaveSecurityGroup: "sg-core",
        ServiceAccessSecurityGroup: "sg-service",
      },
      Steps: [
        {
          Name: "kindling train",
          ActionOnFailure: "TERMINATE_CLUSTER",
          HadoopJarStep: {
            Jar: "command-runner.jar",
            Args: [
              "spark-submit",
              "--deploy-mode",
              "cluster",
              "s3://b/runs/x/code/entry.py",
              "--spec",
              "s3://b/runs/x/spec.json",
            ],
          },
        },
      ],
      AutoTerminationPolicy: { IdleTimeout: 1800 },
      EbsRootVolumeSize: 15,
      JobFlowRole: "emr-instance",
      ServiceRole: "emr-service",
      SecurityConfiguration: "emr-security",
      VisibleToAllUsers: true,
      Tags: [
        { Key: "kindling:run-id", Value: "20261127-231500-spam-7f3a" },
        { Key: "kindling:project", Value: "spam" },
        { Key: "kindling:environment", Value: "dev" },
        { Key: "for-use-with-amazon-emr-managed-policies", Value: "true" },
      ],
    });
  });

  it("aws.encryption: sse-kms encrypts the cluster's logs with the foundation's key", () => {
    expect(request().LogEncryptionKmsKeyId).toBeUndefined();
    const config = parseConfig(
      "project: spam\ndata:\n  path: d.csv\naws:\n  encryption: sse-kms\n",
      "kindling.yaml",
    );
    const kms = "arn:aws:kms:us-east-1:123456789012:key/0000";
    const identity = clusterIdentity(config, { kmsKeyArn: kms });
    expect(identity.logEncryptionKmsKeyArn).toBe(kms);
    expect(
      buildRunJobFlowRequest({
        ...identity,
        releaseLabel: "emr-7.13.0",
        emr: config.emr,
        foundation: FOUNDATION,
      }).LogEncryptionKmsKeyId,
    ).toBe(kms);
  });

  it("aws.tags go on the cluster (cost allocation) before Kindling's own; the environment is tagged", () => {
    const tags = request("aws:\n  environment: prod\n  tags: { team: fraud, cost-center: ml 42 }\n").Tags;
    expect(tags).toEqual([
      { Key: "team", Value: "fraud" },
      { Key: "cost-center", Value: "ml 42" },
      { Key: "kindling:run-id", Value: "20261127-231500-spam-7f3a" },
      { Key: "kindling:project", Value: "spam" },
      { Key: "kindling:environment", Value: "prod" },
      { Key: "for-use-with-amazon-emr-managed-policies", Value: "true" },
    ]);
  });

  it("instance groups with spot core and task nodes, bootstrap actions, release and idle timeout from config", () => {
    const r = request(`emr:
  release_label: emr-7.12.0
  core: { instance_types: [r5.2xlarge], count: 3, spot: true }
  task: { count: 4, spot: true }
  idle_timeout_minutes: 10
  bootstrap_actions:
    - { name: numpy, path: s3://b/bootstrap.sh, args: [a, b] }
`);
    expect(r.ReleaseLabel).toBe("emr-7.12.0");
    expect(r.Instances?.InstanceGroups?.slice(1)).toEqual([
      {
        Name: "Core",
        InstanceRole: "CORE",
        InstanceType: "r5.2xlarge",
        InstanceCount: 3,
        Market: "SPOT",
        EbsConfiguration: DEFAULT_EBS,
      },
      {
        Name: "Task",
        InstanceRole: "TASK",
        InstanceType: "m5.xlarge",
        InstanceCount: 4,
        Market: "SPOT",
        EbsConfiguration: DEFAULT_EBS,
      },
    ]);
    expect(r.BootstrapActions).toEqual([
      { Name: "numpy", ScriptBootstrapAction: { Path: "s3://b/bootstrap.sh", Args: ["a", "b"] } },
    ]);
    expect(r.AutoTerminationPolicy).toEqual({ IdleTimeout: 600 });
  });

  it("instance fleets: every subnet, several types, spot with on-demand fallback", () => {
    const r = request(`emr:
  instance_fleets: true
  primary: { instance_types: [m5.xlarge, m5a.xlarge] }
  core: { instance_types: [m5.xlarge, m5a.xlarge, m6i.xlarge], count: 2, spot: true }
`);
    expect(r.Instances?.InstanceGroups).toBeUndefined();
    expect(r.Instances?.Ec2SubnetIds).toEqual(["subnet-a", "subnet-b"]);
    expect(r.Instances?.Ec2SubnetId).toBeUndefined();
    const [primary, core] = r.Instances?.InstanceFleets ?? [];
    expect(primary).toMatchObject({
      InstanceFleetType: "MASTER",
      TargetOnDemandCapacity: 1,
      TargetSpotCapacity: 0,
    });
    expect(core).toMatchObject({
      InstanceFleetType: "CORE",
      TargetOnDemandCapacity: 0,
      TargetSpotCapacity: 2,
      LaunchSpecifications: { SpotSpecification: { TimeoutAction: "SWITCH_TO_ON_DEMAND" } },
    });
    expect(core?.InstanceTypeConfigs?.map((c) => c.InstanceType)).toEqual([
      "m5.xlarge",
      "m5a.xlarge",
      "m6i.xlarge",
    ]);
    // Every type a fleet may launch gets the same volumes.
    expect(new Set(core?.InstanceTypeConfigs?.map((c) => JSON.stringify(c.EbsConfiguration)))).toEqual(
      new Set([JSON.stringify(DEFAULT_EBS)]),
    );
  });

  it("EBS volumes from emr.ebs, on every role, and the root volume's size", () => {
    const r = request("emr:\n  ebs: { volume_gb: 200, volume_type: gp2, root_volume_gb: 30 }\n");
    expect(r.EbsRootVolumeSize).toBe(30);
    for (const group of r.Instances?.InstanceGroups ?? []) {
      expect(group.EbsConfiguration).toEqual({
        EbsBlockDeviceConfigs: [
          { VolumeSpecification: { VolumeType: "gp2", SizeInGB: 200 }, VolumesPerInstance: 1 },
        ],
      });
    }
    expect(() => request("emr:\n  ebs: { volume_gb: 2 }\n")).toThrow(/emr\.ebs\.volume_gb/);
  });

  it("public subnets: no service-access group (EMR rejects one there)", () => {
    const r = request("", { ...FOUNDATION, serviceAccessSecurityGroupId: undefined });
    expect(r.Instances).not.toHaveProperty("ServiceAccessSecurityGroup");
  });

  it("several types without fleets is a config error", () => {
    expect(() => request("emr:\n  core: { instance_types: [m5.xlarge, m5a.xlarge] }\n")).toThrow(
      /instance_fleets/,
    );
  });
});
