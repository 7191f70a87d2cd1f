import { createInterface } from "node:readline/promises";
import type { Confirm } from "../infra/ioHost.js";

/** A y/N prompt on the terminal; undefined when there is no terminal to ask on (then --yes is needed). */
export function terminalConfirm(): Confirm | undefined {
  if (!process.stdin.isTTY || !process.stderr.isTTY) return undefined;
  return async (question) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    try {
      const answer = await rl.question(`${question} [y/N] `);
      return /^y(es)?$/i.test(answer.trim());
    } finally {
      rl.close();
    }
  };
}
