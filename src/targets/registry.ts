import type { EmrDeps, EmrTargetOptions } from "./emr/target.js";
import type { LocalTargetOptions } from "./local/target.js";
import type { ServerlessDeps, ServerlessTargetOptions } from "./serverless/target.js";
import type { StandaloneTargetOptions } from "./standalone/target.js";
import type { Target, TargetContext } from "./target.js";

/** A target as a command names it, with that target's own options. */
export type TargetChoice =
  | ({ name: "local" } & LocalTargetOptions)
  | ({ name: "standalone" } & StandaloneTargetOptions)
  | ({ name: "emr"; deps?: EmrDeps } & EmrTargetOptions)
  | ({ name: "emr-serverless"; deps?: ServerlessDeps } & ServerlessTargetOptions);

/**
 * Builds the target a command asked for. Each target's module is loaded only when chosen, so a local run
 * never loads the AWS SDK.
 */
export async function createTarget(choice: TargetChoice, context: TargetContext): Promise<Target> {
  switch (choice.name) {
    case "local": {
      const { LocalTarget } = await import("./local/target.js");
      return new LocalTarget(context, choice.master ? { master: choice.master } : {});
    }
    case "standalone": {
      const { StandaloneTarget } = await import("./standalone/target.js");
      const { name: _, ...options } = choice;
      return new StandaloneTarget(context, options);
    }
    case "emr": {
      const { EmrTarget } = await import("./emr/target.js");
      const { name: _, deps, ...options } = choice;
      return new EmrTarget(context, options, deps);
    }
    case "emr-serverless": {
      const { ServerlessTarget } = await import("./serverless/target.js");
      const { name: _, deps, ...options } = choice;
      return new ServerlessTarget(context, options, deps);
    }
  }
}
