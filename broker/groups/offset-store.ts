/**
 * Committed offsets, durable in the broker's own log: the internal topic `__consumer_offsets`
 * with OFFSETS_TOPIC_PARTITIONS partitions, written through the ordinary LocalLog as
 * RecordBatch v2 records (layout in proto/offset-record.ts). All of a group's offsets go to partition
 * crc32c(group) % OFFSETS_TOPIC_PARTITIONS, so one commit is one append to one log.
 *
 * Isolation: the offsets logs live under `<dataDir>/__consumer_offsets/` with their own
 * LogManager (own recovery checkpoint and clean-shutdown marker). The broker's TopicManager
 * never sees them, so no user request can list, produce to, fetch from or delete them, and a
 * user topic of the same name lives in a different directory and cannot clobber them.
 *
 * Memory: the latest value per key (group, topic, partition), kept per group. A commit is
 * applied to memory only once its append is durable (under the `always` flush policy: after
 * the fsync covering it), so OffsetFetch never returns an offset a crash could lose, and the
 * commit is acknowledged at the same moment.
 *
 * Compaction: the offsets logs are compacted topics (cleanup.policy=compact) and the broker's
 * log cleaner looks after them like any other (the store's LogManager is one of its sources,
 * see `cleanerSource`): it keeps the latest record per key (group, topic, partition) and drops
 * tombstones once they are delete.retention.ms old. Time retention is off: it would bound the
 * log by commit rate times retention and could drop a live key. Replay copes with what the
 * cleaner leaves (offsets that skip, batches with fewer records than they span).
 *
 * Expiry (Kafka's offsets.retention.minutes): expire() appends tombstones for the offsets the
 * caller (the coordinator, which knows which groups have members) names; compaction then
 * removes both the old values and, later, the tombstones.
 *
 * Cluster mode (`OffsetStore.replicated`): the offsets topic is a replicated topic in etcd and
 * this store holds only the partitions this broker leads. `load(index, source)` replays a
 * partition's local replica once the broker became its leader; until it is done the partition's
 * groups get CoordinatorLoadInProgressError. Appends go through the replica manager with
 * acks=all, so a commit is applied and acknowledged only once the high watermark passed it with
 * min.insync.replicas in the ISR: every replica that can become leader next has it, so a
 * committed offset never goes backwards across failover. `unload(index)` (leadership lost)
 * forgets the partition's groups; their requests get NotCoordinatorError and the clients look
 * for the new coordinator. An append still in flight then is not applied and fails the same way.
 *
 * Group metadata (proto/group-metadata-record.ts): the coordinator writes one record per group
 * at every stable generation (writeGroupMetadata) through the same append path as commits, and
 * a tombstone when the group empties. Replay keeps only the latest per group, hands them to the
 * caller once (the `restore` callback of load(), takeRestoredGroups() after open()), and does not
 * keep them: the coordinator's Group objects are the live copy.
 *
 * Concurrency: single-threaded. Appends to one shard happen in call order.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { crc32c } from '../../proto/crc32c.js';
import {
  BrokerShuttingDownError, CoordinatorLoadInProgressError, CoordinatorNotAvailableError, NotCoordinatorError,
} from '../../proto/errors.js';
import { encodeRecordBatch, decodeRecordBatch, batchTotalBytes, type RecordInput } from '../../proto/record-batch.js';
import type { Logger } from '../logger.js';
import type { FaultInjector } from '../storage/file-io.js';
import type { LogConfig } from '../storage/log-config.js';
import { LogManager } from '../storage/log-manager.js';
import { LEADER_EPOCH_DEFAULT } from '../constants.js';
import type { LocalLog } from '../storage/local-log.js';
import { partitionKey, parsePartitionKey, type PartitionKey, type TopicPartition } from './assignor.js';
import type { CleanerSource } from '../storage/cleaner/log-cleaner.js';
import {
  GROUP_METADATA_RECORD_BYTES_MAX, OFFSETS_BATCH_RECORDS, OFFSETS_REPLAY_READ_BYTES, OFFSETS_SEGMENT_BYTES, OFFSETS_SEGMENT_MS, OFFSETS_TOPIC, OFFSETS_TOPIC_PARTITIONS,
} from './constants.js';
import { decodeOffsetKey, decodeOffsetValue, encodeOffsetKey, encodeOffsetValue } from '../../proto/offset-record.js';
import {
  decodeGroupMetadataKey, decodeGroupMetadataValue, encodeGroupMetadataKey, encodeGroupMetadataValue, type GroupMetadataValue,
} from '../../proto/group-metadata-record.js';
import { asBuffer } from '../../proto/as-buffer.js';

export interface CommittedOffset {
  readonly offset: number;
  readonly metadata: string;
  readonly commitTimestamp: number;
}

export interface OffsetWrite extends TopicPartition {
  readonly offset: number;
  readonly metadata: string;
}

interface Entry extends CommittedOffset {
  /** Position of the record in the offsets log, to keep only the newest on out-of-order settles. */
  readonly logOffset: number;
}

/**
 * Where a shard's appends go: the local log (a broker alone), or the replicated partition this
 * broker leads (cluster mode). `done` settles once the append counts: durable, or replicated.
 */
export interface OffsetsShardSource {
  /** The log to replay (the local replica in cluster mode). */
  readonly log: LocalLog;
  append(batches: Buffer): { baseOffset: number; done: Promise<void> };
  /** False once the broker can no longer act for this partition (lost leadership or lease). */
  serving(): boolean;
}

/** A group's membership as its latest group-metadata record in the offsets log had it. */
export interface RestoredGroup {
  readonly groupId: string;
  readonly metadata: GroupMetadataValue;
}

interface Shard {
  readonly index: number;
  readonly source: OffsetsShardSource;
  /** Replaying: the shard's groups are not served yet. */
  loading: boolean;
  /** Groups homed here; kept to size the live set cheaply. */
  readonly groups: Set<string>;
  /** Appends not yet durable. */
  readonly inflight: Set<Promise<void>>;
  /** Filled by replay, emptied when handed to the coordinator: latest group metadata per group. */
  restored: Map<string, GroupMetadataValue>;
}

/** A replicated store's partitions: how many the offsets topic has (undefined before it exists). */
export interface ReplicatedOffsetsOptions {
  partitionCount(): number | undefined;
  logger: Logger;
}

export interface OffsetStoreOptions {
  /** The broker's data directory; the store uses `<dataDir>/__consumer_offsets/`. */
  dataDir: string;
  /** Broker log defaults (flush policy above all); segment size and retention are the store's. */
  logDefaults: LogConfig;
  logger: Logger;
  /** Overrides for tests: segment size and age, and the compaction settings of the offsets logs. */
  segmentBytes?: number;
  segmentMs?: number;
  compaction?: Partial<Pick<LogConfig, 'minCleanableDirtyRatio' | 'minCompactionLagMs' | 'deleteRetentionMs'>>;
  /** Tests only: passed to the offsets logs to delay or fail writes and fsyncs. */
  faults?: FaultInjector;
}

export class OffsetStore {
  private readonly offsets = new Map<string, Map<PartitionKey, Entry>>();
  /** Shards by offsets partition: every partition for a broker alone, the led ones in a cluster. */
  private readonly shards = new Map<number, Shard>();
  /** Appends per group not yet durable: expiry leaves such a group alone (a commit is on its way). */
  private readonly pending = new Map<string, number>();
  private closed = false;

  private constructor(
    /** null in cluster mode: the replicas belong to the broker's TopicManager. */
    private readonly manager: LogManager | null,
    private readonly partitionCount: () => number | undefined,
    private readonly logger: Logger,
  ) {}

  /** Cluster mode: a store with no partition loaded yet (see load()). */
  static replicated(opts: ReplicatedOffsetsOptions): OffsetStore {
    return new OffsetStore(null, opts.partitionCount, opts.logger.child({ component: 'offsets' }));
  }

  /** Opens (or creates) the offsets logs and replays them. */
  static async open(opts: OffsetStoreOptions): Promise<OffsetStore> {
    const logger = opts.logger.child({ component: 'offsets' });
    const logConfig: LogConfig = {
      ...opts.logDefaults,
      ...opts.compaction,
      cleanupPolicy: 'compact',
      segmentBytes: opts.segmentBytes ?? OFFSETS_SEGMENT_BYTES,
      segmentMs: opts.segmentMs ?? OFFSETS_SEGMENT_MS,
      // Compaction deletes what is dead; retention must never drop live keys.
      retentionMs: -1,
      retentionBytes: -1,
    };
    const manager = await LogManager.open({
      dataDir: join(opts.dataDir, OFFSETS_TOPIC), logger, defaultConfig: logConfig, ...(opts.faults ? { faults: opts.faults } : {}),
    });
    const store = new OffsetStore(manager, () => OFFSETS_TOPIC_PARTITIONS, logger);
    try {
      for (let i = 0; i < OFFSETS_TOPIC_PARTITIONS; i++) {
        const log = await manager.openLog(OFFSETS_TOPIC, i, logConfig);
        const source: OffsetsShardSource = {
          log,
          append: (bytes) => {
            const r = log.appendAsLeader(bytes, LEADER_EPOCH_DEFAULT);
            return { baseOffset: r.baseOffset, done: r.durable };
          },
          serving: () => true,
        };
        store.shards.set(i, { index: i, source, loading: false, groups: new Set(), inflight: new Set(), restored: new Map() });
      }
      for (const shard of store.shards.values()) await store.replay(shard);
    } catch (err) {
      await manager.close().catch(() => undefined);
      throw err;
    }
    manager.start();
    logger.info({ groups: store.offsets.size, keys: store.liveKeys() }, 'committed offsets loaded');
    return store;
  }

  /** The offsets logs and their cleaner checkpoint, for the broker's log cleaner; null in cluster mode (the replicas are topics). */
  get cleanerSource(): CleanerSource | null {
    return this.manager;
  }

  /** The offsets logs, for tests and tools. */
  logs(): readonly LocalLog[] {
    return [...this.shards.values()].map((s) => s.source.log);
  }

  /**
   * Whether this store serves `group` now: throws CoordinatorNotAvailableError (no offsets topic
   * yet), NotCoordinatorError (another broker leads its partition) or
   * CoordinatorLoadInProgressError (still replaying it). All retriable.
   */
  checkServes(group: string): void {
    const count = this.partitionCount();
    if (count === undefined) throw new CoordinatorNotAvailableError(`group ${group}: the offsets topic does not exist yet`);
    const index = OffsetStore.partitionFor(group, count);
    const shard = this.shards.get(index);
    if (!shard || !shard.source.serving()) throw new NotCoordinatorError(`this broker does not coordinate group ${group} (${OFFSETS_TOPIC}-${index})`);
    if (shard.loading) throw new CoordinatorLoadInProgressError(`group ${group}: ${OFFSETS_TOPIC}-${index} is being loaded`);
  }

  /** The offsets partition of `group` under the current partition count, or undefined before the topic exists. */
  partitionOf(group: string): number | undefined {
    const count = this.partitionCount();
    return count === undefined ? undefined : OffsetStore.partitionFor(group, count);
  }

  /**
   * Cluster mode: this broker leads offsets partition `index` now; replays its replica and
   * serves its groups from then on. A load superseded by unload() (or another load) before it
   * finished is dropped. `restore` gets the partition's group metadata synchronously just before
   * its groups are served, so no request finds the groups half restored.
   */
  async load(index: number, source: OffsetsShardSource, restore?: (groups: RestoredGroup[]) => void): Promise<void> {
    if (this.closed) return;
    this.unload(index);
    const shard: Shard = { index, source, loading: true, groups: new Set(), inflight: new Set(), restored: new Map() };
    this.shards.set(index, shard);
    const startMs = Date.now();
    try {
      await this.replay(shard);
    } catch (err) {
      if (this.shards.get(index) === shard) this.unload(index);
      throw err;
    }
    if (this.shards.get(index) !== shard) return;
    const restored = takeRestored(shard);
    restore?.(restored);
    shard.loading = false;
    let keys = 0;
    for (const g of shard.groups) keys += this.offsets.get(g)?.size ?? 0;
    this.logger.info({
      partition: index, groups: shard.groups.size, keys, restoredGroups: restored.length, ms: Date.now() - startMs,
    }, 'offsets partition loaded: coordinating its groups');
  }

  /** A broker alone: the group metadata every shard replayed at open(), handed out once. */
  takeRestoredGroups(): RestoredGroup[] {
    return [...this.shards.values()].flatMap(takeRestored);
  }

  /** Cluster mode: leadership of `index` is gone; forgets its groups' offsets. Returns those groups. */
  unload(index: number): string[] {
    const shard = this.shards.get(index);
    if (!shard) return [];
    this.shards.delete(index);
    const groups = [...shard.groups];
    for (const g of groups) {
      this.offsets.delete(g);
      this.pending.delete(g);
    }
    this.logger.info({ partition: index, groups: groups.length }, 'offsets partition unloaded: no longer coordinating its groups');
    return groups;
  }

  /** The offsets partition a group's commits go to, of `partitions` (the cluster's offsets topic has its own count). */
  static partitionFor(group: string, partitions: number = OFFSETS_TOPIC_PARTITIONS): number {
    return crc32c(Buffer.from(group, 'utf8')) % partitions;
  }

  get(group: string, topic: string, partition: number): CommittedOffset | undefined {
    return this.offsets.get(group)?.get(partitionKey(topic, partition));
  }

  /** Every committed offset of a group. */
  groupOffsets(group: string): Array<TopicPartition & CommittedOffset> {
    const map = this.offsets.get(group);
    if (!map) return [];
    return [...map].map(([key, e]) => ({ ...parsePartitionKey(key), offset: e.offset, metadata: e.metadata, commitTimestamp: e.commitTimestamp }));
  }

  /** Groups with at least one committed offset. */
  groups(): string[] {
    return [...this.offsets.keys()];
  }

  hasGroup(group: string): boolean {
    return this.offsets.has(group);
  }

  /** Each shard's live keys and log shape, for tests and metrics. */
  shardStats(): Array<{ liveKeys: number; segments: number; logStartOffset: number; logEndOffset: number; sizeBytes: number }> {
    return [...this.shards.values()].map((s) => ({
      liveKeys: this.shardLiveKeys(s), segments: s.source.log.segmentCount, logStartOffset: s.source.log.logStartOffset,
      logEndOffset: s.source.log.logEndOffset, sizeBytes: s.source.log.sizeBytes,
    }));
  }

  /**
   * Appends the offsets and resolves once they are durable and visible to get(). Throws what
   * the log throws (StorageError, TooManyRequestsError...); then nothing was committed.
   */
  async commit(group: string, writes: readonly OffsetWrite[]): Promise<void> {
    if (writes.length === 0) return;
    const now = Date.now();
    await this.append(group, writes.map((w) => ({
      key: encodeOffsetKey({ group, topic: w.topic, partition: w.partition }),
      value: encodeOffsetValue({ offset: w.offset, commitTimestamp: now, metadata: w.metadata }),
      timestamp: now,
    })), (logOffset, i) => {
      const w = writes[i]!;
      this.apply(group, partitionKey(w.topic, w.partition), { offset: w.offset, metadata: w.metadata, commitTimestamp: now, logOffset });
    });
  }

  /** Deletes offsets (tombstones): the given partitions, or all of the group's. */
  async delete(group: string, partitions?: readonly TopicPartition[]): Promise<void> {
    const keys = partitions
      ? partitions.map((tp) => partitionKey(tp.topic, tp.partition))
      : [...(this.offsets.get(group)?.keys() ?? [])];
    if (keys.length === 0) return;
    const now = Date.now();
    await this.append(group, keys.map((k) => {
      const tp = parsePartitionKey(k);
      return { key: encodeOffsetKey({ group, topic: tp.topic, partition: tp.partition }), value: null, timestamp: now };
    }), (_logOffset, i) => this.apply(group, keys[i]!, null));
  }

  /**
   * Appends the group's membership record (or its tombstone, `null`) and resolves once it is
   * durable (replicated, in a cluster). Throws what commit() throws.
   */
  async writeGroupMetadata(group: string, value: GroupMetadataValue | null): Promise<void> {
    const now = Date.now();
    let bytes = value === null ? null : encodeGroupMetadataValue(value);
    if (bytes !== null && bytes.length > GROUP_METADATA_RECORD_BYTES_MAX) {
      this.logger.warn({ group, bytes: bytes.length, max: GROUP_METADATA_RECORD_BYTES_MAX }, 'group metadata too large to write; a coordinator move will rebalance this group');
      bytes = null;
    }
    await this.append(group, [{ key: encodeGroupMetadataKey(group), value: bytes, timestamp: now }], () => undefined);
  }

  /** True while an append (commit or delete) of the group is not yet durable. */
  hasPendingAppends(group: string): boolean {
    return this.pending.has(group);
  }

  /** Waits for in-flight appends and closes the logs (clean-shutdown marker included). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.shards.values()) await Promise.allSettled([...s.inflight]);
    await this.manager?.close();
  }

  // ---- writing -----------------------------------------------------------------------------

  private async append(group: string, records: RecordInput[], onDurable: (logOffset: number, i: number) => void): Promise<void> {
    if (this.closed) throw new BrokerShuttingDownError('offset store is closed');
    this.checkServes(group);
    const shard = this.shards.get(this.partitionOf(group)!)!;
    const batches: Buffer[] = [];
    for (let i = 0; i < records.length; i += OFFSETS_BATCH_RECORDS) {
      batches.push(asBuffer(encodeRecordBatch(records.slice(i, i + OFFSETS_BATCH_RECORDS))));
    }
    const result = shard.source.append(batches.length === 1 ? batches[0]! : Buffer.concat(batches));
    const durable = result.done;
    shard.inflight.add(durable);
    this.pending.set(group, (this.pending.get(group) ?? 0) + 1);
    try {
      await durable;
    } finally {
      shard.inflight.delete(durable);
      // unload() forgets the counts of the groups it drops.
      const left = (this.pending.get(group) ?? 1) - 1;
      if (left <= 0) this.pending.delete(group);
      else this.pending.set(group, left);
    }
    // Leadership moved while the append was in flight: the new coordinator has (or will
    // replay) whatever became of it; this store must not hold the group again.
    if (this.shards.get(shard.index) !== shard) throw new NotCoordinatorError(`this broker no longer coordinates group ${group}`);
    shard.groups.add(group);
    for (let i = 0; i < records.length; i++) onDurable(result.baseOffset + i, i);
  }

  private apply(group: string, key: PartitionKey, entry: Entry | null): void {
    let map = this.offsets.get(group);
    if (entry === null) {
      map?.delete(key);
      if (map?.size === 0) this.offsets.delete(group);
      return;
    }
    if (!map) {
      map = new Map();
      this.offsets.set(group, map);
    }
    const prior = map.get(key);
    if (!prior || prior.logOffset < entry.logOffset) map.set(key, entry);
  }

  // ---- replay and compaction ---------------------------------------------------------------

  private async replay(shard: Shard): Promise<void> {
    const { log } = shard.source;
    let offset = log.logStartOffset;
    let records = 0;
    let skipped = 0;
    // Records the cleaner dropped are simply absent: offsets skip, and a batch may span more
    // offsets than it holds records (or none at all).
    // Replay runs before the store serves anything: everything in the log is in the file.
    const end = log.writtenEndOffset;
    while (offset < end) {
      const { records: bytes } = await log.read(offset, OFFSETS_REPLAY_READ_BYTES, end);
      assert.ok(bytes.length > 0, 'a read below the written end returns at least one batch');
      let pos = 0;
      while (pos < bytes.length) {
        const { header, records: decoded } = decodeRecordBatch(bytes, pos);
        pos += batchTotalBytes(bytes, pos);
        const from = offset;
        // A compacted batch may hold fewer records than it spans: go on after its last offset.
        offset = Math.max(offset, header.baseOffset + header.lastOffsetDelta + 1);
        for (const r of decoded) {
          if (r.offset < from) continue; // the first batch may start before `offset`
          records++;
          const keyBytes = r.key ? asBuffer(r.key) : null;
          const key = keyBytes ? decodeOffsetKey(keyBytes) : null;
          if (!key) {
            const groupId = keyBytes ? decodeGroupMetadataKey(keyBytes) : null;
            if (groupId === null) {
              skipped++;
              continue;
            }
            const meta = r.value ? decodeGroupMetadataValue(asBuffer(r.value)) : null;
            if (r.value && !meta) skipped++;
            // Log order is write order: a later record (or tombstone) replaces an earlier one.
            if (meta) shard.restored.set(groupId, meta);
            else shard.restored.delete(groupId);
            continue;
          }
          const value = r.value ? decodeOffsetValue(asBuffer(r.value)) : null;
          const entryKey = partitionKey(key.topic, key.partition);
          if (r.value && !value) {
            skipped++;
            continue;
          }
          shard.groups.add(key.group);
          this.apply(key.group, entryKey, value ? { ...value, logOffset: r.offset } : null);
        }
      }
    }
    if (skipped > 0) this.logger.warn({ partition: shard.index, skipped }, 'skipped offsets-log records of unknown versions');
    this.logger.debug({ partition: shard.index, records, logStartOffset: log.logStartOffset, logEndOffset: log.logEndOffset }, 'offsets replayed');
  }

  private shardLiveKeys(shard: Shard): number {
    let n = 0;
    for (const g of shard.groups) n += this.offsets.get(g)?.size ?? 0;
    return n;
  }

  private liveKeys(): number {
    let n = 0;
    for (const m of this.offsets.values()) n += m.size;
    return n;
  }
}

function takeRestored(shard: Shard): RestoredGroup[] {
  const out = [...shard.restored].map(([groupId, metadata]) => ({ groupId, metadata }));
  shard.restored = new Map();
  return out;
}
