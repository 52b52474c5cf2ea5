/**
 * ApiVersions: the APIs this listener serves (those with a handler) and their version ranges,
 * straight from the codec's table. A version this broker does not serve never reaches here:
 * the connection answers it with the KIP-511 fallback.
 */
import type { KafkaResponseBody } from '../../../proto/kafka/index.js';
import type { KafkaHandler } from './types.js';

export function apiVersionsHandler(served: () => KafkaResponseBody<'apiVersions'>['apiKeys']): KafkaHandler<'apiVersions'> {
  return async () => ({ errorCode: 0, apiKeys: served(), throttleTimeMs: 0 });
}
