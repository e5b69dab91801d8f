// Bounded retries with capped exponential backoff and jitter.

import { PactlogError, Status, toPactlogError } from "./errors";

export interface RetryOptions {
  /** Attempts in all, the first included; 1 disables retries. Default 5. */
  maxAttempts?: number;
  /** Backoff before the second attempt; doubles after each. Default 50 ms. */
  initialBackoffMs?: number;
  /** Upper bound of one backoff. Default 2000 ms. */
  maxBackoffMs?: number;
  /** Called before each retry, e.g. to log it. */
  onRetry?: (error: PactlogError, attempt: number, delayMs: number) => void;
}

export interface ResolvedRetry {
  maxAttempts: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  onRetry: ((error: PactlogError, attempt: number, delayMs: number) => void) | undefined;
}

export const DEFAULT_RETRY: ResolvedRetry = {
  maxAttempts: 5,
  initialBackoffMs: 50,
  maxBackoffMs: 2000,
  onRetry: undefined,
};

export function resolveRetry(base: ResolvedRetry, override?: RetryOptions): ResolvedRetry {
  const r: ResolvedRetry = {
    maxAttempts: override?.maxAttempts ?? base.maxAttempts,
    initialBackoffMs: override?.initialBackoffMs ?? base.initialBackoffMs,
    maxBackoffMs: override?.maxBackoffMs ?? base.maxBackoffMs,
    onRetry: override?.onRetry ?? base.onRetry,
  };
  if (!(r.maxAttempts >= 1)) throw new RangeError(`retry.maxAttempts must be >= 1, got ${r.maxAttempts}`);
  if (!(r.initialBackoffMs >= 0)) throw new RangeError(`retry.initialBackoffMs must be >= 0, got ${r.initialBackoffMs}`);
  if (!(r.maxBackoffMs >= r.initialBackoffMs)) {
    throw new RangeError(`retry.maxBackoffMs must be >= initialBackoffMs, got ${r.maxBackoffMs}`);
  }
  return r;
}

/** The backoff before retry number `retry` (1 = the first retry). */
export function backoffMs(policy: Pick<ResolvedRetry, "initialBackoffMs" | "maxBackoffMs">, retry: number): number {
  const base = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * 2 ** Math.min(retry - 1, 30));
  // Half fixed, half random: spreads clients that failed together.
  return base / 2 + Math.random() * (base / 2);
}

/** Resolves after `ms`, or rejects early when `signal` aborts. */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new PactlogError(Status.CANCELLED, "cancelled"));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(new PactlogError(Status.CANCELLED, "cancelled"));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Runs `attempt` until it succeeds, fails with a code not in `retryable`, or
 * the attempts are used up; rejects with the last PactlogError.
 */
export async function withRetry<T>(
  policy: ResolvedRetry,
  retryable: ReadonlySet<Status>,
  attempt: (n: number) => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (e) {
      const error = toPactlogError(e);
      if (!retryable.has(error.code) || n >= policy.maxAttempts) throw error;
      const wait = backoffMs(policy, n);
      policy.onRetry?.(error, n, wait);
      await delay(wait, signal);
    }
  }
}
