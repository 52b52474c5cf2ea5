/**
 * How one API of the table travels in the WebSocket protocol: its command from the decoded
 * protobuf request body, its protobuf response body from the result. One entry per API; the
 * frame codec (ws-codec.ts) does the framing and the errors.
 */
import { errorToWire, type StrataError, type WireError } from '../../../proto/errors.js';
import type { ApiCommand, ApiName, ApiResult } from '../../server/api-table.js';

export interface WsApiCodec<N extends ApiName> {
  /** May throw a StrataError (InvalidRequestError...): the request is answered with it. */
  command(body: never): ApiCommand<N>;
  response(result: ApiResult<N>): object;
}

export type WsApiCodecs = { readonly [N in ApiName]: WsApiCodec<N> };

/** A per-item error in its wire form; null stays null (nothing on the wire). */
export function wireError(err: StrataError | null | undefined): WireError | null {
  return err ? errorToWire(err) : null;
}

/** Groups per-item rows by topic, keeping first-seen order: the wire's topics-of-partitions nesting. */
export function byTopic<T extends { topic: string }, R>(rows: readonly T[], map: (row: T) => R): Array<{ name: string; partitions: R[] }> {
  const out = new Map<string, R[]>();
  for (const row of rows) {
    let list = out.get(row.topic);
    if (!list) out.set(row.topic, (list = []));
    list.push(map(row));
  }
  return [...out].map(([name, partitions]) => ({ name, partitions }));
}
