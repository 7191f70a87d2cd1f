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
