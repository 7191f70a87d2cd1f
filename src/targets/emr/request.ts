import type {
  InstanceFleetConfig,
  InstanceGroupConfig,
  RunJobFlowCommandInput,
  Tag,
} from "@aws-sdk/client-emr";
import type { Config } from "../../config/schema.js";
import type { FoundationOutputs } from "../../infra/outputs.js";
import { type InstanceRole, instanceMix } from "./instances.js";

/** Tag keys Kindling puts on every cluster. */
export const RUN_ID_TAG = "kindling:run-id";
export const PROJECT_TAG = "kindling:project";
/** AmazonEMRServicePolicy_v2 only acts on resources carrying this tag. */
export const MANAGED_POLICY_TAG = "for-use-with-amazon-emr-managed-policies";
export const STEP_NAME = "kindling train";

/** What the RunJobFlow request is built from; everything is already resolved. */
export interface ClusterRequestInput {
  runId: string;
  project: string;
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
  /** spark-submit arguments from buildSparkSubmitArgs (without the `spark-submit` word). */
  sparkSubmitArgs: string[];
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
  const tags: Tag[] = [
    { Key: RUN_ID_TAG, Value: input.runId },
    { Key: PROJECT_TAG, Value: input.project },
    { Key: MANAGED_POLICY_TAG, Value: "true" },
  ];
  return {
    Name: input.name ?? `kindling ${input.runId}`,
    ReleaseLabel: input.releaseLabel,
    LogUri: foundation.logUri,
    Applications: [{ Name: "Spark" }],
    Instances: {
      ...network,
      // Transient: the cluster ends when its step is done (or failed: TERMINATE_CLUSTER below).
      KeepJobFlowAliveWhenNoSteps: false,
      TerminationProtected: false,
      EmrManagedMasterSecurityGroup: foundation.primarySecurityGroupId,
      EmrManagedSlaveSecurityGroup: foundation.coreSecurityGroupId,
      ...(foundation.serviceAccessSecurityGroupId
        ? { ServiceAccessSecurityGroup: foundation.serviceAccessSecurityGroupId }
        : {}),
    },
    Steps: [
      {
        Name: input.stepName ?? STEP_NAME,
        ActionOnFailure: "TERMINATE_CLUSTER",
        HadoopJarStep: { Jar: "command-runner.jar", Args: ["spark-submit", ...input.sparkSubmitArgs] },
      },
    ],
    ...(emr.bootstrap_actions.length > 0
      ? {
          BootstrapActions: emr.bootstrap_actions.map((b) => ({
            Name: b.name,
            ScriptBootstrapAction: { Path: b.path, Args: [...b.args] },
          })),
        }
      : {}),
    // A safety net only: with KeepJobFlowAliveWhenNoSteps=false the cluster normally ends by itself.
    AutoTerminationPolicy: { IdleTimeout: emr.idle_timeout_minutes * 60 },
    JobFlowRole: foundation.instanceProfileName,
    ServiceRole: foundation.serviceRoleName,
    SecurityConfiguration: foundation.securityConfigurationName,
    VisibleToAllUsers: true,
    Tags: tags,
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
  };
}

function fleetOf(role: InstanceRole): InstanceFleetConfig {
  const spot = role.market === "SPOT";
  return {
    Name: NAME[role.role],
    InstanceFleetType: ROLE[role.role],
    TargetOnDemandCapacity: spot ? 0 : role.count,
    TargetSpotCapacity: spot ? role.count : 0,
    InstanceTypeConfigs: role.instanceTypes.map((type) => ({ InstanceType: type, WeightedCapacity: 1 })),
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
