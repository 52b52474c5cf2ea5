/**
 * How a Kafka API runs a wire-neutral handler of the API table (broker/server/api-table.ts):
 * the shared API it maps onto, the command built from the decoded Kafka request (or an answer
 * the codec gives itself, for a request the shared command cannot express), and the Kafka
 * response body built from the handler's result. Pure functions; per partition, group or topic,
 * never per record.
 */
import type { KafkaApiName, KafkaRequestOf, KafkaResponseBody } from '../../../proto/kafka/index.js';
import type { ApiName } from '../../server/api-table.js';

/** A request the codec answers itself, without a handler (answer null: no answer at all). */
export interface DirectAnswer<B> {
  readonly answer: B | null;
  readonly reason: string;
}

/** A shared command, with what the answer needs beyond the handler's result. */
export interface Mapped<C> {
  readonly command: C;
  readonly extra?: unknown;
}

export interface SharedMapping<N extends KafkaApiName> {
  readonly shared: ApiName;
  command(req: KafkaRequestOf<N>): Mapped<unknown> | DirectAnswer<KafkaResponseBody<N>>;
  body(req: KafkaRequestOf<N>, result: unknown, extra: unknown): KafkaResponseBody<N>;
}

export type SharedMappings = { readonly [N in KafkaApiName]?: SharedMapping<N> };

export function isDirectAnswer<B>(m: object): m is DirectAnswer<B> {
  return 'answer' in m;
}
