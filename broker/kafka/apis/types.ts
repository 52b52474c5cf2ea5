/**
 * The shape of a Kafka API handler: a decoded request in, the response body out (or
 * NO_RESPONSE for a produce with acks=0, which Kafka never answers).
 */
import type { KafkaApiName, KafkaRequestOf, KafkaResponseBody } from '../../../proto/kafka/index.js';
import type { KafkaContext } from '../kafka-context.js';

export const NO_RESPONSE = Symbol('no response');

export type KafkaHandler<N extends KafkaApiName> = (
  ctx: KafkaContext, req: KafkaRequestOf<N>,
) => Promise<KafkaResponseBody<N> | typeof NO_RESPONSE>;

export type Body<N extends KafkaApiName> = KafkaRequestOf<N>['body'];
