/**
 * WebSocket codecs of push delivery (Subscribe, SubscriptionCredit, Unsubscribe). The pushed
 * batches themselves are framed by ws-codec.ts (Response.pushed, the fetch frame writer).
 */
import { InvalidRequestError } from '../../../proto/errors.js';
import type { strata } from '../../../proto/gen/strata.js';
import type { FetchTopic } from '../../server/api/fetch.js';
import type { WsApiCodec } from './api-codec.js';

function partitionNumbers(topics: readonly strata.v1.ISubscriptionTopic[] | null | undefined): Array<{ name: string; partitions: number[] }> {
  return (topics ?? []).map((t) => {
    if (!t.name) throw new InvalidRequestError('unsubscribe names a topic without a name');
    return { name: t.name, partitions: [...(t.partitions ?? [])] };
  });
}

export const subscribe: WsApiCodec<'subscribe'> = {
  command: (b: strata.v1.SubscribeRequest) => ({
    subscriptionId: b.subscriptionId ?? 0,
    creditBytes: b.creditBytes ?? 0,
    // Decoded as fetch topics are (int64s are numbers: proto/pb-config.ts).
    topics: (b.topics ?? []) as unknown as readonly FetchTopic[],
  }),
  response: () => ({}),
};

export const subscriptionCredit: WsApiCodec<'subscriptionCredit'> = {
  command: (b: strata.v1.SubscriptionCreditRequest) => ({ subscriptionId: b.subscriptionId ?? 0, creditBytes: b.creditBytes ?? 0 }),
  // Never sent: credit takes no answer (api-table.ts expectsAnswer).
  response: () => ({}),
};

export const unsubscribe: WsApiCodec<'unsubscribe'> = {
  command: (b: strata.v1.UnsubscribeRequest) => ({ subscriptionId: b.subscriptionId ?? 0, topics: partitionNumbers(b.topics) }),
  response: () => ({}),
};
