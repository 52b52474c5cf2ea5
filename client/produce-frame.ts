/**
 * Hand-written encoder for the one hot request, Produce, producing exactly the bytes
 * protobufjs writes for the same `Request` (unit-tested against proto/messages.ts
 * `encodeRequest`). It measures the message first and writes it into one buffer of the exact
 * size, from a BufferPool: the generic writer instead grows its buffer by doubling (copying a
 * 1 MiB batch several times) and allocates a fresh one per request, which measured ~15% of a
 * producer's CPU.
 *
 * Layout (protobuf, proto3: zero scalars are omitted, as protobufjs does):
 *   Request         1: correlation_id varint, 15: produce (length-delimited)
 *   ProduceRequest  1: acks varint, 2: timeout_ms varint, 3: topics (repeated, length-delimited)
 *   TopicProduce    1: name string, 2: partitions (repeated, length-delimited)
 *   PartitionData   1: partition varint, 2: records bytes
 *
 * In place: a request carrying one batch (the common case: one partition, or one ready batch
 * per drain) ends with that batch's bytes, so its envelope is a prefix of at most
 * PRODUCE_FRAME_HEADROOM_BYTES. When the batch lives in a buffer with that much free room
 * before it (BatchBuilder's headroom), the envelope is written into the room and the frame is
 * a view from there to the batch's end: no copy of the batch. Copying each ~1 MiB batch into a
 * fresh frame measured ~7% of a producer's CPU at a million records a second.
 */
import assert from '../proto/assert.js';
import type { BufferPool } from '../proto/buffer-pool.js';
import { allocBytes, utf8Length, utf8Write } from '../proto/bytes.js';

/**
 * Room to keep free before a batch so a one-batch Produce envelope fits in front of it: at
 * most 47 bytes of tags and varints (10 fields, lengths and ids of at most 5 varint bytes each)
 * plus the topic name, at most TOPIC_NAME_CHARS_MAX (249) ASCII bytes; rounded up. A longer
 * name (the broker would refuse it anyway) just takes the copying path.
 */
export const PRODUCE_FRAME_HEADROOM_BYTES = 320;

export interface ProducePartition {
  partition: number;
  records: Uint8Array;
}

export interface ProduceTopic {
  name: string;
  partitions: ProducePartition[];
}

const TAG_CORRELATION_ID = (1 << 3) | 0;
const TAG_PRODUCE = (15 << 3) | 2;
const TAG_ACKS = (1 << 3) | 0;
const TAG_TIMEOUT_MS = (2 << 3) | 0;
const TAG_TOPICS = (3 << 3) | 2;
const TAG_NAME = (1 << 3) | 2;
const TAG_PARTITIONS = (2 << 3) | 2;
const TAG_PARTITION = (1 << 3) | 0;
const TAG_RECORDS = (2 << 3) | 2;

/** Bytes of an unsigned varint (values below 2^32). */
function uvarintSize(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x20_0000 ? 3 : n < 0x1000_0000 ? 4 : 5;
}

function writeUvarint(buf: Uint8Array, pos: number, n: number): number {
  while (n >= 0x80) {
    buf[pos++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  buf[pos++] = n;
  return pos;
}

function fieldSize(contentBytes: number): number {
  return 1 + uvarintSize(contentBytes) + contentBytes;
}

/**
 * An encoded frame; `backing` is the pooled buffer to release once the socket wrote it (null
 * when the frame was allocated, or written in place into the caller's buffer).
 */
export interface EncodedFrame {
  frame: Uint8Array;
  backing: Uint8Array | null;
}

/**
 * Encodes the request. `inPlace`, if given, is the buffer the request's only batch is a view
 * of: when the envelope fits in the bytes before the batch, it is written there and the frame
 * is a view of `inPlace` (those bytes before the batch are overwritten; nothing else is).
 */
export function encodeProduceFrame(correlationId: number, acks: number, timeoutMs: number, topics: readonly ProduceTopic[],
  pool: BufferPool | null, inPlace: Uint8Array | null = null): EncodedFrame {
  // Sizes, innermost first; kept in arrays so the write pass does not measure twice.
  const topicSizes: number[] = [];
  const partSizes: number[] = [];
  const nameBytes: number[] = [];
  let produceSize = 0;
  if (acks !== 0) produceSize += 1 + uvarintSize(acks);
  if (timeoutMs !== 0) produceSize += 1 + uvarintSize(timeoutMs);
  for (const t of topics) {
    const nb = utf8Length(t.name);
    nameBytes.push(nb);
    let topicSize = nb > 0 ? fieldSize(nb) : 0;
    for (const p of t.partitions) {
      let partSize = p.partition !== 0 ? 1 + uvarintSize(p.partition) : 0;
      if (p.records.length > 0) partSize += fieldSize(p.records.length);
      partSizes.push(partSize);
      topicSize += fieldSize(partSize);
    }
    topicSizes.push(topicSize);
    produceSize += fieldSize(topicSize);
  }
  const total = (correlationId !== 0 ? 1 + uvarintSize(correlationId) : 0) + fieldSize(produceSize);
  const only = topics.length === 1 && topics[0]!.partitions.length === 1 ? topics[0]!.partitions[0]!.records : null;
  let buf: Uint8Array;
  let backing: Uint8Array | null = null;
  let start = -1;
  if (inPlace !== null && only !== null && only.length > 0 && only.buffer === inPlace.buffer) {
    // The records field is last, so everything before it is the prefix to fit in front.
    start = only.byteOffset - inPlace.byteOffset - (total - only.length);
  }
  if (start >= 0) {
    buf = inPlace!.subarray(start, start + total);
  } else {
    start = -1;
    backing = pool !== null ? pool.acquire(total) : null;
    buf = backing !== null ? backing.subarray(0, total) : allocBytes(total);
  }

  let pos = 0;
  if (correlationId !== 0) {
    buf[pos++] = TAG_CORRELATION_ID;
    pos = writeUvarint(buf, pos, correlationId);
  }
  buf[pos++] = TAG_PRODUCE;
  pos = writeUvarint(buf, pos, produceSize);
  if (acks !== 0) {
    buf[pos++] = TAG_ACKS;
    pos = writeUvarint(buf, pos, acks);
  }
  if (timeoutMs !== 0) {
    buf[pos++] = TAG_TIMEOUT_MS;
    pos = writeUvarint(buf, pos, timeoutMs);
  }
  let partIndex = 0;
  topics.forEach((t, ti) => {
    buf[pos++] = TAG_TOPICS;
    pos = writeUvarint(buf, pos, topicSizes[ti]!);
    const nb = nameBytes[ti]!;
    if (nb > 0) {
      buf[pos++] = TAG_NAME;
      pos = writeUvarint(buf, pos, nb);
      pos += utf8Write(buf, t.name, pos);
    }
    for (const p of t.partitions) {
      buf[pos++] = TAG_PARTITIONS;
      pos = writeUvarint(buf, pos, partSizes[partIndex++]!);
      if (p.partition !== 0) {
        buf[pos++] = TAG_PARTITION;
        pos = writeUvarint(buf, pos, p.partition);
      }
      if (p.records.length > 0) {
        buf[pos++] = TAG_RECORDS;
        pos = writeUvarint(buf, pos, p.records.length);
        if (start < 0) buf.set(p.records, pos);
        else assert.equal(buf.byteOffset + pos, p.records.byteOffset, 'in-place envelope does not end at its batch');
        pos += p.records.length;
      }
    }
  });
  assert.equal(pos, total, 'produce frame size measured and written disagree');
  return { frame: buf, backing };
}
