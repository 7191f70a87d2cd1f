import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Validations } from "aws-cdk-lib";
import * as s3 from "aws-cdk-lib/aws-s3";
import type { IConstruct } from "constructs";
import { afterAll, describe, expect, it } from "vitest";
import { KindlingError } from "../../src/errors.js";
import {
  assertNoNagErrors,
  createFoundationApp,
  type FoundationAppOptions,
  readValidationFindings,
} from "../../src/infra/app.js";
import {
  type FoundationSettings,
  type FoundationSettingsInput,
  resolveFoundationSettings,
} from "../../src/infra/settings.js";
import { EXISTING_EVERYTHING } from "./helpers.js";

/** Synthesizes the foundation app and returns its cdk-nag findings. */
function synthesizeFoundation(settings: FoundationSettings, options: FoundationAppOptions = {}) {
  const { app } = createFoundationApp(settings, options);
  return { findings: readValidationFindings(app.synth().directory) };
}

const dirs: string[] = [];
const outdir = () => {
  const d = mkdtempSync(join(tmpdir(), "kindling-nag-"));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const variants: Partial<FoundationSettingsInput>[] = [
  {},
  { network: "public" },
  { encryption: "sse-kms" },
  {
    inTransitEncryption: true,
    inTransitCertificateS3Uri: "s3://certs-bucket/emr/certs.zip",
    network: "public",
  },
  EXISTING_EVERYTHING,
  // The account's key, the stack's roles: their own policies grant its use.
  { encryption: "sse-kms", existing: { kmsKeyArn: EXISTING_EVERYTHING.existing.kmsKeyArn } },
];

describe("cdk-nag AwsSolutions", () => {
  it.each(variants)("reports no unacknowledged finding for %o", (input) => {
    const { findings } = synthesizeFoundation(resolveFoundationSettings({ project: "demo", ...input }), {
      outdir: outdir(),
    });
    expect(findings).toEqual([]);
    expect(() => assertNoNagErrors(findings)).not.toThrow();
  });

  it("catches and reports a violation (the plugin really runs and its report is read)", () => {
    const { app, stack } = createFoundationApp(resolveFoundationSettings({ project: "demo" }), {
      outdir: outdir(),
    });
    new s3.Bucket(stack, "Careless");
    const assembly = app.synth();
    const findings = readValidationFindings(assembly.directory);
    const rules = findings.map((f) => f.rule);
    expect(rules).toContain("AwsSolutions-S1");
    expect(rules).toContain("AwsSolutions-S10");
    expect(findings.find((f) => f.rule === "AwsSolutions-S1")).toMatchObject({
      plugin: "AwsSolutions",
      severity: "error",
      resources: ["kindling-demo-dev/Careless/Resource"],
    });
    expect(() => assertNoNagErrors(findings)).toThrow(KindlingError);
    expect(() => assertNoNagErrors(findings)).toThrow(
      /AwsSolutions-S1 at kindling-demo-dev\/Careless\/Resource/,
    );
  });

  it("gives every cdk-nag acknowledgment a written reason and keeps them next to the constructs, not stack-wide", () => {
    const { app, stack } = createFoundationApp(
      resolveFoundationSettings({ project: "demo", encryption: "sse-kms" }),
      { outdir: outdir() },
    );
    const acks: { path: string; id: string; reason: string }[] = [];
    const visit = (c: IConstruct) => {
      for (const entry of c.node.metadata) {
        if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
        for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
          // CDK acknowledges its own CloudFormation-Validate warnings (e.g. W3010 for Fn::GetAZs); ours are cdk-nag's.
          if (/^(annotation::)?AwsSolutions-/i.test(id)) {
            acks.push({ path: c.node.path, id: id.replace(/^annotation::/i, ""), reason });
          }
        }
      }
      for (const child of c.node.children) visit(child);
    };
    visit(app);
    expect(acks.length).toBeGreaterThan(0);
    for (const a of acks) {
      expect(a.path, a.id).not.toBe(stack.node.path);
      expect(a.path).not.toBe(app.node.path);
      expect(a.reason.length, a.id).toBeGreaterThan(60);
    }
    expect(acks.map((a) => a.id).sort()).toMatchInlineSnapshot(`
      [
        "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonEMRServicePolicy_v2]",
        "AwsSolutions-IAM5[Action::kms:GenerateDataKey*]",
        "AwsSolutions-IAM5[Action::kms:GenerateDataKey*]",
        "AwsSolutions-IAM5[Action::kms:ReEncrypt*]",
        "AwsSolutions-IAM5[Action::kms:ReEncrypt*]",
        "AwsSolutions-IAM5[Resource::<DataBucketE6B0FAA8.Arn>/code/*]",
        "AwsSolutions-IAM5[Resource::<DataBucketE6B0FAA8.Arn>/code/*]",
        "AwsSolutions-IAM5[Resource::<DataBucketE6B0FAA8.Arn>/data/*]",
        "AwsSolutions-IAM5[Resource::<DataBucketE6B0FAA8.Arn>/data/*]",
        "AwsSolutions-IAM5[Resource::<DataBucketE6B0FAA8.Arn>/deps/*]",
        "AwsSolutions-IAM5[Resource::<DataBucketE6B0FAA8.Arn>/deps/*]",
        "AwsSolutions-IAM5[Resource::<DataBucketE6B0FAA8.Arn>/runs/*]",
        "AwsSolutions-IAM5[Resource::<DataBucketE6B0FAA8.Arn>/runs/*]",
        "AwsSolutions-IAM5[Resource::<LogsBucket5C52C3D2.Arn>/emr/*]",
        "AwsSolutions-IAM5[Resource::<LogsBucket5C52C3D2.Arn>/serverless/*]",
      ]
    `);
  });
});
