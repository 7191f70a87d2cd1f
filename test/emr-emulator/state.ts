/** The emulator's model of clusters and steps, shaped like the EMR API's own (JSON 1.1, epoch seconds). */
export type ClusterState =
  | "STARTING"
  | "BOOTSTRAPPING"
  | "RUNNING"
  | "WAITING"
  | "TERMINATING"
  | "TERMINATED"
  | "TERMINATED_WITH_ERRORS";
export type StepState = "PENDING" | "RUNNING" | "COMPLETED" | "CANCELLED" | "FAILED" | "INTERRUPTED";

export interface Reason {
  Code?: string;
  Message?: string;
}

export interface StepRecord {
  id: string;
  name: string;
  actionOnFailure: string;
  jar: string;
  args: string[];
  state: StepState;
  reason: Reason;
  failureDetails?: { Reason?: string; Message?: string; LogFile?: string };
  created: Date;
  started?: Date;
  ended?: Date;
  abort: AbortController;
}

export interface ClusterRecord {
  id: string;
  name: string;
  /** The RunJobFlow request as received. */
  request: Record<string, unknown>;
  logUri: string;
  keepAlive: boolean;
  state: ClusterState;
  reason: Reason;
  created: Date;
  ready?: Date;
  ended?: Date;
  steps: StepRecord[];
  tags: Array<{ Key: string; Value: string }>;
  /** Set by TerminateJobFlows. */
  terminateRequested: boolean;
  /** A kept-alive cluster's auto-termination, armed while it waits for steps. */
  idleTimer?: NodeJS.Timeout;
}

const epoch = (d: Date | undefined) => (d ? d.getTime() / 1000 : undefined);

export function clusterJson(c: ClusterRecord) {
  const instances = c.request.Instances as Record<string, unknown> | undefined;
  return {
    Id: c.id,
    Name: c.name,
    Status: {
      State: c.state,
      StateChangeReason: c.reason,
      Timeline: {
        CreationDateTime: epoch(c.created),
        ReadyDateTime: epoch(c.ready),
        EndDateTime: epoch(c.ended),
      },
    },
    LogUri: c.logUri,
    ReleaseLabel: c.request.ReleaseLabel,
    // EMR's default root volume since 6.10.0 when the request does not set one.
    EbsRootVolumeSize: c.request.EbsRootVolumeSize ?? 15,
    AutoTerminate: !c.keepAlive,
    TerminationProtected: false,
    Applications: c.request.Applications,
    Tags: c.tags,
    ServiceRole: c.request.ServiceRole,
    SecurityConfiguration: c.request.SecurityConfiguration,
    InstanceCollectionType: instances?.InstanceFleets ? "INSTANCE_FLEET" : "INSTANCE_GROUP",
    Ec2InstanceAttributes: {
      Ec2SubnetId: instances?.Ec2SubnetId,
      RequestedEc2SubnetIds: instances?.Ec2SubnetIds,
      IamInstanceProfile: c.request.JobFlowRole,
      EmrManagedMasterSecurityGroup: instances?.EmrManagedMasterSecurityGroup,
      EmrManagedSlaveSecurityGroup: instances?.EmrManagedSlaveSecurityGroup,
      ServiceAccessSecurityGroup: instances?.ServiceAccessSecurityGroup,
    },
  };
}

export function stepJson(s: StepRecord) {
  return {
    Id: s.id,
    Name: s.name,
    ActionOnFailure: s.actionOnFailure,
    Config: { Jar: s.jar, Args: s.args, Properties: {} },
    Status: {
      State: s.state,
      StateChangeReason: s.reason,
      ...(s.failureDetails ? { FailureDetails: s.failureDetails } : {}),
      Timeline: {
        CreationDateTime: epoch(s.created),
        StartDateTime: epoch(s.started),
        EndDateTime: epoch(s.ended),
      },
    },
  };
}
