/**
 * One partition as the broker serves it (Kafka's Partition + UnifiedLog): its LocalLog, the high
 * watermark, the leader epoch, the idempotent-producer state, and the fan-out of high-watermark
 * advances to parked fetches and acks=all produces.
 *
 * High watermark: what consumers may read, and what an acks=all produce waits for. Single node:
 * the log's durable end under flush policy 'always' (no consumer sees a record an OS crash
 * could take back), its written end under 'interval'/'never'. It only moves forward, except
 * that a truncation brings it back to the new log end. (A cluster replaces the rule with the
 * minimum over the in-sync replicas; the local log knows none of this.)
 *
 * Concurrency: `appendAsLeader` is synchronous from the sequence check through the log's offset
 * assignment to recording the batch, so two produces for the same producer can never both pass
 * the check (the check-then-act race is closed by running in one tick). Writes complete later
 * through the returned promises; a failed write rolls the producer state back. High-watermark
 * listeners and commit waiters run synchronously inside the log's write and flush paths.
 *
 * The broker works per batch: it reads the 61-byte headers (producer id, epoch, sequence,
 * lastOffsetDelta) and leaves records alone. Validation (length, magic, CRC) is the log's.
 */
import type { Logger } from '../logger.js';
import {
  CorruptLogError, InvalidRecordBatchError, InvalidRequestError, OutOfOrderSequenceError, StorageError, UnknownProducerIdError,
} from '../../proto/errors.js';
import { isControlBatch, readBatchHeader } from '../../proto/record-batch.js';
import { Deferred, noop } from '../storage/file-io.js';
import type { LocalLog, LogReadResult } from '../storage/local-log.js';
import { LEADER_EPOCH_DEFAULT, PRODUCER_STATE_REBUILD_OFFSETS } from '../constants.js';
import { readBatchIdentities, type BatchSpanIdentity } from './batch-identities.js';
import { CommitWaiters } from './commit-waiters.js';
import {
  formatEpochCheckpoint, LeaderEpochCache, rebuildEpochs, type EpochEndOffset, type EpochEntry, type EpochFileState, type ProbeBatch,
} from './leader-epoch-cache.js';
import type { ProducerRegistry } from './producer-ids.js';
import { ProducerStateTable, type PendingPosition, type ProducerBatch } from './producer-state.js';

/** How many replicas must hold an append before it is acknowledged (the produce's acks). */
export type Acks = 'all' | 'leader' | 'none';

/** Consumers read up to the high watermark; (later) followers up to the log end. */
export type ReadIsolation = 'high-watermark' | 'log-end';

export interface PartitionAppendResult {
  /** True when every batch was a retry of batches already in the log: nothing was appended. */
  readonly duplicate: boolean;
  readonly baseOffset: number;
  readonly lastOffset: number;
  /** -1 for duplicates: the original append time is not remembered. */
  readonly logAppendTimeMs: number;
  /** Settles when the bytes are written to the leader's file (acks=leader). */
  readonly written: Promise<void>;
  /**
   * acks=all only (null otherwise): settles when the high watermark passes lastOffset, and
   * rejects if the append fails first (write or fsync failure, truncation, close).
   */
  readonly committed: Promise<void> | null;
}

export interface PartitionReadResult extends LogReadResult {
  readonly highWatermark: number;
  readonly logStartOffset: number;
}

export type HighWatermarkListener = (highWatermark: number) => void;

/** The completion promises of an appended idempotent batch, while its write may still fail. */
interface Completion {
  readonly written: Promise<void>;
  readonly durable: Promise<void>;
}

export interface PartitionOptions {
  readonly topic: string;
  readonly index: number;
  readonly log: LocalLog;
  readonly logger: Logger;
  /** The partition's leader epochs. @default an empty cache for the log's directory */
  readonly epochs?: LeaderEpochCache;
  /**
   * Which producer ids and epochs were issued; batches naming others are refused. The broker
   * always passes its ProducerIdAllocator. @default none: every id is accepted (tests only)
   */
  readonly producerIds?: ProducerRegistry;
}

/** The producer id of a batch written without idempotence. */
const NO_PRODUCER_ID = -1;

/** What a follower append returns: the offsets the batches carried, and when they are written. */
export interface FollowerAppendResult {
  readonly baseOffset: number;
  readonly lastOffset: number;
  /** Settles when the bytes are in the file and any new epoch entry is in the checkpoint. */
  readonly written: Promise<void>;
}

export class Partition {
  readonly topic: string;
  readonly index: number;
  /** The local replica's log. Server code reads and writes through the partition instead. */
  readonly log: LocalLog;
  readonly producers = new ProducerStateTable();
  private readonly logger: Logger;
  private hw: number;
  private epoch = LEADER_EPOCH_DEFAULT;
  private readonly epochs: LeaderEpochCache;
  private readonly producerIds: ProducerRegistry | undefined;
  private readonly commits = new CommitWaiters();
  /**
   * Completions of remembered batches appended by this process. A retry that arrives while the
   * original is still in flight waits on the original's promises: acknowledging on the high
   * watermark alone could confirm a batch whose write then failed and whose offsets were
   * reused. Weak, so forgotten batches drop out on their own; batches rebuilt from the log have
   * no entry, being on disk already.
   */
  private readonly completions = new WeakMap<ProducerBatch, Completion>();
  private readonly hwListeners = new Set<HighWatermarkListener>();
  /**
   * Whether the local log alone moves the high watermark (single node). A replicated partition
   * turns this off: its leader's ReplicaTracker computes the minimum over the ISR, a follower
   * takes its leader's, and both call updateHighWatermark.
   */
  private localHighWatermark = true;
  private readonly onWritten = (end: number): void => {
    if (this.localHighWatermark && this.log.config.flushPolicy !== 'always') this.advanceHighWatermark(end);
  };
  private readonly onDurable = (end: number): void => {
    if (this.localHighWatermark && this.log.config.flushPolicy === 'always') this.advanceHighWatermark(end);
  };

  constructor(opts: PartitionOptions) {
    this.topic = opts.topic;
    this.index = opts.index;
    this.log = opts.log;
    this.logger = opts.logger;
    this.epochs = opts.epochs ?? LeaderEpochCache.empty(opts.log.dir);
    this.producerIds = opts.producerIds;
    // Everything a log holds when it is opened was recovered and made durable.
    this.hw = this.log.writtenEndOffset;
    this.log.on('written', this.onWritten);
    this.log.on('durable', this.onDurable);
    // Retention must not delete what consumers have not been allowed to see yet.
    this.log.retentionLimit = () => this.hw;
  }

  /**
   * Wraps an opened log: loads the leader-epoch checkpoint and brings it in line with the log
   * (rebuilt from batch headers when missing, garbled or behind), becomes leader at the
   * single-node epoch, and rebuilds the producer state from the log's tail.
   */
  static async open(opts: PartitionOptions): Promise<Partition> {
    const { cache, state } = await LeaderEpochCache.load(opts.log.dir);
    if (state === 'garbled') opts.logger.warn({ file: cache.path }, 'leader epoch checkpoint is garbled; rebuilding it from the log');
    const partition = new Partition({ ...opts, epochs: cache });
    try {
      await partition.reconcileEpochs(state);
      await partition.makeLeader(LEADER_EPOCH_DEFAULT);
      const scanned = await partition.rebuildProducerState();
      if (partition.producers.size > 0) {
        opts.logger.debug({ scanned, producers: partition.producers.size }, 'producer state rebuilt');
      }
    } catch (err) {
      partition.detach();
      throw err;
    }
    return partition;
  }

  // ---- state -----------------------------------------------------------------------------------

  /** What consumers may read (exclusive). */
  get highWatermark(): number {
    return this.hw;
  }

  get logStartOffset(): number {
    return this.log.logStartOffset;
  }

  get logEndOffset(): number {
    return this.log.logEndOffset;
  }

  /** The epoch of the current leader, stamped into every batch appended as leader. */
  get leaderEpoch(): number {
    return this.epoch;
  }

  /** False after an fsync error: nothing is acknowledged until the broker restarts. */
  get healthy(): boolean {
    return this.log.healthy;
  }

  get sizeBytes(): number {
    return this.log.sizeBytes;
  }

  get segmentCount(): number {
    return this.log.segmentCount;
  }

  /** Parked fetches and other high-watermark listeners (for tests and metrics). */
  get waiterCount(): number {
    return this.hwListeners.size;
  }

  // ---- append ----------------------------------------------------------------------------------

  /**
   * Appends one or more back-to-back batches from a client as the leader. Refuses, throwing
   * synchronously with nothing appended: control batches (InvalidRecordBatchError: markers are
   * the broker's to write), producer ids never issued (UnknownProducerIdError: negative ones
   * other than -1, and any id the registry did not hand out), epochs never issued
   * (InvalidProducerEpochError), sequence gaps and stale epochs (producer-state.ts), invalid
   * batches and an unhealthy log (the local log). A request mixing retried and new batches of
   * the same producer is refused with OutOfOrderSequenceError, since it cannot be half-applied.
   */
  appendAsLeader(records: Buffer, acks: Acks): PartitionAppendResult {
    if (acks !== 'all' && acks !== 'leader' && acks !== 'none') throw new InvalidRequestError(`unknown acks ${String(acks)}`);
    const spans = readBatchIdentities(records);
    // Unparseable framing (an unsafe producer id too): the log's validation produces the precise error.
    if (spans === null) return this.appendNew(records, null, acks);
    let idempotent = false;
    for (const { attributes, id } of spans) {
      if (isControlBatch(attributes)) throw new InvalidRecordBatchError('control batches are written by the broker, not by clients');
      if (id.producerId === NO_PRODUCER_ID) continue;
      if (id.producerId < 0) throw new UnknownProducerIdError(`producer id ${id.producerId} is neither -1 nor an issued id`);
      this.producerIds?.checkProduce(id.producerId, id.epoch);
      idempotent = true;
    }
    if (!idempotent) return this.appendNew(records, null, acks);

    const pending = new Map<number, PendingPosition>();
    const duplicates: ProducerBatch[] = [];
    let fresh = 0;
    for (const { id } of spans) {
      if (id.producerId === NO_PRODUCER_ID) {
        fresh++;
        continue;
      }
      const prior = pending.get(id.producerId);
      const verdict = this.producers.check(id, prior);
      if (verdict.kind === 'duplicate') {
        duplicates.push(verdict.batch);
      } else {
        fresh++;
        pending.set(id.producerId, { epoch: id.epoch, lastSeq: verdict.lastSeq });
      }
    }
    if (duplicates.length > 0 && fresh > 0) {
      throw new OutOfOrderSequenceError('request mixes retried and new batches for one partition');
    }
    if (duplicates.length > 0) return this.answerDuplicate(duplicates, acks);
    return this.appendNew(records, spans, acks);
  }

  private appendNew(records: Buffer, spans: BatchSpanIdentity[] | null, acks: Acks): PartitionAppendResult {
    const result = this.log.appendAsLeader(records, this.epoch);
    // The first append of an epoch the checkpoint does not know yet (makeLeader records it up
    // front; a full truncation forgets it) is acknowledged only once the entry is on disk.
    const epochWrite = this.epochs.latestEpoch < this.epoch && this.epochs.assign(this.epoch, result.baseOffset)
      ? this.epochs.persist() : null;
    const written = epochWrite ? Promise.all([result.written, epochWrite]).then(noop) : result.written;
    const durable = epochWrite ? Promise.all([result.durable, epochWrite]).then(noop) : result.durable;
    if (spans !== null) {
      // Offsets are contiguous from baseOffset in batch order; record each idempotent batch in
      // the same tick as the append, before any other request can run.
      const recorded: Array<[number, ProducerBatch]> = [];
      let base = result.baseOffset;
      for (const { id } of spans) {
        const last = base + id.lastOffsetDelta;
        if (id.producerId >= 0) recorded.push([id.producerId, this.producers.record(id, base, last)]);
        base = last + 1;
      }
      if (recorded.length > 0) {
        const completion: Completion = { written, durable };
        for (const [, batch] of recorded) this.completions.set(batch, completion);
        result.written.catch(() => {
          for (const [producerId, batch] of recorded) this.producers.rollback(producerId, batch);
        });
      }
    }
    return {
      duplicate: false,
      baseOffset: result.baseOffset,
      lastOffset: result.lastOffset,
      logAppendTimeMs: result.logAppendTimeMs,
      written,
      committed: acks === 'all' ? this.committedAfter(durable, result.lastOffset) : null,
    };
  }

  /**
   * Appends a leader's batches as they are (offsets and epochs kept; see
   * LocalLog.appendAsFollower), records each new epoch they start in the checkpoint, and
   * replays their producer ids. The high watermark is not this append's business: a follower
   * learns it from its leader.
   */
  appendAsFollower(records: Buffer): FollowerAppendResult {
    const result = this.log.appendAsFollower(records);
    let changed = false;
    for (let pos = 0; pos < records.length;) {
      const h = readBatchHeader(records, pos);
      if (h.partitionLeaderEpoch > this.epochs.latestEpoch) changed = this.epochs.assign(h.partitionLeaderEpoch, h.baseOffset) || changed;
      this.producers.replay({ producerId: h.producerId, epoch: h.producerEpoch, firstSeq: h.baseSequence, lastOffsetDelta: h.lastOffsetDelta }, h.baseOffset);
      pos += 12 + h.batchLength;
    }
    const written = changed ? Promise.all([result.written, this.epochs.persist()]).then(noop) : result.written;
    return { baseOffset: result.baseOffset, lastOffset: result.lastOffset, written };
  }

  /** Answers a retry with the original offsets, once the originals are written / committed. */
  private answerDuplicate(batches: ProducerBatch[], acks: Acks): PartitionAppendResult {
    const baseOffset = batches[0]!.baseOffset;
    const lastOffset = batches[batches.length - 1]!.lastOffset;
    const pending = batches.map((b) => this.completions.get(b)).filter((c): c is Completion => c !== undefined);
    const written = Promise.all(pending.map((c) => c.written)).then(noop);
    const durable = Promise.all(pending.map((c) => c.durable)).then(noop);
    const committed = acks === 'all' ? this.committedAfter(durable, lastOffset) : null;
    return { duplicate: true, baseOffset, lastOffset, logAppendTimeMs: -1, written, committed };
  }

  /**
   * Settles once the high watermark passes `lastOffset` after `durable` resolved; rejects with
   * `durable`'s failure. Waiting on `durable` too matters: a write that fails rewinds the log
   * end, and offsets below a high watermark reached later could then be other records.
   */
  private committedAfter(durable: Promise<void>, lastOffset: number): Promise<void> {
    const committed = new Deferred();
    durable.then(() => this.commits.wait(lastOffset, this.hw, committed), (err: unknown) => committed.reject(err));
    return committed.promise;
  }

  // ---- high watermark --------------------------------------------------------------------------

  private advanceHighWatermark(offset: number): void {
    if (offset <= this.hw) return;
    this.hw = offset;
    this.commits.release(offset);
    // Copy: a listener usually unsubscribes itself when it fires.
    for (const listener of [...this.hwListeners]) {
      try {
        listener(offset);
      } catch (err) {
        this.logger.error({ err }, 'high watermark listener failed');
      }
    }
  }

  /**
   * Replication: from now on only updateHighWatermark moves the high watermark (`true`), or the
   * local log does again (`false`, a partition back to a single replica).
   */
  setReplicatedHighWatermark(replicated: boolean): void {
    this.localHighWatermark = !replicated;
  }

  /**
   * Replication: the high watermark the replicas agreed on (the leader's minimum over the ISR, or
   * a follower's leader's). Never past the local written end, never backwards.
   */
  updateHighWatermark(offset: number): void {
    this.advanceHighWatermark(Math.min(offset, this.log.writtenEndOffset));
  }

  /** Calls `listener` on every high-watermark advance until the returned function is called. */
  onHighWatermark(listener: HighWatermarkListener): () => void {
    this.hwListeners.add(listener);
    return () => this.hwListeners.delete(listener);
  }

  // ---- leader epochs -----------------------------------------------------------------------------

  /**
   * This replica leads from now on, in `epoch` (never lower than the current one): the epoch
   * starts at the log end, and the entry is on disk before this resolves (Kafka's makeLeader).
   * An empty log records its first epoch with its first append instead (appendNew waits for
   * that write before acknowledging), so creating a topic costs no checkpoint write per partition.
   */
  async makeLeader(epoch: number): Promise<void> {
    if (!Number.isSafeInteger(epoch) || epoch < this.epoch) throw new RangeError(`leader epoch ${epoch} is below ${this.epoch}`);
    this.epoch = epoch;
    if (this.log.logEndOffset === this.log.logStartOffset) return;
    if (this.epochs.latestEpoch < epoch && this.epochs.assign(epoch, this.log.logEndOffset)) await this.epochs.persist();
  }

  /** OffsetsForLeaderEpoch: where `epoch` ended in this log (see LeaderEpochCache.endOffsetFor). */
  endOffsetForEpoch(epoch: number): EpochEndOffset {
    return this.epochs.endOffsetFor(epoch, this.log.logEndOffset);
  }

  /** The leader epochs of this log and their start offsets, oldest first. */
  epochEntries(): EpochEntry[] {
    return this.epochs.entries();
  }

  /**
   * Brings the epoch cache in line with the log after opening: entries past the log end go (a
   * crash after a truncation, before the checkpoint was rewritten), and epochs the log holds
   * beyond the latest entry (a crash before the checkpoint was written, or no file at all) are
   * found from batch headers. A corrupt header stops the search where it is: the log's reads
   * report that range, and the broker must still start.
   */
  private async reconcileEpochs(file: EpochFileState): Promise<void> {
    const end = this.log.writtenEndOffset;
    const before = formatEpochCheckpoint(this.epochs.entries());
    this.epochs.truncateFromEnd(end);
    const from = Math.max(this.log.logStartOffset, this.epochs.latestStartOffset);
    const probe: ProbeBatch = async (offset) => {
      for await (const h of this.log.scanBatchHeaders(offset, end)) {
        return { baseOffset: h.baseOffset, lastOffset: h.baseOffset + h.lastOffsetDelta, epoch: h.partitionLeaderEpoch };
      }
      return undefined;
    };
    try {
      const probes = await rebuildEpochs(this.epochs, probe, from, end);
      if (probes > 2) this.logger.debug({ probes, epochs: this.epochs.entries().length }, 'leader epochs found in the log');
    } catch (err) {
      if (!(err instanceof CorruptLogError)) throw err;
      this.logger.error({ err }, 'corrupt batch while finding leader epochs in the log; the epoch checkpoint may miss some');
    }
    const changed = formatEpochCheckpoint(this.epochs.entries()) !== before;
    // A missing file with an empty log stays missing: the first append writes it.
    if (changed || file === 'garbled') await this.epochs.persist();
  }

  // ---- truncation --------------------------------------------------------------------------------

  /**
   * Drops everything from the batch holding `offset` on (a replica cutting a divergent tail):
   * the log, the epochs that started there, the high watermark if it was past the new end, and
   * the producer state, rebuilt from what remains. Returns the new log end.
   */
  async truncateTo(offset: number): Promise<number> {
    const end = await this.log.truncateTo(offset);
    if (this.hw > end) this.hw = end;
    this.commits.rejectFrom(end, new StorageError(`${this.topic}-${this.index} was truncated to ${end}`));
    if (this.epochs.truncateFromEnd(end)) await this.epochs.persist();
    await this.rebuildProducerState();
    return end;
  }

  /** Empties the log and starts it at `offset` (Kafka's truncateFullyAndStartAt): no epoch, no producer is known. */
  async truncateFullyAndStartAt(offset: number): Promise<void> {
    await this.log.truncateFullyAndStartAt(offset);
    this.hw = offset;
    this.commits.rejectAll(new StorageError(`${this.topic}-${this.index} was emptied`));
    this.producers.clear();
    if (this.epochs.clear()) await this.epochs.persist();
  }

  // ---- reads -----------------------------------------------------------------------------------

  /**
   * Whole batches from the one holding `offset`, up to `maxBytes` but at least one batch, never
   * a batch reaching the isolation's bound: the high watermark for consumers, the written log
   * end for replicas. Throws OffsetOutOfRangeError outside [logStartOffset, logEndOffset].
   * `release()` of the result gives recycled read buffers back once the records were copied.
   */
  async read(offset: number, maxBytes: number, isolation: ReadIsolation): Promise<PartitionReadResult> {
    const bound = isolation === 'high-watermark' ? this.hw : this.log.writtenEndOffset;
    const res = await this.log.read(offset, maxBytes, bound);
    return { records: res.records, release: res.release, highWatermark: this.hw, logStartOffset: this.log.logStartOffset };
  }

  /** First offset whose record timestamp is >= `timestampMs`, below the high watermark. */
  offsetForTimestamp(timestampMs: number): Promise<{ offset: number; timestamp: number } | null> {
    return this.log.offsetForTimestamp(timestampMs, this.hw);
  }

  // ---- recovery and lifecycle ------------------------------------------------------------------

  /**
   * Rebuilds producer state from the batch headers of the log's tail (the last
   * PRODUCER_STATE_REBUILD_OFFSETS offsets), so a producer retrying a batch written just
   * before a crash is answered as a duplicate. Returns the number of batch headers read.
   *
   * A corrupt batch header (bit rot in a sealed segment) must not keep the partition, and so
   * the broker, from starting: its reads already report CorruptLogError for that range. The
   * scan logs it and goes on from the next segment; batches in the skipped range are unknown
   * to the producer state, as if they were older than the rebuilt tail.
   */
  async rebuildProducerState(): Promise<number> {
    this.producers.clear();
    const end = this.log.writtenEndOffset;
    let from = Math.max(this.log.logStartOffset, end - PRODUCER_STATE_REBUILD_OFFSETS);
    let scanned = 0;
    for (;;) {
      try {
        for await (const h of this.log.scanBatchHeaders(from, end)) {
          scanned++;
          this.producers.replay(
            { producerId: h.producerId, epoch: h.producerEpoch, firstSeq: h.baseSequence, lastOffsetDelta: h.lastOffsetDelta },
            h.baseOffset,
          );
          from = h.baseOffset + h.lastOffsetDelta + 1;
        }
        return scanned;
      } catch (err) {
        if (!(err instanceof CorruptLogError)) throw err;
        const next = this.log.segmentBaseOffsets().find((base) => base > from);
        this.logger.error({ err, offset: from, resumeAt: next ?? null }, 'corrupt batch while rebuilding producer state; skipping to the next segment');
        if (next === undefined) return scanned;
        from = next;
      }
    }
  }

  /** Stops listening to the log; the log itself is closed by its LogManager. */
  detach(): void {
    this.log.off('written', this.onWritten);
    this.log.off('durable', this.onDurable);
    this.hwListeners.clear();
    this.commits.rejectAll(new StorageError(`${this.topic}-${this.index} was closed`));
  }
}
