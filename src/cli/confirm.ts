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

/**
 * A prompt that goes ahead only when the person types `expected` (the environment's name): for deleting
 * what a protected environment holds, a reflexive "y" is not enough.
 */
export function terminalTypedConfirm(expected: string): Confirm | undefined {
  if (!process.stdin.isTTY || !process.stderr.isTTY) return undefined;
  return async (question) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    try {
      return (await rl.question(`${question} Type ${expected} to go ahead: `)).trim() === expected;
    } finally {
      rl.close();
    }
  };
}
