/**
 * Push delivery: the subscriptions of one connection (proto/strata.proto, SubscribeRequest).
 * Instead of a fetch request per batch, a tailing consumer subscribes its partitions once; the
 * broker then sends each partition's new whole batches as its high watermark moves.
 *
 * Reading: exactly what a fetch reads (readFetchPass with the connection's reader: the same
 * high-watermark bound, whole batches, compaction gaps as the log has them). A partition's
 * frame budget is its partition_max_bytes, a frame's what is left of the subscription's credit
 * (capped at FETCH_RESPONSE_BYTES_MAX). As in a fetch, the first partition with data gets at
 * least one whole batch, so the credit may be overrun by at most one batch and an oversized
 * batch never stalls a subscriber.
 *
 * Turns: high-watermark events only mark a partition dirty; one flush per event-loop turn
 * (setImmediate, which runs right after the poll phase in which the covering fdatasync
 * completed) reads every dirty partition of a subscription and sends them in one frame. A flush
 * never overlaps another of the same subscription; events during one mark partitions for the next.
 *
 * Bounds: nothing is buffered here. With no credit left, dirty partitions just stay dirty (their
 * bytes stay in the log) until SubscriptionCredit comes; while the connection is congested (the
 * slow-consumer cap, connection-core.ts) or a quota throttles, flushes wait the same way. So
 * the bytes queued for one subscription are at most its credit plus one batch.
 *
 * Ending: a partition error (unknown topic, not the leader any more, a stale epoch, offset out
 * of range, read ACL gone) is sent in a frame and ends that partition's subscription; the client
 * falls back to fetching. What no high-watermark event announces (leadership lost, topic deleted,
 * ACL revoked) is found by a check every SUBSCRIPTION_CHECK_MS. close() ends everything (the
 * connection closed). Event-loop only.
 */
import { LimitExceededError, NotLeaderOrFollowerError, StrataError, UnknownServerError } from '../../proto/errors.js';
import { BATCH_LENGTH_PREFIX_BYTES } from '../../proto/constants.js';
import type { FetchFrameBody, FetchFramePartition } from '../../proto/fetch-response-frame.js';
import { lastOffsetOf, OFFSET_BATCH_LENGTH, OFFSET_RECORDS_COUNT } from '../../proto/record-batch.js';
import {
  FETCH_RESPONSE_BYTES_MAX, SUBSCRIBED_PARTITIONS_PER_CONNECTION_MAX, SUBSCRIPTION_CHECK_MS, SUBSCRIPTION_CREDIT_BYTES_MAX,
  SUBSCRIPTIONS_PER_CONNECTION_MAX,
} from '../constants.js';
import type { Logger } from '../logger.js';
import type { Partition } from '../partition/partition.js';
import { readFetchPass, type FetchTarget, type HeldReadBuffers, type PartitionReader } from './fetch-reader.js';
import type { TrafficObserver } from './hooks.js';
import type { ServerStats } from './server-stats.js';

/** One partition to subscribe, as the subscribe handler resolved it. */
export interface SubscriptionEntry {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly partitionMaxBytes: number;
  /** The leader's partition; undefined with a refusal. */
  readonly source: Partition | undefined;
  /** Why the partition cannot be subscribed: sent as its error at once. */
  readonly refusal: StrataError | null;
}

/** A frame of pushed batches before encoding; the codec releases the read buffers once it copied them. */
export interface PushedBatches extends FetchFrameBody, HeldReadBuffers {
  readonly topics: Array<{ readonly name: string; readonly partitions: FetchFramePartition[] }>;
}

export interface SubscriptionSetOptions {
  /** Encodes and sends one frame of `subscriptionId` (the connection's codec and transport). */
  readonly push: (subscriptionId: number, batches: PushedBatches) => number;
  /** False while the connection is congested or closed: flushes wait for resume(). */
  readonly canSend: () => boolean;
  /** How the partitions are read (the connection's fetch reader). */
  readonly read: PartitionReader;
  /** The partition's current leader replica here, or the error a fetch would get now (checked each flush and SUBSCRIPTION_CHECK_MS). */
  readonly recheck: (topic: string, partition: number) => { source: Partition } | { error: StrataError };
  /** The quota hook's delay for `bytesOut` bytes sent as fetch answers (0: none). */
  readonly throttleMs: (bytesOut: number) => number;
  readonly traffic?: TrafficObserver | undefined;
  readonly stats: ServerStats;
  readonly logger: Logger;
}

interface SubscribedPartition {
  readonly topic: string;
  readonly partition: number;
  /** The next offset to send from. */
  offset: number;
  readonly partitionMaxBytes: number;
  readonly source: Partition;
  readonly epoch: number;
  /** Set by the periodic check (or at subscribe): sent as the partition's error by the next flush. */
  refusal: StrataError | null;
  stopListening: () => void;
}

interface Subscription {
  readonly id: number;
  credit: number;
  readonly partitions: Map<string, SubscribedPartition>;
  readonly dirty: Set<SubscribedPartition>;
  /** Refusals of partitions never subscribed (unknown topic...), sent by the next flush. */
  refusedAtSubscribe: Array<{ topic: string; partition: number; error: StrataError }>;
  flushing: boolean;
  /** Quota: no flush before this (performance.now() ms). */
  holdUntilMs: number;
}

const EMPTY = Buffer.alloc(0);

export class SubscriptionSet {
  private readonly subs = new Map<number, Subscription>();
  private partitionCount = 0;
  private scheduled = false;
  private closed = false;
  private checkTimer: NodeJS.Timeout | null = null;
  private holdTimer: NodeJS.Timeout | null = null;

  constructor(private readonly opts: SubscriptionSetOptions) {}

  /** Partitions subscribed on this connection (tests, metrics). */
  get partitions(): number {
    return this.partitionCount;
  }

  /** Credit left over all subscriptions: the most record bytes that may still be sent unasked. */
  get creditBytes(): number {
    let sum = 0;
    for (const s of this.subs.values()) sum += s.credit;
    return sum;
  }

  /**
   * Adds `entries` to subscription `id` (creating it), replacing a partition already in it, and
   * `creditBytes` to its credit. Throws LimitExceededError past the per-connection limits, before
   * changing anything.
   */
  subscribe(id: number, creditBytes: number, entries: readonly SubscriptionEntry[]): void {
    let sub = this.subs.get(id);
    if (!sub && this.subs.size >= SUBSCRIPTIONS_PER_CONNECTION_MAX) {
      throw new LimitExceededError(`more than ${SUBSCRIPTIONS_PER_CONNECTION_MAX} subscriptions on one connection`);
    }
    const added = entries.filter((e) => e.source !== undefined && !sub?.partitions.has(keyOf(e.topic, e.partition))).length;
    if (this.partitionCount + added > SUBSCRIBED_PARTITIONS_PER_CONNECTION_MAX) {
      throw new LimitExceededError(`more than ${SUBSCRIBED_PARTITIONS_PER_CONNECTION_MAX} subscribed partitions on one connection`);
    }
    if (!sub) {
      sub = { id, credit: 0, partitions: new Map(), dirty: new Set(), refusedAtSubscribe: [], flushing: false, holdUntilMs: 0 };
      this.subs.set(id, sub);
    }
    sub.credit = Math.min(SUBSCRIPTION_CREDIT_BYTES_MAX, sub.credit + creditBytes);
    for (const e of entries) {
      const key = keyOf(e.topic, e.partition);
      this.drop(sub, key);
      if (e.refusal || !e.source) {
        sub.refusedAtSubscribe.push({ topic: e.topic, partition: e.partition, error: e.refusal ?? new UnknownServerError() });
        continue;
      }
      const source = e.source;
      const sp: SubscribedPartition = {
        topic: e.topic, partition: e.partition, offset: e.offset, partitionMaxBytes: e.partitionMaxBytes,
        source, epoch: source.leaderEpoch, refusal: null, stopListening: () => {},
      };
      const owner = sub;
      sp.stopListening = source.onHighWatermark(() => this.markDirty(owner, sp));
      sub.partitions.set(key, sp);
      this.partitionCount++;
      // What is already past the offset goes at once (a consumer subscribes where its last fetch ended).
      sub.dirty.add(sp);
    }
    this.schedule();
    this.startChecking();
  }

  /** More credit for subscription `id`; unknown ids are ignored (it ended, e.g. all its partitions failed). */
  addCredit(id: number, creditBytes: number): void {
    const sub = this.subs.get(id);
    if (!sub) return;
    sub.credit = Math.min(SUBSCRIPTION_CREDIT_BYTES_MAX, sub.credit + creditBytes);
    if (sub.dirty.size > 0) this.schedule();
  }

  /** Ends the listed partitions of `id`, or the whole subscription when `topics` is empty. */
  unsubscribe(id: number, topics: ReadonlyArray<{ name: string; partitions: readonly number[] }>): void {
    const sub = this.subs.get(id);
    if (!sub) return;
    if (topics.length === 0) {
      for (const key of [...sub.partitions.keys()]) this.drop(sub, key);
      this.subs.delete(id);
    } else {
      for (const t of topics) for (const p of t.partitions) this.drop(sub, keyOf(t.name, p));
    }
    this.stopCheckingIfIdle();
  }

  /** The connection can take frames again (it drained below the slow-consumer cap). */
  resume(): void {
    for (const sub of this.subs.values()) if (sub.dirty.size > 0 || sub.refusedAtSubscribe.length > 0) this.schedule();
  }

  /** The connection closed: every subscription ends, nothing more is read or sent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const sub of this.subs.values()) for (const key of [...sub.partitions.keys()]) this.drop(sub, key);
    this.subs.clear();
    if (this.checkTimer) clearInterval(this.checkTimer);
    if (this.holdTimer) clearTimeout(this.holdTimer);
    this.checkTimer = null;
    this.holdTimer = null;
  }

  // ---- internals -------------------------------------------------------------------------------

  private drop(sub: Subscription, key: string): void {
    const sp = sub.partitions.get(key);
    if (!sp) return;
    sp.stopListening();
    sub.partitions.delete(key);
    sub.dirty.delete(sp);
    this.partitionCount--;
  }

  private markDirty(sub: Subscription, sp: SubscribedPartition): void {
    sub.dirty.add(sp);
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || this.closed) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flushAll();
    });
  }

  private flushAll(): void {
    if (this.closed || !this.opts.canSend()) return;
    const now = performance.now();
    for (const sub of this.subs.values()) {
      if (sub.flushing || (sub.dirty.size === 0 && sub.refusedAtSubscribe.length === 0)) continue;
      if (sub.holdUntilMs > now) {
        this.holdFor(sub.holdUntilMs - now);
        continue;
      }
      void this.flush(sub).catch((err: unknown) => this.opts.logger.error({ err, subscriptionId: sub.id }, 'subscription flush failed'));
    }
  }

  /** One frame for `sub`: its refusals, then what its dirty partitions have past their offsets, within its credit. */
  private async flush(sub: Subscription): Promise<void> {
    sub.flushing = true;
    try {
      const errors: Array<{ topic: string; partition: FetchFramePartition }> = [];
      for (const r of sub.refusedAtSubscribe.splice(0)) {
        errors.push({ topic: r.topic, partition: { partition: r.partition, error: r.error, highWatermark: -1, logStartOffset: -1, records: EMPTY } });
      }
      const targets: FetchTarget[] = [];
      const picked: SubscribedPartition[] = [];
      for (const sp of sub.dirty) {
        const refusal = sp.refusal ?? this.refusalOf(sp);
        // Without credit only refusals go out; the others stay dirty until credit comes.
        if (refusal === null && sub.credit <= 0) continue;
        sub.dirty.delete(sp);
        picked.push(sp);
        targets.push({ topic: sp.topic, partition: sp.partition, fetchOffset: sp.offset, partitionMaxBytes: sp.partitionMaxBytes, source: sp.source, refusal });
      }
      if (targets.length === 0 && errors.length === 0) return;
      const budget = Math.min(Math.max(sub.credit, 0), FETCH_RESPONSE_BYTES_MAX);
      const pass = await readFetchPass(targets, budget, this.opts.read);
      if (this.closed || this.subs.get(sub.id) !== sub) {
        pass.release();
        return;
      }
      const byTopic = new Map<string, FetchFramePartition[]>();
      for (const e of errors) addTo(byTopic, e.topic, e.partition);
      let bytes = 0;
      const starved: SubscribedPartition[] = [];
      pass.reads.forEach((read, i) => {
        const sp = picked[i]!;
        if (sub.partitions.get(keyOf(sp.topic, sp.partition)) !== sp) return; // unsubscribed during the read
        if (read.error) {
          if (read.error instanceof UnknownServerError && read.error.cause !== undefined) {
            this.opts.logger.error({ err: read.error.cause, topic: sp.topic, partition: sp.partition }, 'subscription read failed unexpectedly');
          }
          addTo(byTopic, sp.topic, { partition: sp.partition, error: read.error, highWatermark: read.highWatermark, logStartOffset: read.logStartOffset, records: EMPTY });
          this.drop(sub, keyOf(sp.topic, sp.partition));
          return;
        }
        if (read.records.length === 0) {
          // The frame's budget ran out before this partition: next frame (if this one made progress).
          if (sp.offset < read.highWatermark) starved.push(sp);
          return;
        }
        const { nextOffset, records } = endOf(read.records);
        sp.offset = Math.max(sp.offset, nextOffset);
        bytes += read.records.length;
        this.opts.traffic?.fetched(sp.topic, records, read.records.length);
        addTo(byTopic, sp.topic, { partition: sp.partition, error: null, highWatermark: read.highWatermark, logStartOffset: read.logStartOffset, records: read.records });
        // More than one frame's worth was waiting: keep going next turn.
        if (sp.offset < sp.source.highWatermark) sub.dirty.add(sp);
      });
      // Only after a frame that carried bytes: a read that finds nothing below the high watermark
      // must wait for the next event, not spin.
      if (bytes > 0) for (const sp of starved) sub.dirty.add(sp);
      if (byTopic.size === 0) {
        pass.release();
        return;
      }
      sub.credit -= bytes;
      const frameBytes = this.opts.push(sub.id, {
        topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
        release: pass.release,
      });
      this.opts.stats.pushFrames++;
      this.opts.stats.pushRecordBytes += bytes;
      const delayMs = this.opts.throttleMs(frameBytes);
      if (delayMs > 0) sub.holdUntilMs = performance.now() + delayMs;
      if (sub.credit <= 0) this.opts.stats.pushCreditStalls++;
    } finally {
      sub.flushing = false;
      if (sub.dirty.size > 0 && (sub.credit > 0 || sub.holdUntilMs > performance.now())) this.schedule();
    }
  }

  /** Why `sp` may not be read any more (leadership, epoch, topic gone), or null. */
  private refusalOf(sp: SubscribedPartition): StrataError | null {
    const now = this.opts.recheck(sp.topic, sp.partition);
    if ('error' in now) return now.error;
    if (now.source !== sp.source || now.source.leaderEpoch !== sp.epoch) {
      return new NotLeaderOrFollowerError(`${sp.topic}-${sp.partition} changed leader or epoch since it was subscribed`);
    }
    return null;
  }

  private holdFor(ms: number): void {
    if (this.holdTimer) return;
    this.holdTimer = setTimeout(() => {
      this.holdTimer = null;
      this.flushAll();
    }, Math.ceil(ms));
  }

  private startChecking(): void {
    if (this.checkTimer || this.closed) return;
    this.checkTimer = setInterval(() => this.checkAll(), SUBSCRIPTION_CHECK_MS);
    this.checkTimer.unref?.();
  }

  private stopCheckingIfIdle(): void {
    if (this.partitionCount > 0 || !this.checkTimer) return;
    clearInterval(this.checkTimer);
    this.checkTimer = null;
  }

  /** What no high-watermark event tells: a refused partition is marked for the next flush to end. */
  private checkAll(): void {
    for (const sub of this.subs.values()) {
      for (const sp of sub.partitions.values()) {
        if (sp.refusal) continue;
        sp.refusal = this.refusalOf(sp);
        if (sp.refusal) this.markDirty(sub, sp);
      }
    }
    this.stopCheckingIfIdle();
  }
}

function keyOf(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

function addTo(byTopic: Map<string, FetchFramePartition[]>, topic: string, p: FetchFramePartition): void {
  let list = byTopic.get(topic);
  if (!list) byTopic.set(topic, (list = []));
  list.push(p);
}

/** One past the last offset of whole stored batches, and their record count (per batch, from headers). */
function endOf(batches: Buffer): { nextOffset: number; records: number } {
  let pos = 0;
  let last = -1;
  let records = 0;
  while (pos + OFFSET_RECORDS_COUNT + 4 <= batches.length) {
    last = pos;
    records += batches.readInt32BE(pos + OFFSET_RECORDS_COUNT);
    const next = pos + BATCH_LENGTH_PREFIX_BYTES + batches.readInt32BE(pos + OFFSET_BATCH_LENGTH);
    if (next <= pos) break; // stored batches are validated; never loop on a bad length anyway
    pos = next;
  }
  return { nextOffset: last < 0 ? -1 : lastOffsetOf(batches, last) + 1, records };
}
