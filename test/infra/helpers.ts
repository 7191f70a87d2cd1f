import { Template } from "aws-cdk-lib/assertions";
import { createFoundationApp } from "../../src/infra/app.js";
import { type FoundationSettingsInput, resolveFoundationSettings } from "../../src/infra/settings.js";

/** A synthesized foundation template for the given settings (project "demo" unless overridden). */
export function foundationTemplate(input: Partial<FoundationSettingsInput> = {}): Template {
  const { stack } = createFoundationApp(resolveFoundationSettings({ project: "demo", ...input }));
  return Template.fromStack(stack);
}

export type Resources = Record<
  string,
  { Type: string; Properties?: Record<string, unknown>; Metadata?: unknown }
>;

export function resourcesOf(template: Template, type?: string): Resources {
  const all = template.toJSON().Resources as Resources;
  return Object.fromEntries(Object.entries(all).filter(([, r]) => type === undefined || r.Type === type));
}

/** Replaces asset hashes (64 hex chars) so snapshots survive unrelated CDK changes. */
export function scrubAssetHashes(template: unknown): unknown {
  return JSON.parse(JSON.stringify(template).replace(/[0-9a-f]{64}/g, "[ASSET-HASH]"));
}

/** A foundation on everything an account already has: network, groups, buckets, key and EMR roles. */
export const EXISTING_EVERYTHING = {
  encryption: "sse-kms",
  rolePath: "/teams/data/",
  roleNamePrefix: "data-",
  existing: {
    network: {
      vpcId: "vpc-0a1b2c3d4e5f67890",
      subnetIds: ["subnet-0a1b2c3d4e5f67890", "subnet-1a1b2c3d4e5f67890"],
    },
    securityGroups: {
      primary: "sg-0a1b2c3d4e5f67890",
      core: "sg-1a1b2c3d4e5f67890",
      serviceAccess: "sg-2a1b2c3d4e5f67890",
    },
    dataBucket: "team-data",
    logsBucket: "team-logs",
    kmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    emrRoles: {
      serviceRoleArn: "arn:aws:iam::123456789012:role/platform/EMR_DefaultRole_V2",
      instanceRoleArn: "arn:aws:iam::123456789012:role/platform/EMR_EC2_DefaultRole",
    },
  },
} satisfies Partial<FoundationSettingsInput>;
