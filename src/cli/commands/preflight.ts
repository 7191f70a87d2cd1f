import { createAwsClients, createReadOnlyClients } from "../../aws/clients.js";
import { loadConfig, loadOptionsOf } from "../../config/load.js";
import { KindlingError } from "../../errors.js";
import { foundationSettingsFrom } from "../../infra/fromConfig.js";
import { stackNameFor } from "../../infra/settings.js";
import { preflight } from "../../targets/emr/preflight.js";
import { type Check, checkLines } from "../../ui/checks.js";
import type { CommandIO } from "../io.js";
import type { PreflightOptions } from "../options.js";

/** `kindling preflight`: read-only checks of the account a cloud run would use, one line each. */
export async function preflightCommand(options: PreflightOptions, io: CommandIO): Promise<void> {
  const loaded = await loadConfig(options.config, loadOptionsOf(options));
  const { config } = loaded;
  const target = {
    ...(options.profile ? { profile: options.profile } : {}),
    ...((options.region ?? config.aws.region) ? { region: options.region ?? config.aws.region } : {}),
  };
  const aws = await createAwsClients(target);
  const readers = await createReadOnlyClients({ ...target, region: aws.region });
  const stackName = stackNameFor(foundationSettingsFrom(config, { region: aws.region }));
  const checks = await preflight(
    { ...readers, s3: aws.s3, emr: aws.emr, cloudFormation: aws.cloudFormation },
    { config, target: options.target, region: aws.region, stackName },
  );
  io.emitJson({ ok: checks.every((c) => c.status !== "fail"), target: options.target, checks });
  for (const line of checkLines(checks)) io.print(line);
  if (checks.some((c) => c.status === "fail")) throw new PreflightFailed(checks);
}

/** A check failed; under --json the error carries every check, since nothing else is printed. */
class PreflightFailed extends KindlingError {
  readonly checks: Check[];
  constructor(checks: Check[]) {
    const failed = checks.filter((c) => c.status === "fail").map((c) => c.name);
    super(`Preflight: ${failed.join(", ")} would stop a run (see above).`);
    this.checks = checks;
  }
}
