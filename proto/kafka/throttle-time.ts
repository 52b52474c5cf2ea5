/**
 * Kafka's throttle_time_ms in encoded responses (KIP-219). A quota's delay is known only once
 * the answer is encoded (a fetch is measured by its response bytes), so the broker writes the
 * int32 into the encoded frame in place rather than encoding twice: throttleTimePosition says
 * where, from the response schema, for the layouts where that position is fixed.
 *
 * Which side waits: from the versions in CLIENT_THROTTLE_VERSION_MIN on ("Starting in version N,
 * on quota violation, brokers send out responses before throttling" in Kafka's message specs)
 * the broker answers at once and mutes the connection for the throttle time, and the client
 * holds its own requests as long; below them the broker holds the answer itself.
 */
import { KafkaApis, isFlexible, type KafkaApiName } from './apis.js';
import { fixedFieldPosition } from './codec.js';
import { responseHeaderVersion } from './headers.js';
import type { ApiSchema } from './schema.js';

/** Per API, the first response version after which the client throttles itself (KIP-219). */
export const CLIENT_THROTTLE_VERSION_MIN: Readonly<Partial<Record<KafkaApiName, number>>> = {
  produce: 6, fetch: 8, listOffsets: 3, metadata: 6, offsetCommit: 4, offsetFetch: 4, findCoordinator: 2,
  joinGroup: 3, heartbeat: 2, leaveGroup: 2, syncGroup: 2, describeGroups: 2, listGroups: 2, apiVersions: 2,
  createTopics: 3, deleteTopics: 2, initProducerId: 1, describeConfigs: 2, alterConfigs: 1, createPartitions: 1,
  deleteGroups: 1, incrementalAlterConfigs: 0,
};

/** Whether a client reading this response version throttles itself on its throttle_time_ms. */
export function clientThrottles(api: KafkaApiName, version: number): boolean {
  const min = CLIENT_THROTTLE_VERSION_MIN[api];
  return min !== undefined && version >= min;
}

const SIZE_PREFIX_BYTES = 4;
const positions = new Map<string, { readonly fromStart: number } | { readonly fromEnd: number } | null>();

/**
 * The byte offset of throttle_time_ms in a size-prefixed response frame of `frameBytes` bytes
 * (API `api`, `version`), or null when that version has no such field or its position depends
 * on the content.
 */
export function throttleTimePosition(api: KafkaApiName, version: number, frameBytes: number): number | null {
  const key = `${api}:${version}`;
  let pos = positions.get(key);
  if (pos === undefined) {
    const schema: ApiSchema = KafkaApis[api];
    const flexible = isFlexible(schema, version);
    const body = fixedFieldPosition(schema.response, version, flexible, 'throttleTimeMs');
    // Response header: the correlation id, then (header v1) an empty tagged section of one byte.
    const header = 4 + (responseHeaderVersion(schema.key, flexible) >= 1 ? 1 : 0);
    pos = body === null ? null : 'fromStart' in body ? { fromStart: SIZE_PREFIX_BYTES + header + body.fromStart } : body;
    positions.set(key, pos);
  }
  if (pos === null) return null;
  const at = 'fromStart' in pos ? pos.fromStart : frameBytes - pos.fromEnd;
  return at >= SIZE_PREFIX_BYTES && at + 4 <= frameBytes ? at : null;
}

/** Writes `ms` as the big-endian int32 at byte `at` of a frame held in chunks (in place). */
export function writeThrottleTime(chunks: readonly Uint8Array[], at: number, ms: number): void {
  const value = Math.min(Math.max(0, Math.round(ms)), 0x7fffffff);
  let offset = at;
  let i = 0;
  for (const chunk of chunks) {
    while (i < 4 && offset < chunk.length) {
      chunk[offset++] = (value >>> (24 - 8 * i)) & 0xff;
      i++;
    }
    if (i === 4) return;
    offset -= chunk.length;
    if (offset < 0) offset = 0;
  }
}
