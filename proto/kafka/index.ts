/**
 * The Kafka protocol codec: bytes only, no sockets, no storage. Schemas per API in messages/,
 * the schema language in schema.ts, the generic codec in codec.ts.
 */
export { KafkaApis, apiByKey, apiNameByKey, isFlexible, supportsVersion, type KafkaApiName } from './apis.js';
export {
  CONSUMER_PROTOCOL_TYPE, decodeConsumerAssignment, decodeConsumerSubscription, encodeConsumerAssignment,
  encodeConsumerSubscription, type ConsumerAssignment, type ConsumerSubscription,
} from './consumer-protocol.js';
export { peekRequestHeader, REQUEST_HEADER_FIXED_BYTES } from './headers.js';
export {
  API_VERSIONS_KEY, decodeRequest, decodeResponse, encodeApiVersionsFallback, encodeRequest, encodeResponse,
  encodeUnsupportedResponse, KAFKA_UNSUPPORTED_VERSION, type DecodedFrame, type KafkaRequest, type KafkaRequestOf,
  type KafkaResponseBody, type UnsupportedRequest,
} from './messages.js';
export { KafkaReader } from './reader.js';
export { CLIENT_THROTTLE_VERSION_MIN, clientThrottles, throttleTimePosition, writeThrottleTime } from './throttle-time.js';
export type { ApiSchema } from './schema.js';
export { KafkaWriter, RECORDS_ZERO_COPY_BYTES_MIN } from './writer.js';
