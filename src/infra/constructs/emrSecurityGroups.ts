import { Tags } from "aws-cdk-lib";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import { Construct } from "constructs";
import type { NetworkMode } from "../settings.js";
import { EMR_MANAGED_TAG } from "./network.js";

export interface EmrSecurityGroupsProps {
  vpc: ec2.IVpc;
  mode: NetworkMode;
  /** S3 managed prefix list id; when absent, HTTPS egress goes to 0.0.0.0/0 (only S3 is routable in "private"). */
  s3PrefixListId?: string;
  /** Existing groups, referenced instead (immutable: the stack adds no rule to them). */
  existing?: { primary: string; core: string; serviceAccess?: string };
  /** The KMS interface endpoint's group: the nodes' HTTPS to it (local-disk encryption keys). */
  kmsEndpoint?: ec2.ISecurityGroup;
}

/**
 * Guarantees the EMR-managed primary and core groups (plus the service-access group in private subnets),
 * tagged for AmazonEMRServicePolicy_v2, with no inbound rule from any CIDR and egress limited to the
 * cluster itself, EMR's service access ports and HTTPS to S3 (all egress only in the "public" variant).
 * Or references existing groups: EMR adds the rules it needs to EMR-managed groups itself.
 */
export class EmrSecurityGroups extends Construct {
  readonly primary: ec2.ISecurityGroup;
  readonly core: ec2.ISecurityGroup;
  /** Present only for "private": EMR rejects a service-access group for clusters in public subnets. */
  readonly serviceAccess: ec2.ISecurityGroup | undefined;

  constructor(scope: Construct, id: string, props: EmrSecurityGroupsProps) {
    super(scope, id);
    if (props.existing) {
      const imported = (name: string, groupId: string) =>
        ec2.SecurityGroup.fromSecurityGroupId(this, name, groupId, { mutable: false });
      this.primary = imported("Primary", props.existing.primary);
      this.core = imported("Core", props.existing.core);
      this.serviceAccess = props.existing.serviceAccess
        ? imported("ServiceAccess", props.existing.serviceAccess)
        : undefined;
      return;
    }
    const { vpc } = props;
    const isPublic = props.mode === "public";
    // "public" exists for jobs that need internet egress: the node groups allow all outbound traffic there
    // (CDK then skips the narrower egress rules below). Nothing allows inbound traffic from a CIDR.
    const group = (name: string, description: string, allowAllOutbound = false) => {
      const sg = new ec2.SecurityGroup(this, name, { vpc, description, allowAllOutbound });
      Tags.of(sg).add(EMR_MANAGED_TAG.key, EMR_MANAGED_TAG.value);
      return sg;
    };
    const primary = group("Primary", "Kindling EMR-managed group for the primary node", isPublic);
    const core = group("Core", "Kindling EMR-managed group for core and task nodes", isPublic);
    this.primary = primary;
    this.core = core;

    // Cluster-internal traffic (HDFS, YARN, Spark shuffle and RPC), exactly what EMR itself adds.
    for (const [sg, role] of [
      [primary, "primary"],
      [core, "core/task"],
    ] as const) {
      sg.addIngressRule(
        primary,
        ec2.Port.allTraffic(),
        `Cluster traffic to the ${role} node from the primary node`,
      );
      sg.addIngressRule(
        core,
        ec2.Port.allTraffic(),
        `Cluster traffic to the ${role} node from core/task nodes`,
      );
      sg.addEgressRule(
        primary,
        ec2.Port.allTraffic(),
        `Cluster traffic from the ${role} node to the primary node`,
      );
      sg.addEgressRule(
        core,
        ec2.Port.allTraffic(),
        `Cluster traffic from the ${role} node to core/task nodes`,
      );
    }

    if (!isPublic) {
      const sa = group("ServiceAccess", "Kindling EMR service access group (clusters in private subnets)");
      this.serviceAccess = sa;
      sa.addIngressRule(
        primary,
        ec2.Port.tcp(9443),
        "EMR service access: primary node to the EMR service (9443)",
      );
      primary.addEgressRule(
        sa,
        ec2.Port.tcp(9443),
        "EMR service access: primary node to the EMR service (9443)",
      );
      for (const [sg, role] of [
        [primary, "primary node"],
        [core, "core/task nodes"],
      ] as const) {
        sa.addEgressRule(sg, ec2.Port.tcp(8443), `EMR service access: cluster manager to the ${role} (8443)`);
        sg.addIngressRule(
          sa,
          ec2.Port.tcp(8443),
          `EMR service access: cluster manager to the ${role} (8443)`,
        );
        if (props.kmsEndpoint) {
          const why = `HTTPS from the ${role} to the KMS endpoint (local-disk encryption keys)`;
          sg.addEgressRule(props.kmsEndpoint, ec2.Port.tcp(443), why);
          props.kmsEndpoint.addIngressRule(sg, ec2.Port.tcp(443), why);
        }
        const s3 = props.s3PrefixListId ? ec2.Peer.prefixList(props.s3PrefixListId) : ec2.Peer.anyIpv4();
        sg.addEgressRule(
          s3,
          ec2.Port.tcp(443),
          props.s3PrefixListId
            ? "HTTPS to S3 through the gateway endpoint (S3 prefix list)"
            : "HTTPS to S3 through the gateway endpoint (isolated subnets route nowhere else)",
        );
      }
    } else {
      this.serviceAccess = undefined;
    }
  }
}
