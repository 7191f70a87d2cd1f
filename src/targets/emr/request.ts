import type {
  ActionOnFailure,
  EbsConfiguration,
  InstanceFleetConfig,
  InstanceGroupConfig,
  RunJobFlowCommandInput,
  StepConfig,
  Tag,
} from "@aws-sdk/client-emr";
import type { Config } from "../../config/schema.js";
import type { FoundationOutputs } from "../../infra/outputs.js";
import { type InstanceRole, instanceMix } from "./instances.js";

/** Tag keys Kindling puts on every cluster. */
export const RUN_ID_TAG = "kindling:run-id";
export const PROJECT_TAG = "kindling:project";
export const ENVIRONMENT_TAG = "kindling:environment";
/** AmazonEMRServicePolicy_v2 only acts on resources carrying this tag. */
export const MANAGED_POLICY_TAG = "for-use-with-amazon-emr-managed-policies";
/** On a warm cluster: it is kept alive for runs, and `kindling cluster list` finds it by this tag. */
export const WARM_TAG = "kindling:warm";
export const STEP_NAME = "kindling train";

/** Whose a cluster is: a project in one environment (each has its own foundation stack). */
export interface Owner {
  project: string;
  environment: string;
}

export function ownerOf(config: Pick<Config, "project" | "aws">): Owner {
  return { project: config.project, environment: config.aws.environment };
}

/**
 * What every cluster of this config carries besides its network and step: its owner, the config's tags,
 * and with aws.encryption: sse-kms the key its logs are encrypted with.
 */
export function clusterIdentity(
  config: Pick<Config, "project" | "aws">,
  foundation: Pick<FoundationOutputs, "kmsKeyArn">,
): Pick<ClusterRequestInput, "owner" | "userTags" | "logEncryptionKmsKeyArn"> {
  return {
    owner: ownerOf(config),
    userTags: config.aws.tags,
    ...(config.aws.encryption === "sse-kms" ? { logEncryptionKmsKeyArn: foundation.kmsKeyArn } : {}),
  };
}

/** The owner as tags, on clusters and job runs: for finding them again and for cost allocation. */
export function ownerTags(owner: Owner): Record<string, string> {
  return { [PROJECT_TAG]: owner.project, [ENVIRONMENT_TAG]: owner.environment };
}

/** What the RunJobFlow request is built from; everything is already resolved. */
export interface ClusterRequestInput {
  /** The run the transient cluster is for; absent for a warm cluster. */
  runId?: string;
  owner: Owner;
  /** The config's aws.tags (cost allocation), before Kindling's own. */
  userTags: Record<string, string>;
  /** The foundation's KMS key, to encrypt the cluster's logs with (aws.encryption: sse-kms). Default none. */
  logEncryptionKmsKeyArn?: string;
  releaseLabel: string;
  emr: Config["emr"];
  foundation: Pick<
    FoundationOutputs,
    | "logUri"
    | "subnetIds"
    | "primarySecurityGroupId"
    | "coreSecurityGroupId"
    | "serviceAccessSecurityGroupId"
    | "serviceRoleName"
    | "instanceProfileName"
    | "securityConfigurationName"
  >;
  /** The one step's spark-submit arguments (buildSparkSubmitArgs, without the word); none for a warm cluster. */
  sparkSubmitArgs?: string[];
  /** A warm cluster: kept alive between runs' steps, and ending by itself after this many idle seconds. */
  warmIdleSeconds?: number;
  /** Cluster name. Default `kindling <run id>`. */
  name?: string;
  /** Step name. Default STEP_NAME. */
  stepName?: string;
}

/**
 * Builds the RunJobFlow request for a transient cluster that runs one step and ends. Pure: the same input
 * gives the same request, so `--dry-run` shows exactly what a run sends.
 */
export function buildRunJobFlowRequest(input: ClusterRequestInput): RunJobFlowCommandInput {
  const { emr, foundation } = input;
  const mix = instanceMix(emr);
  const network = emr.instance_fleets
    ? { InstanceFleets: mix.map(fleetOf), Ec2SubnetIds: [...foundation.subnetIds] }
    : {
        InstanceGroups: mix.map(groupOf),
        // Instance groups take one subnet; fleets may pick any of them.
        ...(foundation.subnetIds[0] ? { Ec2SubnetId: foundation.subnetIds[0] } : {}),
      };
  const warm = input.warmIdleSeconds !== undefined;
  const tags: Tag[] = [
    ...Object.entries(input.userTags).map(([Key, Value]) => ({ Key, Value })),
    ...(input.runId ? [{ Key: RUN_ID_TAG, Value: input.runId }] : []),
    ...Object.entries(ownerTags(input.owner)).map(([Key, Value]) => ({ Key, Value })),
    ...(warm ? [{ Key: WARM_TAG, Value: "true" }] : []),
    { Key: MANAGED_POLICY_TAG, Value: "true" },
  ];
  return {
    Name:
      input.name ??
      (warm ? `kindling ${input.owner.project} ${input.owner.environment} warm` : `kindling ${input.runId}`),
    ReleaseLabel: input.releaseLabel,
    LogUri: foundation.logUri,
    // EMR encrypts the log files it pushes to LogUri with this key (the instance role may use it).
    ...(input.logEncryptionKmsKeyArn ? { LogEncryptionKmsKeyId: input.logEncryptionKmsKeyArn } : {}),
    Applications: [{ Name: "Spark" }],
    Instances: {
      ...network,
      // Transient: the cluster ends when its step is done (or failed: TERMINATE_CLUSTER below). A warm
      // cluster waits for runs' steps.
      KeepJobFlowAliveWhenNoSteps: warm,
      TerminationProtected: false,
      EmrManagedMasterSecurityGroup: foundation.primarySecurityGroupId,
      EmrManagedSlaveSecurityGroup: foundation.coreSecurityGroupId,
      ...(foundation.serviceAccessSecurityGroupId
        ? { ServiceAccessSecurityGroup: foundation.serviceAccessSecurityGroupId }
        : {}),
    },
    ...(input.sparkSubmitArgs
      ? { Steps: [sparkStep(input.sparkSubmitArgs, input.stepName ?? STEP_NAME, "TERMINATE_CLUSTER")] }
      : {}),
    ...(emr.bootstrap_actions.length > 0
      ? {
          BootstrapActions: emr.bootstrap_actions.map((b) => ({
            Name: b.name,
            ScriptBootstrapAction: { Path: b.path, Args: [...b.args] },
          })),
        }
      : {}),
    // A transient cluster normally ends by itself: this is a safety net. A warm one ends only this way
    // (or with `kindling cluster stop`), so a forgotten cluster still stops billing.
    AutoTerminationPolicy: { IdleTimeout: input.warmIdleSeconds ?? emr.idle_timeout_minutes * 60 },
    EbsRootVolumeSize: emr.ebs.root_volume_gb,
    JobFlowRole: foundation.instanceProfileName,
    ServiceRole: foundation.serviceRoleName,
    SecurityConfiguration: foundation.securityConfigurationName,
    VisibleToAllUsers: true,
    Tags: tags,
  };
}

/**
 * A step running the job with spark-submit (command-runner.jar). On a transient cluster a failed step
 * ends the cluster; on a warm one it must not: other runs use it.
 */
export function sparkStep(args: string[], name: string, actionOnFailure: ActionOnFailure): StepConfig {
  return {
    Name: name,
    ActionOnFailure: actionOnFailure,
    HadoopJarStep: { Jar: "command-runner.jar", Args: ["spark-submit", ...args] },
  };
}

const ROLE = { primary: "MASTER", core: "CORE", task: "TASK" } as const;
const NAME = { primary: "Primary", core: "Core", task: "Task" } as const;

function groupOf(role: InstanceRole): InstanceGroupConfig {
  return {
    Name: NAME[role.role],
    InstanceRole: ROLE[role.role],
    InstanceType: role.instanceTypes[0],
    InstanceCount: role.count,
    // No BidPrice: spot is capped at the on-demand price.
    Market: role.market,
    EbsConfiguration: ebsOf(role),
  };
}

function fleetOf(role: InstanceRole): InstanceFleetConfig {
  const spot = role.market === "SPOT";
  return {
    Name: NAME[role.role],
    InstanceFleetType: ROLE[role.role],
    TargetOnDemandCapacity: spot ? 0 : role.count,
    TargetSpotCapacity: spot ? role.count : 0,
    InstanceTypeConfigs: role.instanceTypes.map((type) => ({
      InstanceType: type,
      WeightedCapacity: 1,
      EbsConfiguration: ebsOf(role),
    })),
    ...(spot
      ? {
          LaunchSpecifications: {
            SpotSpecification: {
              TimeoutDurationMinutes: 20,
              // Better a slightly dearer run than none.
              TimeoutAction: "SWITCH_TO_ON_DEMAND",
              AllocationStrategy: "price-capacity-optimized",
            },
          },
        }
      : {}),
  };
}

/** The data volumes of a role's instances (the root volume's size is set cluster-wide). */
function ebsOf(role: InstanceRole): EbsConfiguration {
  return {
    EbsBlockDeviceConfigs: role.storage.volumes.map((v) => ({
      VolumeSpecification: { VolumeType: v.type, SizeInGB: v.sizeGb },
      VolumesPerInstance: 1,
    })),
  };
}
