/**
 * Invariant checks for programmer errors, for code that runs in Node and in browsers (proto/
 * and client/), where `node:assert` does not exist. The subset of `node:assert/strict` this
 * code uses, with the same meaning: `ok` for a condition, `equal` for `===`, `fail`. A failed
 * check throws an AssertionError with `code` 'ERR_ASSERTION', as Node's does; operating errors
 * (bad input, closed sockets) are typed Strata errors instead, never these.
 */

export class AssertionError extends Error {
  readonly code = 'ERR_ASSERTION';

  constructor(message: string) {
    super(message);
    this.name = 'AssertionError';
  }
}

function ok(condition: unknown, message?: string): asserts condition {
  if (!condition) throw new AssertionError(message ?? 'assertion failed');
}

function equal<T>(actual: unknown, expected: T, message?: string): asserts actual is T {
  if (actual !== expected) throw new AssertionError(message ?? `expected ${String(expected)}, got ${String(actual)}`);
}

function fail(message: string): never {
  throw new AssertionError(message);
}

/** Callable like `assert(x)`, with `assert.ok`, `assert.equal` and `assert.fail`. */
const assert: typeof ok & { ok: typeof ok; equal: typeof equal; fail: typeof fail } = Object.assign(
  (condition: unknown, message?: string): asserts condition => ok(condition, message),
  { ok, equal, fail },
);

export default assert;
