/**
 * Group-metadata records of the offsets log (`__consumer_offsets`): one record per group, written
 * by its coordinator whenever the group reaches a new stable generation, so that the next
 * coordinator (a new leader of the group's offsets partition, or the same broker restarted)
 * restores the membership instead of forcing a rebalance. Kafka keeps the same record under
 * key version 2 of the same log; this is Strata's own layout of the same content.
 *
 * It shares the log with the offset records (offset-record.ts) and is told apart by the key's
 * version, so a replay that does not know version 2 skips it. The latest record per key wins
 * (compaction keeps it); a null value is a tombstone: the group became empty.
 *
 * All integers big-endian; `str` is a u16 byte length then that many bytes of UTF-8.
 *
 * Key (4 + |group| bytes):
 *   0  version  u16 = 2 (GROUP_METADATA_KEY_VERSION)
 *   2  group    str
 *
 * Value:
 *      version          u16 = 1 (GROUP_METADATA_VALUE_VERSION)
 *      protocolType     str   "consumer"
 *      generation       i32   the stable generation the members are in
 *      protocolName     str   the assignment strategy the group runs
 *      leader           str   '' : the broker assigns partitions itself, so no member leads
 *      writtenAtMs      i64   broker clock when the record was made
 *      memberCount      u32   then memberCount members:
 *        memberId            str
 *        clientId            str
 *        clientHost          str   '' for a member that did not say (SDK members)
 *        sessionTimeoutMs    i32
 *        rebalanceTimeoutMs  i32
 *        flags               u8    bit 0: groupInstanceId follows; bit 1: kafka subscription follows
 *        groupInstanceId     str   (flag bit 0)
 *        kafkaProtocol       str   (flag bit 1) the Kafka protocol name the member offered
 *        kafkaMetadata       u32 length then bytes (flag bit 1): its ConsumerProtocolSubscription as sent
 *        topicCount          u16   then topicCount str: the subscription
 *        assignedTopicCount  u16   then per topic: str topic, u32 count, count × u32 partition
 *
 * Decoding checks every length against the bytes left, so a truncated or padded record is a
 * CorruptLogError, never an out-of-bounds read or an allocation sized by garbage.
 */
import { CorruptLogError } from './errors.js';
import { readInt64BE, writeInt64BE } from './int64.js';

export const GROUP_METADATA_KEY_VERSION = 2;
export const GROUP_METADATA_VALUE_VERSION = 1;
/** The only protocol type groups run (Kafka's consumer protocol; Strata SDK members too). */
export const GROUP_PROTOCOL_TYPE_CONSUMER = 'consumer';

const FLAG_INSTANCE_ID = 1;
const FLAG_KAFKA = 2;
const FLAGS_KNOWN = FLAG_INSTANCE_ID | FLAG_KAFKA;
const STRING_BYTES_MAX = 0xffff;
const U16_MAX = 0xffff;

export interface GroupMetadataMember {
  readonly memberId: string;
  readonly clientId: string;
  readonly clientHost: string;
  readonly sessionTimeoutMs: number;
  readonly rebalanceTimeoutMs: number;
  readonly groupInstanceId?: string;
  /** Set for a member that joined over the Kafka protocol. */
  readonly kafka?: { readonly protocolName: string; readonly metadata: Buffer };
  readonly topics: readonly string[];
  readonly assignment: ReadonlyArray<{ readonly topic: string; readonly partition: number }>;
}

export interface GroupMetadataValue {
  readonly protocolType: string;
  readonly generation: number;
  readonly protocolName: string;
  readonly leader: string;
  readonly writtenAtMs: number;
  readonly members: readonly GroupMetadataMember[];
}

export function encodeGroupMetadataKey(group: string): Buffer {
  const w = new Writer();
  w.u16(GROUP_METADATA_KEY_VERSION);
  w.str(group);
  return w.finish();
}

/** The group id, or null for a key of another version (an offset record, or a newer broker's type). */
export function decodeGroupMetadataKey(buf: Buffer): string | null {
  if (buf.length < 2) throw new CorruptLogError('offsets-log key shorter than its version');
  if (buf.readUInt16BE(0) !== GROUP_METADATA_KEY_VERSION) return null;
  return decoding('key', buf, (r) => r.str());
}

export function encodeGroupMetadataValue(v: GroupMetadataValue): Buffer {
  if (v.members.length > 0xffff_ffff) throw new RangeError('too many members for a group metadata record');
  const w = new Writer();
  w.u16(GROUP_METADATA_VALUE_VERSION);
  w.str(v.protocolType);
  w.i32(v.generation);
  w.str(v.protocolName);
  w.str(v.leader);
  w.i64(v.writtenAtMs);
  w.u32(v.members.length);
  for (const m of v.members) {
    w.str(m.memberId);
    w.str(m.clientId);
    w.str(m.clientHost);
    w.i32(m.sessionTimeoutMs);
    w.i32(m.rebalanceTimeoutMs);
    w.u8((m.groupInstanceId !== undefined ? FLAG_INSTANCE_ID : 0) | (m.kafka ? FLAG_KAFKA : 0));
    if (m.groupInstanceId !== undefined) w.str(m.groupInstanceId);
    if (m.kafka) {
      w.str(m.kafka.protocolName);
      w.bytes(m.kafka.metadata);
    }
    if (m.topics.length > U16_MAX) throw new RangeError('too many subscribed topics for a group metadata record');
    w.u16(m.topics.length);
    for (const t of m.topics) w.str(t);
    const byTopic = new Map<string, number[]>();
    for (const tp of m.assignment) {
      let list = byTopic.get(tp.topic);
      if (!list) byTopic.set(tp.topic, (list = []));
      list.push(tp.partition);
    }
    if (byTopic.size > U16_MAX) throw new RangeError('too many assigned topics for a group metadata record');
    w.u16(byTopic.size);
    for (const [topic, partitions] of byTopic) {
      w.str(topic);
      w.u32(partitions.length);
      for (const p of partitions) w.u32(p);
    }
  }
  return w.finish();
}

/** The value, or null for a value version this build does not know. Throws CorruptLogError on a malformed value. */
export function decodeGroupMetadataValue(buf: Buffer): GroupMetadataValue | null {
  if (buf.length < 2) throw new CorruptLogError('group metadata value shorter than its version');
  if (buf.readUInt16BE(0) !== GROUP_METADATA_VALUE_VERSION) return null;
  return decoding('value', buf, (r) => {
    const protocolType = r.str();
    const generation = r.i32();
    const protocolName = r.str();
    const leader = r.str();
    const writtenAtMs = r.i64();
    const count = r.u32();
    const members: GroupMetadataMember[] = [];
    for (let i = 0; i < count; i++) {
      const memberId = r.str();
      const clientId = r.str();
      const clientHost = r.str();
      const sessionTimeoutMs = r.i32();
      const rebalanceTimeoutMs = r.i32();
      const flags = r.u8();
      if ((flags & ~FLAGS_KNOWN) !== 0) throw new RangeError(`unknown member flags ${flags}`);
      const groupInstanceId = flags & FLAG_INSTANCE_ID ? r.str() : undefined;
      const kafka = flags & FLAG_KAFKA ? { protocolName: r.str(), metadata: r.bytes() } : undefined;
      const topics: string[] = [];
      for (let n = r.u16(); n > 0; n--) topics.push(r.str());
      const assignment: Array<{ topic: string; partition: number }> = [];
      for (let n = r.u16(); n > 0; n--) {
        const topic = r.str();
        for (let k = r.u32(); k > 0; k--) assignment.push({ topic, partition: r.u32() });
      }
      members.push({
        memberId, clientId, clientHost, sessionTimeoutMs, rebalanceTimeoutMs, topics, assignment,
        ...(groupInstanceId !== undefined ? { groupInstanceId } : {}),
        ...(kafka ? { kafka } : {}),
      });
    }
    return { protocolType, generation, protocolName, leader, writtenAtMs, members };
  });
}

function decoding<T>(what: string, buf: Buffer, body: (r: Reader) => T): T {
  try {
    const r = new Reader(buf, 2);
    const out = body(r);
    if (!r.atEnd()) throw new RangeError('trailing bytes');
    return out;
  } catch (err) {
    throw new CorruptLogError(`malformed group metadata ${what} in the offsets log`, { cause: err });
  }
}

/** Appends fields to a growing list of chunks; one copy at the end. */
class Writer {
  private readonly chunks: Buffer[] = [];
  private length = 0;

  u8(v: number): void { this.fixed(1).writeUInt8(v, 0); }
  u16(v: number): void { this.fixed(2).writeUInt16BE(v, 0); }
  u32(v: number): void { this.fixed(4).writeUInt32BE(v, 0); }
  i32(v: number): void { this.fixed(4).writeInt32BE(v, 0); }
  i64(v: number): void { writeInt64BE(this.fixed(8), v, 0); }

  str(s: string): void {
    const b = Buffer.from(s, 'utf8');
    if (b.length > STRING_BYTES_MAX) throw new RangeError('string too long for a group metadata record');
    this.u16(b.length);
    this.push(b);
  }

  bytes(b: Buffer): void {
    this.u32(b.length);
    this.push(b);
  }

  finish(): Buffer {
    return Buffer.concat(this.chunks, this.length);
  }

  private fixed(n: number): Buffer {
    const b = Buffer.allocUnsafe(n);
    this.push(b);
    return b;
  }

  private push(b: Buffer): void {
    this.chunks.push(b);
    this.length += b.length;
  }
}

/** Reads fields in order; every read checks the bytes left first. */
class Reader {
  constructor(private readonly buf: Buffer, private pos: number) {}

  u8(): number { return this.buf.readUInt8(this.take(1)); }
  u16(): number { return this.buf.readUInt16BE(this.take(2)); }
  u32(): number { return this.buf.readUInt32BE(this.take(4)); }
  i32(): number { return this.buf.readInt32BE(this.take(4)); }
  i64(): number { return readInt64BE(this.buf, this.take(8)); }

  str(): string {
    const len = this.u16();
    const at = this.take(len);
    return this.buf.toString('utf8', at, at + len);
  }

  bytes(): Buffer {
    const len = this.u32();
    const at = this.take(len);
    return Buffer.from(this.buf.subarray(at, at + len));
  }

  atEnd(): boolean {
    return this.pos === this.buf.length;
  }

  private take(n: number): number {
    if (this.pos + n > this.buf.length) throw new RangeError('field overruns the record');
    const at = this.pos;
    this.pos += n;
    return at;
  }
}
