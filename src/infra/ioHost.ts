import type { IIoHost, IoMessage, IoRequest } from "@aws-cdk/toolkit-lib";
import type { Reporter } from "../ui/reporter.js";

/** Asks the person a yes/no question; resolves to their answer. Supplied by the CLI (a TTY prompt). */
export type Confirm = (question: string) => Promise<boolean>;

export interface ReporterIoHostOptions {
  /** Answer yes to every toolkit confirmation (the CLI's --yes). Default false. */
  yes?: boolean;
  /** Prompt for toolkit confirmations (e.g. security-sensitive IAM changes). Default: the toolkit's default answer. */
  confirm?: Confirm;
  /** Toolkit request codes answered "yes" without asking, because Kindling already asked. Default none. */
  preConfirmed?: readonly string[];
}

// Toolkit results worth showing verbatim: the rendered diff. Other results (the synthesized template,
// stack data) are for programs and go to debug.
const PRINTED_RESULTS = new Set(["CDK_TOOLKIT_I4001", "CDK_TOOLKIT_I4002"]);

/**
 * An IIoHost that forwards toolkit-lib's messages to the Reporter by level and answers its questions
 * through `confirm`, so no toolkit output bypasses Kindling's UI (no console.log anywhere).
 */
export function reporterIoHost(reporter: Reporter, options: ReporterIoHostOptions = {}): IIoHost {
  const notify = async (msg: IoMessage<unknown>): Promise<void> => {
    const text = msg.message.trimEnd();
    if (text === "") return;
    switch (msg.level) {
      case "error":
      case "warn":
        reporter.warn(text);
        return;
      case "result":
        if (msg.code !== undefined && PRINTED_RESULTS.has(msg.code)) reporter.print(text);
        else reporter.debug(text);
        return;
      case "info":
        reporter.info(text);
        return;
      default:
        reporter.debug(text);
    }
  };
  return {
    notify,
    async requestResponse<T>(msg: IoRequest<unknown, T>): Promise<T> {
      if (typeof msg.defaultResponse !== "boolean") {
        await notify(msg);
        return msg.defaultResponse;
      }
      if (options.yes || options.preConfirmed?.includes(msg.code)) return true as T;
      if (options.confirm) return (await options.confirm(msg.message.trim())) as T;
      await notify(msg);
      return msg.defaultResponse;
    },
  };
}
