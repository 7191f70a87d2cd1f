import type { FoundationOutputs } from "../../infra/foundationStack.js";
import type { Reporter } from "../../ui/reporter.js";
import { messageOf } from "./awsErrors.js";

/** The foundation operations `run --deploy --destroy` needs; the CLI wires toolkit.ts, tests fakes. */
export interface FoundationOps {
  /** The deployed stack's outputs, or undefined when it does not exist. */
  find(): Promise<FoundationOutputs | undefined>;
  deploy(): Promise<FoundationOutputs>;
  destroy(): Promise<void>;
}

/**
 * The seed's whole lifecycle in one call: deploy the foundation if it is absent (with `deploy`), run,
 * and destroy it afterwards (with `destroy`) — also when the run fails or is interrupted. A destroy
 * failure after a failed run is reported without hiding the run's own error.
 */
export async function withFoundation<T>(
  options: { deploy: boolean; destroy: boolean; ops: FoundationOps; reporter: Reporter },
  run: (foundation: FoundationOutputs | undefined) => Promise<T>,
): Promise<T> {
  const { ops, reporter } = options;
  let foundation: FoundationOutputs | undefined;
  let destroyNeeded = false;
  let result: T;
  try {
    if (options.deploy) {
      foundation = await ops.find();
      if (foundation) {
        reporter.info("The foundation stack is already deployed: using it.");
      } else {
        // From here on something may exist that --destroy must remove, even if deploy fails half-way.
        destroyNeeded = options.destroy;
        foundation = await ops.deploy();
      }
    }
    destroyNeeded = options.destroy;
    result = await run(foundation);
  } catch (error) {
    if (destroyNeeded) {
      await ops.destroy().catch((e: unknown) => {
        reporter.warn(`Destroying the foundation failed too: ${messageOf(e)}. Run \`kindling destroy\`.`);
      });
    }
    throw error;
  }
  if (destroyNeeded) await ops.destroy();
  return result;
}
