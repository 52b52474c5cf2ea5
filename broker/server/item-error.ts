/**
 * Per-item failures (one partition of a produce, one topic of a create) travel inside results
 * as StrataError instances. Anything else thrown is a bug or an environment failure: it is
 * logged here at error level, with what it was about, and becomes UnknownServerError, whose
 * default message hides internals (paths, stack) from the client; the original is its `cause`.
 */
import { StrataError, UnknownServerError } from '../../proto/errors.js';
import type { RequestContext } from './request-context.js';

export function itemError(ctx: RequestContext, err: unknown, about: Readonly<Record<string, unknown>>): StrataError {
  if (err instanceof StrataError) return err;
  ctx.logger.error({ err, ...about }, 'unexpected failure of one item of a request');
  return new UnknownServerError(undefined, { cause: err });
}
