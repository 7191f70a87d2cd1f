import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FoundationSettingsInput, resolveFoundationSettings } from "../../src/infra/settings.js";
import { synthFoundation } from "../../src/infra/toolkit.js";
import { RecordingHost } from "../helpers/recordingHost.js";
import { EXISTING_EVERYTHING } from "./helpers.js";

// cfn-lint, checkov and parliament live in their own venv (infra/requirements.txt), created by `npm run setup`.
const VENV_BIN = fileURLToPath(new URL("../../.venv-iac/bin/", import.meta.url));
const run = promisify(execFile);

function tool(name: "cfn-lint" | "checkov" | "python"): string {
  const path = join(VENV_BIN, name);
  if (!existsSync(path)) {
    throw new Error(
      `${name} is not installed at ${path}. Run \`npm run setup\` (it creates .venv-iac from infra/requirements.txt).`,
    );
  }
  return path;
}

/** Runs a tool that exits non-zero on findings; returns its stdout either way. */
async function output(file: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  try {
    return (await run(file, args, { maxBuffer: 64 * 1024 * 1024, env: { ...process.env, ...env } })).stdout;
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; code?: number };
    if (typeof err.stdout === "string" && err.stdout.trim() !== "") return err.stdout;
    throw new Error(`${file} failed (exit ${err.code}): ${err.stderr}`);
  }
}

const variants: [string, Partial<FoundationSettingsInput>][] = [
  ["private", {}],
  ["public", { network: "public" }],
  [
    "existing-network",
    {
      existing: {
        network: {
          vpcId: "vpc-0a1b2c3d4e5f67890",
          subnetIds: ["subnet-0a1b2c3d4e5f67890", "subnet-1a1b2c3d4e5f67890"],
        },
      },
    },
  ],
  [
    // Everything the account already has: the stack creates only the EMR security configuration, the
    // EMR Serverless application, its group and its job role (named with a prefix, under a path).
    "existing-everything+sse-kms+role-names",
    EXISTING_EVERYTHING,
  ],
  [
    "sse-kms+tls+warm",
    {
      encryption: "sse-kms",
      inTransitEncryption: true,
      inTransitCertificateS3Uri: "s3://certs/emr.zip",
      // The EMR Serverless application with pre-initialized workers (InitialCapacity) on Graviton.
      serverless: { architecture: "ARM64", preInitialized: { executors: 2 } },
      // An account's rules: cost-allocation tags on everything, a boundary on every role.
      tags: { team: "fraud", "cost-center": "ml 42" },
      permissionsBoundaryArn: "arn:aws:iam::123456789012:policy/team-boundary",
    },
  ],
];
const templates: [string, string][] = [];
const dirs: string[] = [];

beforeAll(async () => {
  for (const [name, input] of variants) {
    const outDir = mkdtempSync(join(tmpdir(), `kindling-lint-${name}-`));
    dirs.push(outDir);
    const result = await synthFoundation(resolveFoundationSettings({ project: "demo", ...input }), {
      outDir,
      io: new RecordingHost(),
    });
    for (const t of result.templatePaths) templates.push([name, t]);
  }
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("offline IaC checks on every synthesized template", () => {
  it("cfn-lint reports no error and no warning", async () => {
    const bin = tool("cfn-lint");
    expect(templates.length).toBe(variants.length);
    for (const [name, path] of templates) {
      const matches = JSON.parse(await output(bin, ["--format", "json", "--", path])) as {
        Level: string;
        Rule: { Id: string };
        Message: string;
      }[];
      const serious = matches.filter((m) => m.Level === "Error" || m.Level === "Warning");
      expect(
        serious.map((m) => `${m.Level} ${m.Rule.Id}: ${m.Message}`),
        name,
      ).toEqual([]);
    }
  });

  it("checkov reports no failed check; every skip carries its reason", async () => {
    const bin = tool("checkov");
    for (const [name, path] of templates) {
      const report = JSON.parse(
        await output(bin, ["-f", path, "--framework", "cloudformation", "--skip-download", "-o", "json"], {
          // Offline: no platform mapping download.
          BC_SKIP_MAPPING: "TRUE",
        }),
      ) as {
        summary: { passed: number; failed: number; skipped: number };
        results: {
          failed_checks: { check_id: string; resource: string }[];
          skipped_checks: {
            check_id: string;
            resource: string;
            check_result: { suppress_comment?: string };
          }[];
        };
      };
      const failed = report.results.failed_checks.map((c) => `${c.check_id} ${c.resource}`);
      expect(failed, name).toEqual([]);
      // A stack that references nearly everything has far fewer resources to check, and no logs bucket.
      const referencesAll = name.startsWith("existing-everything");
      expect(report.summary.passed, name).toBeGreaterThan(referencesAll ? 10 : 50);
      for (const s of report.results.skipped_checks) {
        expect((s.check_result.suppress_comment ?? "").length, `${s.check_id} ${s.resource}`).toBeGreaterThan(
          40,
        );
      }
      expect(report.results.skipped_checks.map((s) => s.check_id)).toEqual(
        referencesAll ? [] : ["CKV_AWS_18"],
      );
    }
  });

  it("parliament finds nothing in any IAM identity policy the stack creates", async () => {
    const policies = await lintPolicies(templates.map(([, path]) => path));
    for (const [name] of variants) {
      const own = policies.filter((p) => templates.some(([n, path]) => n === name && path === p.template));
      expect(own.length, name).toBeGreaterThan(0);
      expect(
        own.flatMap((p) => p.findings.map((f) => `${p.resource} ${p.policy}: ${f.issue} ${f.detail}`)),
        name,
      ).toEqual([]);
    }
  });

  it("parliament does report a policy that names an action AWS does not have, or a resource of another service", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kindling-lint-bad-"));
    dirs.push(dir);
    const path = join(dir, "bad.json");
    const statement = (Action: string, Resource: unknown) => ({ Effect: "Allow", Action, Resource });
    writeFileSync(
      path,
      JSON.stringify({
        Resources: {
          Bucket: { Type: "AWS::S3::Bucket" },
          Careless: {
            Type: "AWS::IAM::Policy",
            Properties: {
              PolicyDocument: {
                Version: "2012-10-17",
                Statement: [
                  statement("s3:GetObjekt", "*"),
                  statement("s3:GetObject", { "Fn::GetAtt": ["Bucket", "Arn"] }),
                ],
              },
            },
          },
        },
      }),
    );
    const [careless] = await lintPolicies([path]);
    expect(careless?.findings.map((f) => f.issue).sort()).toEqual(["RESOURCE_MISMATCH", "UNKNOWN_ACTION"]);
  });
});

interface LintedPolicy {
  template: string;
  resource: string;
  policy: string;
  findings: { issue: string; severity: string; detail: string }[];
}

/** Every identity policy of the templates with parliament's findings (test/infra/lint_policies.py). */
async function lintPolicies(paths: string[]): Promise<LintedPolicy[]> {
  const script = fileURLToPath(new URL("./lint_policies.py", import.meta.url));
  return JSON.parse(await output(tool("python"), [script, ...paths])) as LintedPolicy[];
}
