import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { App, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { KindlingError } from "../errors.js";
import { FoundationStack } from "./foundationStack.js";
import { type FoundationSettings, resolveFoundationSettings } from "./settings.js";

/** Report file CDK writes into the cloud assembly after running validation plugins (cdk-nag among them). */
export const VALIDATION_REPORT_FILE = "validation-report.json";

/** One unacknowledged finding of a validation plugin (cdk-nag, or CDK's built-in template checks). */
export interface NagFinding {
  /** Plugin that reported it, e.g. "AwsSolutions". */
  plugin: string;
  /** Rule id, with the finding suffix when the rule reports several, e.g. "AwsSolutions-IAM5[Action::s3:*]". */
  rule: string;
  severity: "error" | "warning" | "info";
  description: string;
  /** Construct paths of the offending resources. */
  resources: string[];
}

export interface FoundationAppOptions {
  /** Cloud assembly directory. Default: a temporary directory chosen by CDK. */
  outdir?: string;
  /** Extra CDK context (toolkit-lib passes its context through here). */
  context?: Record<string, unknown>;
}

/**
 * Builds the CDK app holding the foundation stack, with cdk-nag's AwsSolutions pack registered as a
 * validation plugin. Pure: no network, no credentials. The stack is environment-agnostic unless the
 * settings name an account or region. Throws UsageError for settings kindling.yaml could not hold.
 */
export function createFoundationApp(
  settings: FoundationSettings,
  options: FoundationAppOptions = {},
): { app: App; stack: FoundationStack } {
  // Settings may be built in code rather than from a validated config: the config's own rules apply
  // (a no-op for settings from kindling.yaml), so nothing the schema refuses reaches CloudFormation.
  const checked = resolveFoundationSettings(settings);
  const app = new App({
    outdir: options.outdir,
    context: {
      ...options.context,
      // Kindling reads the validation report itself and routes it through the Reporter; CDK must not
      // print it to stderr or fail synthesis on its own.
      "@aws-cdk/core:failSynthOnValidationErrors": false,
      // Server access logs are delivered under a bucket policy, not an ACL (ACLs are disabled).
      "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy": true,
      "@aws-cdk/aws-iam:minimizePolicies": true,
      // The template goes inline to CloudFormation (no bootstrap bucket), at most 51,200 bytes: each
      // resource's aws:cdk:path metadata would take ~5 KB of it; plan groups resources by logical id.
      "aws:cdk:enable-path-metadata": false,
    },
    analyticsReporting: false,
  });
  const stack = new FoundationStack(app, checked);
  // cdk-nag v3: packs are CDK policy-validation plugins, constructed with the app as scope.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}

/** Reads the findings CDK recorded in the cloud assembly; acknowledged findings are already removed. */
export function readValidationFindings(assemblyDirectory: string): NagFinding[] {
  const file = join(assemblyDirectory, VALIDATION_REPORT_FILE);
  if (!existsSync(file)) return [];
  const report = JSON.parse(readFileSync(file, "utf8")) as ValidationReportJson;
  const findings: NagFinding[] = [];
  for (const plugin of report.pluginReports ?? []) {
    for (const v of plugin.violations ?? []) {
      findings.push({
        plugin: plugin.summary?.pluginName ?? plugin.pluginName ?? "unknown",
        rule: v.ruleName,
        severity: normalizeSeverity(v.severity),
        description: v.description ?? "",
        resources: (v.violatingConstructs ?? v.violatingResources ?? []).map(
          (r) => r.constructPath ?? r.resourceLogicalId ?? "?",
        ),
      });
    }
  }
  return findings;
}

/** Throws when any finding is an error: the foundation must synthesize with zero cdk-nag errors. */
export function assertNoNagErrors(findings: readonly NagFinding[]): void {
  const errors = findings.filter((f) => f.severity === "error");
  if (errors.length === 0) return;
  const lines = errors.map((f) => `  ${f.rule} at ${f.resources.join(", ")}: ${f.description}`);
  throw new KindlingError(
    `The foundation stack fails ${errors.length} security check(s):\n${lines.join("\n")}`,
    {
      hint: "Fix the construct, or acknowledge the rule next to it with a written reason (src/infra/constructs).",
    },
  );
}

function normalizeSeverity(s: string | undefined): NagFinding["severity"] {
  const v = (s ?? "").toLowerCase();
  if (v === "error" || v === "fatal") return "error";
  if (v === "warning" || v === "warn") return "warning";
  return "info";
}

interface ValidationReportJson {
  pluginReports?: {
    pluginName?: string;
    summary?: { pluginName?: string };
    violations?: {
      ruleName: string;
      description?: string;
      severity?: string;
      violatingResources?: { constructPath?: string; resourceLogicalId?: string }[];
      violatingConstructs?: { constructPath?: string; resourceLogicalId?: string }[];
    }[];
  }[];
}
