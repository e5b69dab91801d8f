// Bounded retries with capped exponential backoff and jitter.

import { PactlogError, Status, invalidArgument, toPactlogError } from "./errors";

export interface RetryOptions {
  /** Attempts in all, the first included; 1 disables retries. Default 5. */
  maxAttempts?: number;
  /** Backoff before the second attempt; doubles after each. Default 100 ms. */
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

/**
 * The retry policy of every unary call unless the client or the call says
 * otherwise (sdk/BEHAVIOUR.md): 5 attempts in all, 100 ms doubling to at
 * most 2 s between them, each wait drawn between half of that and all of it.
 */
export const RETRY_DEFAULTS: Readonly<Required<Omit<RetryOptions, "onRetry">>> = Object.freeze({
  maxAttempts: 5,
  initialBackoffMs: 100,
  maxBackoffMs: 2000,
});

export const DEFAULT_RETRY: ResolvedRetry = { ...RETRY_DEFAULTS, onRetry: undefined };

export function resolveRetry(base: ResolvedRetry, override?: RetryOptions): ResolvedRetry {
  const r: ResolvedRetry = {
    maxAttempts: override?.maxAttempts ?? base.maxAttempts,
    initialBackoffMs: override?.initialBackoffMs ?? base.initialBackoffMs,
    maxBackoffMs: override?.maxBackoffMs ?? base.maxBackoffMs,
    onRetry: override?.onRetry ?? base.onRetry,
  };
  if (!(Number.isInteger(r.maxAttempts) && r.maxAttempts >= 1)) {
    throw invalidArgument("retry.maxAttempts", `must be a whole number >= 1, got ${String(r.maxAttempts)}`);
  }
  if (!(r.initialBackoffMs >= 0 && Number.isFinite(r.initialBackoffMs))) {
    throw invalidArgument("retry.initialBackoffMs", `must be a number of milliseconds >= 0, got ${String(r.initialBackoffMs)}`);
  }
  if (!(r.maxBackoffMs >= r.initialBackoffMs && Number.isFinite(r.maxBackoffMs))) {
    throw invalidArgument(
      "retry.maxBackoffMs",
      `must be a number of milliseconds >= retry.initialBackoffMs (${r.initialBackoffMs}), got ${String(r.maxBackoffMs)}`,
    );
  }
  return r;
}

/** The capped exponential wait before retry number `retry` (1 = the first retry), without jitter. */
export function cappedBackoffMs(policy: Pick<ResolvedRetry, "initialBackoffMs" | "maxBackoffMs">, retry: number): number {
  return Math.min(policy.maxBackoffMs, policy.initialBackoffMs * 2 ** Math.min(retry - 1, 30));
}

/** The backoff before retry number `retry`, with jitter: between half of the capped wait and all of it. */
export function backoffMs(policy: Pick<ResolvedRetry, "initialBackoffMs" | "maxBackoffMs">, retry: number): number {
  const base = cappedBackoffMs(policy, retry);
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
 * Runs `attempt` until it succeeds, fails with an error `retryable` refuses, or
 * the attempts are used up; rejects with the last PactlogError, whose
 * `attempts` says how many were made.
 */
export async function withRetry<T>(
  policy: ResolvedRetry,
  retryable: (error: PactlogError) => boolean,
  attempt: (n: number) => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (e) {
      const error = toPactlogError(e).withAttempts(n);
      if (!retryable(error) || n >= policy.maxAttempts || signal?.aborted) throw error;
      const wait = backoffMs(policy, n);
      policy.onRetry?.(error, n, wait);
      await delay(wait, signal);
    }
  }
}
