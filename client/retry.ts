/**
 * Retry policy: only errors whose `retriable` flag is true are retried, with exponential
 * backoff and jitter, a bounded number of times (produce batches: until their delivery
 * deadline, see producer.ts). When retries run out, the error thrown has the
 * class and code of the last failure (so `instanceof` checks keep working), says how many
 * attempts were made, and has the last failure as its `cause`. A non-retriable error ends the
 * loop and is thrown as is.
 *
 * Delays: attempt n (0-based) waits min(maxRetryTimeMs, initialRetryTimeMs * multiplier^n),
 * scaled by a random factor in [1 - RETRY_JITTER_FRACTION, 1 + RETRY_JITTER_FRACTION] and
 * clamped to maxRetryTimeMs again, so the ceiling is a hard bound.
 */
import { InvalidConfigError, StrataError } from '../proto/errors.js';
import {
  RETRIES_DEFAULT, RETRIES_MAX, RETRY_JITTER_FRACTION, RETRY_MULTIPLIER_DEFAULT, RETRY_TIME_MS_INITIAL_DEFAULT,
  RETRY_TIME_MS_MAX_DEFAULT,
} from './constants.js';

/**
 * How failed requests are retried (Kafka's shape since KIP-580: exponential backoff from
 * retry.backoff.ms, capped at retry.backoff.max.ms, ±20% jitter).
 */
export interface RetryOptions {
  /**
   * Retries after the first attempt (so up to retries + 1 attempts). Produce batches retry until
   * the producer's `deliveryTimeoutMs` unless this is given (Kafka's retries=MAX with
   * delivery.timeout.ms); when given it bounds them too.
   * @default 8
   */
  retries?: number;
  /** Delay before the first retry, before jitter. @default 100 */
  initialRetryTimeMs?: number;
  /** Ceiling on any single delay. @default 1000 */
  maxRetryTimeMs?: number;
  /** Growth factor of the delay from one retry to the next. @default 2 */
  multiplier?: number;
}

export type RetryPolicy = Readonly<Required<RetryOptions> & {
  /** Whether `retries` was given (not defaulted): produce batches then stop after that many. */
  retriesGiven: boolean;
}>;

export function resolveRetryPolicy(options: RetryOptions = {}): RetryPolicy {
  const policy = {
    retriesGiven: options.retries !== undefined,
    retries: options.retries ?? RETRIES_DEFAULT,
    initialRetryTimeMs: options.initialRetryTimeMs ?? RETRY_TIME_MS_INITIAL_DEFAULT,
    maxRetryTimeMs: options.maxRetryTimeMs ?? RETRY_TIME_MS_MAX_DEFAULT,
    multiplier: options.multiplier ?? RETRY_MULTIPLIER_DEFAULT,
  };
  if (!Number.isInteger(policy.retries) || policy.retries < 0 || policy.retries > RETRIES_MAX) {
    throw new InvalidConfigError(`retry.retries must be an integer in [0, ${RETRIES_MAX}], got ${policy.retries}`);
  }
  if (!(policy.initialRetryTimeMs >= 0) || !(policy.maxRetryTimeMs >= policy.initialRetryTimeMs)) {
    throw new InvalidConfigError('retry times must satisfy 0 <= initialRetryTimeMs <= maxRetryTimeMs');
  }
  if (!(policy.multiplier >= 1)) throw new InvalidConfigError(`retry.multiplier must be >= 1, got ${policy.multiplier}`);
  return Object.freeze(policy);
}

/** The delay before retry number `attempt` (0 = first retry). `random` is injectable for tests. */
export function backoffDelayMs(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const base = Math.min(policy.maxRetryTimeMs, policy.initialRetryTimeMs * policy.multiplier ** attempt);
  const jitter = 1 - RETRY_JITTER_FRACTION + 2 * RETRY_JITTER_FRACTION * random();
  return Math.min(policy.maxRetryTimeMs, Math.round(base * jitter));
}

/** True when `err` is a Strata error the broker (or the connection) marked as worth retrying. */
export function isRetriable(err: unknown): boolean {
  return err instanceof StrataError && err.retriable === true;
}

export interface RetryHooks {
  /** Called before each wait; for logging. */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  /** Checked before each retry: true stops the loop (the client is closing). */
  stopped?: () => boolean;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `fn` until it succeeds, throws a non-retriable error, or has failed `retries + 1` times.
 * `fn` receives the attempt number (0-based).
 */
export async function retry<T>(fn: (attempt: number) => Promise<T>, policy: RetryPolicy, hooks: RetryHooks = {}): Promise<T> {
  const wait = hooks.sleep ?? sleep;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (!isRetriable(err) || hooks.stopped?.()) throw err;
      if (attempt >= policy.retries) throw retriesExhausted(err as StrataError, attempt + 1);
      const delayMs = backoffDelayMs(policy, attempt, hooks.random);
      hooks.onRetry?.(err, attempt, delayMs);
      await wait(delayMs);
      if (hooks.stopped?.()) throw err;
    }
  }
}

/**
 * A fresh error of the same class as `last`, whose `cause` is `last`. Error classes in
 * proto/errors.ts take a message first; `cause` is set afterwards because not all of them
 * accept options, and it is an ordinary own property of Error.
 */
export function retriesExhausted(last: StrataError, attempts: number): StrataError {
  const Cls = last.constructor as new (message?: string) => StrataError;
  let err: StrataError;
  try {
    err = new Cls(`${last.message} (gave up after ${attempts} attempts)`);
  } catch {
    err = new StrataError(last.code, `${last.message} (gave up after ${attempts} attempts)`);
  }
  if (err.code !== last.code) err = new StrataError(last.code, err.message);
  Object.defineProperty(err, 'cause', { value: last, enumerable: false, writable: true, configurable: true });
  return err;
}
