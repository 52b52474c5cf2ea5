/**
 * Chooses the partition of each record, compatible with Kafka's Java client so that a keyed
 * record lands in the same partition whichever client produced it:
 *
 *  - an explicit `partition` wins (it must exist);
 *  - a keyed record goes to `toPositive(murmur2(keyBytes)) % numPartitions`;
 *  - a record without a key goes to the topic's "sticky" partition, which changes only when its
 *    batch is closed to be sent, full or lingered (KIP-480): records without keys then fill
 *    whole batches instead of spreading thin ones over every partition.
 *
 * Concurrency: owned by one producer; not shared.
 */
import { UnknownTopicError } from '../proto/errors.js';

const MURMUR2_SEED = 0x9747b28c;
const MURMUR2_M = 0x5bd1e995;
const MURMUR2_R = 24;

/**
 * Kafka's `Utils.murmur2`: 32-bit MurmurHash2 with seed 0x9747b28c, returning a signed int32
 * exactly as Java computes it (Math.imul gives Java's wrapping int multiplication).
 */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = (MURMUR2_SEED ^ length) | 0;
  const length4 = length >>> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = data[i4]! | (data[i4 + 1]! << 8) | (data[i4 + 2]! << 16) | (data[i4 + 3]! << 24);
    k = Math.imul(k, MURMUR2_M);
    k ^= k >>> MURMUR2_R;
    k = Math.imul(k, MURMUR2_M);
    h = Math.imul(h, MURMUR2_M);
    h ^= k;
  }
  // The tail of 1-3 bytes, as Java's fall-through switch on length % 4.
  const tail = length & ~3;
  const rest = length - tail;
  if (rest > 0) {
    if (rest === 3) h ^= data[tail + 2]! << 16;
    if (rest >= 2) h ^= data[tail + 1]! << 8;
    h ^= data[tail]!;
    h = Math.imul(h, MURMUR2_M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, MURMUR2_M);
  h ^= h >>> 15;
  return h | 0;
}

/** Kafka's `Utils.toPositive`: clears the sign bit (not Math.abs, which fails for int min). */
export function toPositive(n: number): number {
  return n & 0x7fffffff;
}

/** The partition Kafka's default partitioner picks for a keyed record. */
export function partitionForKey(key: Uint8Array, numPartitions: number): number {
  return toPositive(murmur2(key)) % numPartitions;
}

/** Throws UnknownTopicError unless `partition` is one of the topic's partitions. */
export function checkPartition(topic: string, partition: number, numPartitions: number): number {
  if (!Number.isInteger(partition) || partition < 0 || partition >= numPartitions) {
    throw new UnknownTopicError(`partition ${partition} of topic ${topic} does not exist (it has ${numPartitions})`);
  }
  return partition;
}

/**
 * Per-topic sticky partition for records without a key. `onBatchClosed` moves the topic to a
 * different random partition once the batch of its current sticky partition is closed.
 */
export class StickyPartitioner {
  private readonly sticky = new Map<string, number>();
  private lastTopic: string | null = null;
  private lastPartition = -1;
  private readonly random: () => number;

  constructor(random: () => number = Math.random) {
    this.random = random;
  }

  /** Partition for one record: explicit, else keyed, else the topic's sticky partition. */
  partition(topic: string, numPartitions: number, key: Uint8Array | null, explicit: number | undefined): number {
    if (explicit !== undefined) return checkPartition(topic, explicit, numPartitions);
    if (key !== null) return partitionForKey(key, numPartitions);
    // Records without key come in runs for one topic: skip the map lookup for the last one.
    if (topic === this.lastTopic && this.lastPartition < numPartitions) return this.lastPartition;
    const current = this.sticky.get(topic);
    if (current !== undefined && current < numPartitions) {
      this.lastTopic = topic;
      this.lastPartition = current;
      return current;
    }
    return this.pick(topic, numPartitions, -1);
  }

  /**
   * The open batch of `partition` was closed to be sent: if it was the sticky one, later
   * records without key go to another partition.
   */
  onBatchClosed(topic: string, partition: number, numPartitions: number): void {
    if (this.sticky.get(topic) === partition) this.pick(topic, numPartitions, partition);
  }

  private pick(topic: string, numPartitions: number, previous: number): number {
    let next: number;
    if (numPartitions <= 1) next = 0;
    else if (previous < 0) next = Math.floor(this.random() * numPartitions);
    else {
      // Uniform over the other numPartitions - 1 partitions.
      next = Math.floor(this.random() * (numPartitions - 1));
      if (next >= previous) next++;
    }
    this.sticky.set(topic, next);
    this.lastTopic = topic;
    this.lastPartition = next;
    return next;
  }
}
