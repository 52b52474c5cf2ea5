/**
 * Records of the offsets log (`__consumer_offsets`): one RecordBatch v2 record per committed
 * offset, key and value in their own small binary layouts, all integers big-endian.
 *
 * Key (10 + |group| + |topic| bytes):
 *   0  version    u16   = 1 (OFFSET_KEY_VERSION)
 *   2  groupLen   u16   then groupLen bytes of UTF-8
 *      topicLen   u16   then topicLen bytes of UTF-8
 *      partition  u32
 *
 * Value (20 + |metadata| bytes), or null for a tombstone (the offset was deleted):
 *   0  version          u16   = 1 (OFFSET_VALUE_VERSION)
 *   2  offset           i64   next offset to consume
 *  10  commitTimestamp  i64   ms since the epoch, broker clock
 *  18  metadataLen      u16   then metadataLen bytes of UTF-8
 *
 * The latest record for a key wins; a reader skips keys of versions it does not know (a newer
 * broker's record types), so the format can grow without breaking an older replay.
 */
import { CorruptLogError } from './errors.js';
import { readInt64BE, writeInt64BE } from './int64.js';

export const OFFSET_KEY_VERSION = 1;
export const OFFSET_VALUE_VERSION = 1;
const U16_BYTES = 2;
const U32_BYTES = 4;
const I64_BYTES = 8;
const STRING_BYTES_MAX = 0xffff;

export interface OffsetKey {
  readonly group: string;
  readonly topic: string;
  readonly partition: number;
}

export interface OffsetValue {
  readonly offset: number;
  readonly commitTimestamp: number;
  readonly metadata: string;
}

export function encodeOffsetKey(key: OffsetKey): Buffer {
  const group = Buffer.from(key.group, 'utf8');
  const topic = Buffer.from(key.topic, 'utf8');
  if (group.length > STRING_BYTES_MAX || topic.length > STRING_BYTES_MAX) throw new RangeError('group or topic too long for an offset key');
  const buf = Buffer.allocUnsafe(U16_BYTES * 3 + group.length + topic.length + U32_BYTES);
  let pos = buf.writeUInt16BE(OFFSET_KEY_VERSION, 0);
  pos = buf.writeUInt16BE(group.length, pos);
  pos += group.copy(buf, pos);
  pos = buf.writeUInt16BE(topic.length, pos);
  pos += topic.copy(buf, pos);
  buf.writeUInt32BE(key.partition, pos);
  return buf;
}

/** The key, or null for a key version this build does not know. Throws on a malformed key. */
export function decodeOffsetKey(buf: Buffer): OffsetKey | null {
  try {
    if (buf.readUInt16BE(0) !== OFFSET_KEY_VERSION) return null;
    let pos = U16_BYTES;
    const groupLen = buf.readUInt16BE(pos);
    pos += U16_BYTES;
    const group = readUtf8(buf, pos, groupLen);
    pos += groupLen;
    const topicLen = buf.readUInt16BE(pos);
    pos += U16_BYTES;
    const topic = readUtf8(buf, pos, topicLen);
    pos += topicLen;
    const partition = buf.readUInt32BE(pos);
    if (pos + U32_BYTES !== buf.length) throw new RangeError('trailing bytes');
    return { group, topic, partition };
  } catch (err) {
    throw new CorruptLogError('malformed offset key in the offsets log', { cause: err });
  }
}

export function encodeOffsetValue(value: OffsetValue): Buffer {
  const metadata = Buffer.from(value.metadata, 'utf8');
  if (metadata.length > STRING_BYTES_MAX) throw new RangeError('metadata too long for an offset value');
  const buf = Buffer.allocUnsafe(U16_BYTES + I64_BYTES * 2 + U16_BYTES + metadata.length);
  let pos = buf.writeUInt16BE(OFFSET_VALUE_VERSION, 0);
  writeInt64BE(buf, value.offset, pos);
  pos += I64_BYTES;
  writeInt64BE(buf, value.commitTimestamp, pos);
  pos += I64_BYTES;
  pos = buf.writeUInt16BE(metadata.length, pos);
  metadata.copy(buf, pos);
  return buf;
}

/** The value, or null for a value version this build does not know. Throws on a malformed value. */
export function decodeOffsetValue(buf: Buffer): OffsetValue | null {
  try {
    if (buf.readUInt16BE(0) !== OFFSET_VALUE_VERSION) return null;
    let pos = U16_BYTES;
    const offset = readInt64BE(buf, pos);
    pos += I64_BYTES;
    const commitTimestamp = readInt64BE(buf, pos);
    pos += I64_BYTES;
    const metadataLen = buf.readUInt16BE(pos);
    pos += U16_BYTES;
    const metadata = readUtf8(buf, pos, metadataLen);
    if (pos + metadataLen !== buf.length) throw new RangeError('trailing bytes');
    if (offset < 0) throw new RangeError(`negative offset ${offset}`);
    return { offset, commitTimestamp, metadata };
  } catch (err) {
    throw new CorruptLogError('malformed offset value in the offsets log', { cause: err });
  }
}

function readUtf8(buf: Buffer, pos: number, len: number): string {
  if (pos + len > buf.length) throw new RangeError('string overruns the record');
  return buf.toString('utf8', pos, pos + len);
}
