/**
 * WebSocket codecs of the record APIs (Produce, Fetch, ListOffsets, InitProducerId). These are
 * the hot path: the produce command reuses the decoded protobuf topics as they are (their
 * records are Buffer views of the frame, no copy), and fetch results are not mapped at all,
 * the frame writer (proto/fetch-response-frame.ts) reads them directly.
 */
import { InvalidRequestError } from '../../../proto/errors.js';
import { pb } from '../../../proto/messages.js';
import type { strata } from '../../../proto/gen/strata.js';
import type { Acks, ProduceTopic } from '../../server/api/produce.js';
import type { FetchTopic } from '../../server/api/fetch.js';
import { wireError, type WsApiCodec } from './api-codec.js';

const ACKS: Readonly<Record<number, Acks>> = {
  [pb.Acks.ACKS_ALL]: 'all',
  [pb.Acks.ACKS_LEADER]: 'leader',
  [pb.Acks.ACKS_NONE]: 'none',
};

/** A Buffer view of a decoded `bytes` field (protobufjs yields Buffers under Node, but may not). */
export function asBuffer(bytes: Uint8Array | null | undefined): Buffer {
  if (!bytes) return Buffer.alloc(0);
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export const produce: WsApiCodec<'produce'> = {
  command: (b: strata.v1.ProduceRequest) => {
    const acks = ACKS[b.acks ?? pb.Acks.ACKS_ALL];
    if (acks === undefined) throw new InvalidRequestError(`unknown acks value ${b.acks}`);
    const topics = b.topics ?? [];
    // Decoded messages carry every field (defaults on the prototype): only records may need a view.
    for (const t of topics) for (const p of t.partitions ?? []) if (!Buffer.isBuffer(p.records)) p.records = asBuffer(p.records);
    return { acks, timeoutMs: b.timeoutMs ?? 0, topics: topics as unknown as readonly ProduceTopic[] };
  },
  response: (r) => ({
    topics: r.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({
        partition: p.partition, error: wireError(p.error), baseOffset: p.baseOffset, lastOffset: p.lastOffset,
        logStartOffset: p.logStartOffset ?? 0, logAppendTimeMs: p.logAppendTimeMs,
      })),
    })),
  }),
};

/** Fetch requests as decoded already have the command's shape (int64s are numbers: proto/pb-config.ts). */
export const fetch: WsApiCodec<'fetch'> = {
  command: (b: strata.v1.FetchRequest) => ({
    maxWaitMs: b.maxWaitMs ?? 0, minBytes: b.minBytes ?? 0, maxBytes: b.maxBytes ?? 0,
    topics: (b.topics ?? []) as unknown as readonly FetchTopic[],
  }),
  // Never used for an answer: the frame codec writes fetch results itself (ws-codec.ts).
  response: (r) => r,
};

export const listOffsets: WsApiCodec<'listOffsets'> = {
  command: (b: strata.v1.ListOffsetsRequest) => ({
    topics: (b.topics ?? []).map((t) => ({
      name: t.name ?? '',
      partitions: (t.partitions ?? []).map((q) => ({ partition: q.partition ?? 0, timestamp: Number(q.timestamp ?? 0) })),
    })),
  }),
  response: (r) => ({
    topics: r.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => p.error
        ? { partition: p.partition, error: wireError(p.error), offset: -1, timestamp: -1 }
        : { partition: p.partition, offset: p.offset, timestamp: p.timestamp }),
    })),
  }),
};

export const initProducerId: WsApiCodec<'initProducerId'> = {
  command: (b: strata.v1.InitProducerIdRequest) => (b.current
    ? { current: { producerId: Number(b.current.producerId ?? -1), producerEpoch: b.current.producerEpoch ?? 0 } }
    : {}),
  response: (r) => r,
};
