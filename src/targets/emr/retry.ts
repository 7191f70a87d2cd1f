import { KindlingError } from "../../errors.js";
import { isThrottling, messageOf } from "./awsErrors.js";

/** Waits `ms`, or less when `signal` aborts (then resolves early; callers check the signal). */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const realSleep: Sleep = (ms, signal) =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });

export interface RetryPolicy {
  /** Attempts in all, the first included. Default 8. */
  maxAttempts: number;
  /** First backoff, doubled each retry. Default 1000 ms. */
  baseDelayMs: number;
  /** Cap of one backoff. Default 30000 ms. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 8, baseDelayMs: 1000, maxDelayMs: 30_000 };

/** Throttling outlasted the retry cap. */
export class ThrottledError extends KindlingError {}

/**
 * Calls `fn`, retrying throttling errors with capped exponential backoff and full jitter. This sits on top
 * of the SDK's own retries: EMR's Describe* limits are per account, so a busy account can throttle a
 * watcher for longer than the SDK's three quick attempts.
 */
export async function withThrottleRetry<T>(
  what: string,
  fn: () => Promise<T>,
  options: {
    sleep: Sleep;
    policy?: RetryPolicy;
    random?: () => number;
    onRetry?: (attempt: number, delayMs: number, error: unknown) => void;
  },
): Promise<T> {
  const policy = options.policy ?? DEFAULT_RETRY;
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (!isThrottling(error)) throw error;
      if (attempt >= policy.maxAttempts) {
        throw new ThrottledError(
          `${what} was still throttled after ${attempt} attempts: ${messageOf(error)}`,
          {
            hint: "AWS is limiting API calls in this account; wait a minute and check `kindling status <run>`.",
            cause: error,
          },
        );
      }
      const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      const delay = Math.max(policy.baseDelayMs / 2, Math.round(ceiling * random()));
      options.onRetry?.(attempt, delay, error);
      await options.sleep(delay);
    }
  }
}
