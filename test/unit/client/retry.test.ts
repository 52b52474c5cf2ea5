import { describe, expect, it } from 'vitest';
import {
  ConnectionClosedError, InvalidConfigError, RequestTimedOutError, StrataError, UnknownTopicError,
} from '../../../proto/errors.js';
import { backoffDelayMs, resolveRetryPolicy, retry, retriesExhausted } from '../../../client/retry.js';
import { RETRY_JITTER_FRACTION } from '../../../client/constants.js';

const noSleep = async (): Promise<void> => {};

describe('retry', () => {
  it('retries retriable errors until the call succeeds', async () => {
    let calls = 0;
    const result = await retry(async () => {
      calls++;
      if (calls < 3) throw new ConnectionClosedError('gone');
      return 'ok';
    }, resolveRetryPolicy({ retries: 5 }), { sleep: noSleep });
    expect(result).toBe('ok');
    expect(calls).toBe(3);
  });

  it('does not retry a non-retriable error', async () => {
    let calls = 0;
    const err = new UnknownTopicError('nope');
    await expect(retry(async () => { calls++; throw err; }, resolveRetryPolicy({ retries: 5 }), { sleep: noSleep })).rejects.toBe(err);
    expect(calls).toBe(1);
  });

  it('does not retry plain errors, which carry no retriable flag', async () => {
    let calls = 0;
    await expect(retry(async () => { calls++; throw new Error('bug'); }, resolveRetryPolicy(), { sleep: noSleep })).rejects.toThrow('bug');
    expect(calls).toBe(1);
  });

  it('gives up after retries + 1 attempts with an error of the same class whose cause is the last failure', async () => {
    let calls = 0;
    let last: Error | undefined;
    const promise = retry(async () => {
      calls++;
      last = new RequestTimedOutError(`attempt ${calls}`);
      throw last;
    }, resolveRetryPolicy({ retries: 3 }), { sleep: noSleep });
    const err = await promise.catch((e: unknown) => e) as StrataError;
    expect(calls).toBe(4);
    expect(err).toBeInstanceOf(RequestTimedOutError);
    expect(err.retriable).toBe(true);
    expect(err.cause).toBe(last);
    expect(err.message).toContain('4 attempts');
  });

  it('stops retrying once stopped() says so', async () => {
    let calls = 0;
    let stop = false;
    const err = new ConnectionClosedError('x');
    await expect(retry(async () => { calls++; stop = true; throw err; }, resolveRetryPolicy({ retries: 5 }), {
      sleep: noSleep, stopped: () => stop,
    })).rejects.toBe(err);
    expect(calls).toBe(1);
  });

  it('waits growing, bounded delays between attempts', async () => {
    const delays: number[] = [];
    const policy = resolveRetryPolicy({ retries: 6, initialRetryTimeMs: 100, maxRetryTimeMs: 1000, multiplier: 2 });
    await retry(async () => { throw new ConnectionClosedError(); }, policy, {
      sleep: async (ms) => { delays.push(ms); }, random: () => 0.5,
    }).catch(() => {});
    expect(delays).toEqual([100, 200, 400, 800, 1000, 1000]);
  });
});

describe('backoffDelayMs', () => {
  const policy = resolveRetryPolicy({ initialRetryTimeMs: 100, maxRetryTimeMs: 5000, multiplier: 3 });

  it('stays within the jitter band around the exponential curve', () => {
    for (let attempt = 0; attempt < 10; attempt++) {
      const base = Math.min(5000, 100 * 3 ** attempt);
      const lo = backoffDelayMs(policy, attempt, () => 0);
      const hi = backoffDelayMs(policy, attempt, () => 0.999999);
      expect(lo).toBe(Math.round(base * (1 - RETRY_JITTER_FRACTION)));
      expect(hi).toBeLessThanOrEqual(5000);
      expect(hi).toBeGreaterThanOrEqual(Math.min(5000, Math.round(base * (1 + RETRY_JITTER_FRACTION)) - 1));
    }
  });

  it('never exceeds maxRetryTimeMs, even with jitter', () => {
    for (let i = 0; i < 1000; i++) expect(backoffDelayMs(policy, 50)).toBeLessThanOrEqual(5000);
  });
});

describe('resolveRetryPolicy', () => {
  it('rejects nonsensical options', () => {
    expect(() => resolveRetryPolicy({ retries: -1 })).toThrow(InvalidConfigError);
    expect(() => resolveRetryPolicy({ retries: 1e9 })).toThrow(InvalidConfigError);
    expect(() => resolveRetryPolicy({ initialRetryTimeMs: 500, maxRetryTimeMs: 100 })).toThrow(InvalidConfigError);
    expect(() => resolveRetryPolicy({ multiplier: 0.5 })).toThrow(InvalidConfigError);
  });

  it('fills defaults', () => {
    expect(resolveRetryPolicy()).toEqual({ retriesGiven: false, retries: 8, initialRetryTimeMs: 100, maxRetryTimeMs: 1_000, multiplier: 2 });
  });
});

describe('retriesExhausted', () => {
  it('keeps the code of an error class that is not in this build', () => {
    const last = new StrataError(999 as never, 'future');
    const err = retriesExhausted(last, 2);
    expect(err.code).toBe(999);
    expect(err.cause).toBe(last);
  });
});
