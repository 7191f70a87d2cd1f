import { stackNameOf } from "../config/deploy.js";
import type { Confirmable } from "../config/environments.js";
import type { LoadedConfig } from "../config/load.js";
import { UsageError } from "../errors.js";
import type { Confirm } from "../infra/ioHost.js";
import { terminalConfirm, terminalTypedConfirm } from "./confirm.js";

/**
 * Asks before `command` starts when the config's environment lists it under `confirm:` (e.g. deploy
 * and destroy on prod); `--yes` answers for a script. Without a terminal and without --yes it refuses,
 * before anything is created or deleted. Returns whether the person was asked (destroy then skips its
 * own question).
 */
export async function confirmInEnvironment(
  loaded: LoadedConfig,
  command: Confirmable,
  what: string,
  options: { yes?: boolean; confirm?: Confirm | undefined },
): Promise<boolean> {
  const environment = loaded.environment;
  if (!environment?.confirm.includes(command) || options.yes) return false;
  const where = `environments.${environment.name}.confirm`;
  const confirm =
    "confirm" in options
      ? options.confirm
      : command === "destroy"
        ? terminalTypedConfirm(environment.name)
        : terminalConfirm();
  if (!confirm) {
    throw new UsageError(
      `environment ${environment.name} asks before \`${command}\` (${where}), and there is no terminal to ask on`,
      { hint: "Pass --yes to go ahead, or run it in a terminal." },
    );
  }
  if (!(await confirm(`Environment ${environment.name} (${whereItActs(loaded)}): ${what}?`))) {
    throw new UsageError(`${command} not started: not approved (${where})`);
  }
  return true;
}

/** The stack, account and region a command in this environment acts on, as far as the config says. */
function whereItActs({ config }: LoadedConfig): string {
  return [
    `stack ${stackNameOf(config.project, config.aws.environment)}`,
    ...(config.aws.account ? [`account ${config.aws.account}`] : []),
    ...(config.aws.region ? [config.aws.region] : []),
  ].join(", ");
}
