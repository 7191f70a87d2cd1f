import { awsRegion } from "../config/deploy.js";
import type { Config } from "../config/schema.js";
import { emrReleaseOf } from "../config/sparkLine.js";
import { UsageError } from "../errors.js";
import { type FoundationSettings, serverlessSettingsOf, settingsOf } from "./settings.js";

/**
 * Maps the `project`, `aws:` and `serverless:` sections of kindling.yaml onto the foundation stack's
 * settings. The config was validated by its schema already; only the region override (--region, or the
 * credential chain's region) is new here, and it is checked with the same rule as `aws.region`. The
 * application's release defaults to the EMR target's (emr.release_label, else spark.line's), so both targets
 * run the same EMR release.
 */
export function foundationSettingsFrom(
  config: Config,
  overrides: { region?: string } = {},
): FoundationSettings {
  const region = overrides.region ? checkedRegion(overrides.region) : config.aws.region;
  return settingsOf(
    config.project,
    { ...config.aws, region },
    false,
    serverlessSettingsOf(config.serverless, emrReleaseOf(config)),
  );
}

function checkedRegion(region: string): string {
  const result = awsRegion.safeParse(region);
  if (result.success) return result.data;
  throw new UsageError(`Region ${JSON.stringify(region)} ${result.error.issues[0]?.message}.`, {
    hint: "Pass --region (or set aws.region, AWS_REGION) to a region name such as eu-west-1.",
  });
}
