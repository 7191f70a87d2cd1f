import type { Config } from "../config/schema.js";
import { type FoundationSettings, resolveFoundationSettings } from "./settings.js";

/** Maps the `project` and `aws:` sections of kindling.yaml onto the foundation stack's settings. */
export function foundationSettingsFrom(
  config: Config,
  overrides: { region?: string } = {},
): FoundationSettings {
  const aws = config.aws;
  return resolveFoundationSettings({
    project: config.project,
    environment: aws.environment,
    network: aws.network,
    encryption: aws.encryption,
    logsRetentionDays: aws.logs_retention_days,
    flowLogsRetentionDays: aws.flow_logs_retention_days,
    inTransitEncryption: aws.in_transit_encryption,
    ...(overrides.region ? { region: overrides.region } : aws.region ? { region: aws.region } : {}),
    ...(aws.account ? { account: aws.account } : {}),
    ...(aws.in_transit_certificate_s3_uri
      ? { inTransitCertificateS3Uri: aws.in_transit_certificate_s3_uri }
      : {}),
    ...(aws.s3_prefix_list_id ? { s3PrefixListId: aws.s3_prefix_list_id } : {}),
  });
}
