import type { IIoHost, IoMessage, IoRequest } from "@aws-cdk/toolkit-lib";
import { CODES } from "../ui/codes.js";
import type { IoHost } from "../ui/io.js";

/** Asks the person a yes/no question; resolves to their answer. Supplied by the CLI (a TTY prompt). */
export type Confirm = (question: string) => Promise<boolean>;

export interface ForwardingIoHostOptions {
  /** Answer yes to every toolkit confirmation (the CLI's --yes). Default false. */
  yes?: boolean;
  /** Prompt for toolkit confirmations (e.g. security-sensitive IAM changes). Default: the toolkit's default answer. */
  confirm?: Confirm;
  /** Toolkit request codes answered "yes" without asking, because Kindling already asked. Default none. */
  preConfirmed?: readonly string[];
  /**
   * Show the toolkit's rendered diff as a result. Default true (deploy shows what it changes); `plan`
   * renders its own summary of the same diff, so it passes false and the diff goes to debug.
   */
  showDiff?: boolean;
}

// Toolkit results worth showing verbatim: the rendered diff. Other results (the synthesized template,
// stack data) are for programs and go to debug.
const PRINTED_RESULTS = new Set(["CDK_TOOLKIT_I4001", "CDK_TOOLKIT_I4002"]);

/**
 * An IIoHost that forwards toolkit-lib's messages to Kindling's host by level (the toolkit's own code in
 * the payload) and answers its questions through `confirm`, so no toolkit output bypasses Kindling's UI.
 */
export function forwardingIoHost(io: IoHost, options: ForwardingIoHostOptions = {}): IIoHost {
  const notify = async (msg: IoMessage<unknown>): Promise<void> => {
    const text = msg.message.trimEnd();
    if (text === "") return;
    const data = msg.code !== undefined ? { toolkitCode: msg.code } : {};
    switch (msg.level) {
      case "error":
      case "warn":
        io.notify(CODES.INFRA_TOOLKIT_WARN.msg(text, data));
        return;
      case "result":
        io.notify(
          options.showDiff !== false && msg.code !== undefined && PRINTED_RESULTS.has(msg.code)
            ? CODES.INFRA_TOOLKIT_RESULT.msg(text, data)
            : CODES.INFRA_TOOLKIT_DEBUG.msg(text, data),
        );
        return;
      case "info":
        io.notify(CODES.INFRA_TOOLKIT.msg(text, data));
        return;
      default:
        io.notify(CODES.INFRA_TOOLKIT_DEBUG.msg(text, data));
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
