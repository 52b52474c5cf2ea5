/**
 * The shape of a Kafka API handler: a decoded request in, the response body out (or
 * NO_RESPONSE, the connection core's marker for a request that gets no answer).
 */
import type { KafkaApiName, KafkaRequestOf, KafkaResponseBody } from '../../../proto/kafka/index.js';
import { NO_RESPONSE, type NoResponse } from '../../server/request-context.js';
import type { KafkaContext } from '../kafka-context.js';

export { NO_RESPONSE };

export type KafkaHandler<N extends KafkaApiName> = (
  ctx: KafkaContext, req: KafkaRequestOf<N>,
) => Promise<KafkaResponseBody<N> | NoResponse>;

export type Body<N extends KafkaApiName> = KafkaRequestOf<N>['body'];
