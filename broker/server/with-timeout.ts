/**
 * Bounds how long a handler waits on storage: `withTimeout(p, ms)` settles like `p`, or rejects
 * with RequestTimedOutError after `ms`. The timer is cleared as soon as `p` settles, and a late
 * rejection of `p` is still observed, so no unhandled rejection escapes.
 */
import { RequestTimedOutError } from '../../proto/errors.js';

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new RequestTimedOutError(`${what} did not complete within ${ms} ms`)), ms);
    p.then(
      (v) => { clearTimeout(timer); resolve(v); },
      (err: unknown) => { clearTimeout(timer); reject(err); },
    );
  });
}
