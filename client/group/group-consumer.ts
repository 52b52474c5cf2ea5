/**
 * A consumer that is a member of a consumer group: `client.consumer({ groupId })`, then
 * `subscribe(topics)`, then `for await (const record of consumer)`. The broker splits the
 * subscribed topics' partitions among the group's members and moves them when members come and
 * go; this class follows those moves and commits how far it got.
 *
 * Built on the manual Consumer (client/consumer.ts): that one fetches, buffers and decodes the
 * partitions it is assigned; this one decides what it is assigned (Membership, membership.ts)
 * and where each partition starts (the group's committed offset, else `autoOffsetReset`).
 *
 * Processed vs. handed out: a record counts as processed once the application asks for the
 * next record (or leaves the loop). Commits - automatic or `commit()` - cover processed records
 * only. A revocation waits (up to half the rebalance timeout) for the record the loop body is
 * working on, so an orderly handover re-delivers nothing; a crash or eviction re-delivers the
 * records after the last commit. Result: no record is ever skipped, and only records after the
 * last commit may be seen twice.
 *
 * Rebalances: with 'cooperative-sticky' the member keeps consuming while it rejoins and only
 * the partitions that move are revoked (committed first, then onPartitionsRevoked). With the
 * eager strategies every partition is revoked that way before rejoining. Records of a revoked
 * or lost partition still buffered are dropped, never handed out.
 *
 * Concurrency: one reading loop at a time (iterator or batches()); everything else may be
 * called from inside it.
 */
import type { BrokerDirectory } from '../broker-directory.js';
import {
  ConnectionClosedError, InvalidConfigError, InvalidRequestError, NoOffsetForPartitionError, OffsetOutOfRangeError,
  StrataError, UnknownServerError,
} from '../../proto/errors.js';
import type { Connection } from '../connection.js';
import type { Consumer } from '../consumer.js';
import type { LeaderRouter } from '../leader-router.js';
import type { CoordinatorLink } from './coordinator-link.js';
import type { ConsumerBatch, ConsumerRecord, TopicPartition } from '../consumer-options.js';
import { checkOffset, resolveOffsets, type OffsetSpec } from '../list-offsets.js';
import type { Logger } from '../logger.js';
import { retry, type RetryPolicy } from '../retry.js';
import type { RebalanceListener, ResolvedGroupOptions } from './group-options.js';
import { commitOffsets, fetchOffsets, type CommittedOffset, type JoinResult, type OffsetToCommit } from './group-requests.js';
import { Membership } from './membership.js';
import { platform } from '#platform';

export interface GroupConsumerDeps {
  connection: Connection;
  retry: RetryPolicy;
  requestTimeoutMs: number;
  clientId: string;
  logger: Logger;
  /** Every bootstrap URL (the connection's included), for finding a live broker when that one is down. */
  bootstrap?: readonly string[];
  /** The brokers the owning client learned, shared with its other routers. */
  directory?: BrokerDirectory;
}

/** What createGroupConsumer adds: the router the inner consumer fetches through, and the coordinator found through it. */
export interface GroupConsumerLinks {
  router: LeaderRouter;
  coordinator: CoordinatorLink;
}

/** One partition this member owns. */
interface OwnedPartition {
  readonly topic: string;
  readonly partition: number;
  /** Next offset after the last record the application finished with. */
  processed: number;
  /** The committed offset as far as this member knows (-1: none). */
  committed: number;
  /** False while it has no start offset (autoOffsetReset 'none' and nothing committed). */
  positioned: boolean;
  /** Cleared when revoked or lost: its records are dropped and processed marks ignored. */
  live: boolean;
  /**
   * Set when a revocation starts: records of it are no longer handed out, but the one the
   * application already holds may still be marked processed (and so committed).
   */
  revoking: boolean;
}

const DONE: IteratorResult<never> = Object.freeze({ value: undefined as never, done: true });

export class GroupConsumer<V = Uint8Array> implements AsyncIterable<ConsumerRecord<V>> {
  private readonly membership: Membership;
  private readonly owned = new Map<string, Array<OwnedPartition | undefined>>();
  private readonly userPaused = new Map<string, Set<number>>();
  private pendingErrors: StrataError[] = [];
  private errorSignal: Promise<null> | null = null;
  private signalError: (() => void) | null = null;
  private lastYielded: { op: OwnedPartition; next: number } | null = null;
  /** Woken each time the application finishes a record (asks for the next one). */
  private processedWaiters: Array<() => void> = [];
  private commitChain: Promise<unknown> = Promise.resolve();
  private assignChain: Promise<unknown> = Promise.resolve();
  private autoCommitTimer: ReturnType<typeof setInterval> | null = null;
  private closed = false;

  constructor(
    private readonly opts: ResolvedGroupOptions,
    private readonly inner: Consumer<V>,
    private readonly deps: GroupConsumerDeps & GroupConsumerLinks,
  ) {
    this.membership = new Membership(opts, deps, {
      prepareJoin: () => this.prepareJoin(),
      joined: (res) => this.onJoined(res),
      lost: (err) => this.onLost(err),
      failed: (err) => this.pushError(err),
    });
  }

  get groupId(): string { return this.opts.groupId; }
  /** This member's id ('' before the first join). */
  get memberId(): string { return this.membership.memberId; }
  /** The generation this member is in (-1 before the first join). */
  get generationId(): number { return this.membership.generationId; }

  /**
   * Joins the group (or changes the subscription) and resolves once this member has its first
   * assignment for these topics, positioned and being fetched.
   */
  subscribe(topics: string | readonly string[]): Promise<void> {
    this.checkOpen();
    const list = typeof topics === 'string' ? [topics] : [...topics];
    if (list.length === 0 || list.some((t) => typeof t !== 'string' || t.length === 0)) {
      throw new InvalidConfigError('subscribe() needs one or more topic names');
    }
    if (this.opts.autoCommit && !this.autoCommitTimer) {
      this.autoCommitTimer = setInterval(() => {
        this.commitOwned(this.ownedList()).catch((err: unknown) => this.deps.logger.warn({ err: (err as Error).message }, 'auto-commit failed'));
      }, this.opts.autoCommitIntervalMs);
      platform.unrefTimer(this.autoCommitTimer);
    }
    return this.membership.subscribe(list);
  }

  /** The partitions this member owns now. */
  assignment(): TopicPartition[] {
    return this.ownedList().map((op) => ({ topic: op.topic, partition: op.partition }));
  }

  /** The offset of the next record the application will receive from `tp`. */
  position(tp: TopicPartition): number {
    const op = this.ownedOrThrow(tp);
    return op.positioned ? this.inner.position(tp) : -1;
  }

  /** Moves an owned partition; also how to start one that got NoOffsetForPartitionError. */
  async seek(tp: TopicPartition, offset: OffsetSpec): Promise<void> {
    const op = this.ownedOrThrow(tp);
    if (op.positioned) {
      await this.inner.seek(tp, offset);
      op.processed = this.inner.position(tp);
      return;
    }
    const [start] = typeof offset === 'number'
      ? [checkOffset(offset)]
      : await retry(() => resolveOffsets(this.deps.router, [{ topic: tp.topic, partition: tp.partition, spec: offset }]), this.deps.retry);
    op.processed = start!;
    op.positioned = true;
    await this.serialized(() => this.syncInner());
  }

  pause(tps: readonly TopicPartition[]): void {
    for (const tp of tps) {
      const op = this.ownedOrThrow(tp);
      let set = this.userPaused.get(tp.topic);
      if (!set) this.userPaused.set(tp.topic, (set = new Set()));
      set.add(tp.partition);
      if (op.positioned) this.inner.pause([tp]);
    }
  }

  resume(tps: readonly TopicPartition[]): void {
    for (const tp of tps) {
      const op = this.ownedOrThrow(tp);
      this.userPaused.get(tp.topic)?.delete(tp.partition);
      if (op.positioned) this.inner.resume([tp]);
    }
  }

  paused(): TopicPartition[] {
    const out: TopicPartition[] = [];
    for (const [topic, set] of this.userPaused) for (const partition of set) out.push({ topic, partition });
    return out;
  }

  /**
   * Commits `offsets` as given, or else the processed position of every owned partition that
   * moved since its last commit. Resolves once durable at the broker. Throws
   * IllegalGenerationError / UnknownMemberIdError when this member was fenced off (its
   * partitions are gone or going), or the first per-partition error.
   */
  async commit(offsets?: readonly OffsetToCommit[]): Promise<void> {
    this.checkOpen();
    if (offsets === undefined) return this.commitOwned(this.ownedList());
    for (const o of offsets) checkOffset(o.offset);
    await this.serializedCommit(async () => {
      const failures = await this.deps.coordinator.run((conn) => commitOffsets(conn, this.opts.groupId, this.memberId, this.generationId, offsets));
      const failed = new Set(failures.map((f) => `${f.topic}\u0000${f.partition}`));
      for (const o of offsets) {
        const op = this.owned.get(o.topic)?.[o.partition];
        if (op && !failed.has(`${o.topic}\u0000${o.partition}`)) op.committed = o.offset;
      }
      if (failures.length > 0) throw failures[0]!.error;
    });
  }

  /** The group's committed offsets for `partitions` (default: this member's). */
  async committed(partitions?: readonly TopicPartition[]): Promise<CommittedOffset[]> {
    const list = partitions ?? this.assignment();
    if (list.length === 0) return [];
    return retry(() => this.deps.coordinator.run((conn) => fetchOffsets(conn, this.opts.groupId, list)), this.deps.retry);
  }

  /**
   * Leaves the group: commits processed positions (with autoCommit), calls
   * onPartitionsRevoked, sends LeaveGroup so the others take over at once, closes the connection.
   * A static member (groupInstanceId set) sends no LeaveGroup: its partitions wait for it to
   * restart within the session timeout, after which the broker evicts it and the others rebalance.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.autoCommitTimer) clearInterval(this.autoCommitTimer);
    this.autoCommitTimer = null;
    this.membership.stop();
    const owned = this.ownedList();
    try {
      if (this.opts.autoCommit) await this.commitOwned(owned).catch((err: unknown) => this.deps.logger.warn({ err: (err as Error).message }, 'commit on close failed'));
      await this.callListener(this.opts.onPartitionsRevoked, owned);
      await this.membership.leave();
    } finally {
      for (const op of owned) op.live = false;
      this.owned.clear();
      this.wakeReader();
      this.deps.coordinator.close();
      await this.inner.close();
      await this.deps.connection.close();
      await this.membership.finished();
    }
  }

  // ---- reading ---------------------------------------------------------------------------

  [Symbol.asyncIterator](): AsyncIterator<ConsumerRecord<V>> {
    const it = this.inner[Symbol.asyncIterator]();
    let pending: Promise<IteratorResult<ConsumerRecord<V>>> | null = null;
    return {
      next: async () => {
        this.markProcessed();
        for (;;) {
          const err = this.pendingErrors.shift();
          if (err) throw err;
          if (this.closed) return DONE;
          pending ??= it.next();
          let res: IteratorResult<ConsumerRecord<V>> | null;
          try {
            res = await Promise.race([pending, this.errorWait()]);
          } catch (e) {
            pending = null;
            if (await this.recover(e)) continue;
            throw e;
          }
          if (res === null) continue; // an error (or close) arrived first; `pending` stays
          pending = null;
          // Closing has committed what was processed: nothing may be handed out after that.
          if (res.done || this.closed) return DONE;
          const r = res.value;
          const op = this.owned.get(r.topic)?.[r.partition];
          if (op === undefined || !op.live || op.revoking) continue;
          this.lastYielded = { op, next: r.offset + 1 };
          return res;
        }
      },
      return: async () => {
        this.markProcessed();
        return DONE;
      },
    };
  }

  /** Records one fetched batch at a time; a batch counts as processed when the next is asked for. */
  async *batches(): AsyncGenerator<ConsumerBatch<V>, void, undefined> {
    const gen = this.inner.batches();
    let pending: Promise<IteratorResult<ConsumerBatch<V>, void>> | null = null;
    try {
      for (;;) {
        this.markProcessed();
        const err = this.pendingErrors.shift();
        if (err) throw err;
        if (this.closed) return;
        pending ??= gen.next();
        let res: IteratorResult<ConsumerBatch<V>, void> | null;
        try {
          res = await Promise.race([pending, this.errorWait()]);
        } catch (e) {
          pending = null;
          if (await this.recover(e)) continue;
          throw e;
        }
        if (res === null) continue;
        pending = null;
        if (res.done || this.closed) return;
        const b = res.value;
        const op = this.owned.get(b.topic)?.[b.partition];
        if (op === undefined || !op.live || op.revoking || b.records.length === 0) continue;
        this.lastYielded = { op, next: b.records[b.records.length - 1]!.offset + 1 };
        yield b;
      }
    } finally {
      this.markProcessed();
    }
  }

  private markProcessed(): void {
    const y = this.lastYielded;
    if (y === null) return;
    this.lastYielded = null;
    if (y.op.live && y.next > y.op.processed) y.op.processed = y.next;
    if (this.processedWaiters.length > 0) for (const wake of this.processedWaiters.splice(0)) wake();
  }

  /**
   * Waits (at most half the rebalance timeout, so this member still rejoins in time) until the
   * record the application holds, if it is from one of `ops`, is finished, so the revocation
   * commit covers it instead of leaving it to be delivered again to the next owner.
   */
  private async awaitInFlight(ops: readonly OwnedPartition[]): Promise<void> {
    const deadline = Date.now() + Math.floor(this.opts.rebalanceTimeoutMs / 2);
    const set = new Set(ops);
    while (this.lastYielded !== null && set.has(this.lastYielded.op) && !this.closed) {
      const leftMs = deadline - Date.now();
      if (leftMs <= 0) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, leftMs);
        this.processedWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Resolves with null when an error is queued for the reader or the consumer closes. */
  private errorWait(): Promise<null> {
    this.errorSignal ??= new Promise<null>((resolve) => { this.signalError = () => resolve(null); });
    return this.errorSignal;
  }

  private wakeReader(): void {
    const wake = this.signalError;
    this.signalError = null;
    this.errorSignal = null;
    wake?.();
  }

  private pushError(err: StrataError): void {
    this.pendingErrors.push(err);
    this.wakeReader();
  }

  /** An out-of-range position of an owned partition restarts per autoOffsetReset, unless 'none'. */
  private async recover(err: unknown): Promise<boolean> {
    if (!(err instanceof OffsetOutOfRangeError) || err.topic === undefined || err.partition === undefined) return false;
    if (this.opts.autoOffsetReset === 'none') return false;
    const tp = { topic: err.topic, partition: err.partition };
    const op = this.owned.get(tp.topic)?.[tp.partition];
    if (!op?.live || !op.positioned) return true; // not ours any more: drop it
    this.deps.logger.warn({ ...tp, offset: err.offset, reset: this.opts.autoOffsetReset }, 'position out of range; resetting');
    await this.inner.seek(tp, this.opts.autoOffsetReset);
    op.processed = this.inner.position(tp);
    return true;
  }

  // ---- rebalance steps (called by Membership, one at a time) ----------------------------------

  private async prepareJoin(): Promise<TopicPartition[]> {
    if (this.opts.strategy === 'cooperative-sticky') return this.assignment();
    await this.revoke(this.ownedList());
    return [];
  }

  private async onJoined(res: JoinResult): Promise<boolean> {
    if (this.closed) return false;
    const next = new Map<string, Set<number>>();
    for (const tp of res.assignment) {
      let set = next.get(tp.topic);
      if (!set) next.set(tp.topic, (set = new Set()));
      set.add(tp.partition);
    }
    const revoked = this.ownedList().filter((op) => !next.get(op.topic)?.has(op.partition));
    const added = res.assignment.filter((tp) => !this.owned.get(tp.topic)?.[tp.partition]);
    if (revoked.length > 0) await this.revoke(revoked);
    if (added.length > 0) await this.add(added);
    // A cooperative member that gave partitions up rejoins so they can be handed on.
    return revoked.length > 0;
  }

  private async onLost(err: StrataError): Promise<void> {
    const lost = this.ownedList();
    if (lost.length === 0) return;
    for (const op of lost) op.live = false;
    this.owned.clear();
    await this.serialized(() => this.syncInner());
    this.deps.logger.warn({ group: this.opts.groupId, partitions: lost.length, err: err.message }, 'partitions lost');
    await this.callListener(this.opts.onPartitionsLost, lost);
  }

  /** Stops handing out `ops`, commits what was processed, tells the application, lets go. */
  private async revoke(ops: OwnedPartition[]): Promise<void> {
    if (ops.length === 0) return;
    // From here on no record of these is handed out, whatever the inner consumer has in hand.
    for (const op of ops) op.revoking = true;
    const inInner = new Set(this.inner.assignment().map((tp) => `${tp.topic}\u0000${tp.partition}`));
    this.inner.pause(ops.filter((op) => inInner.has(`${op.topic}\u0000${op.partition}`)));
    await this.awaitInFlight(ops);
    if (this.opts.autoCommit) {
      await this.commitOwned(ops).catch((err: unknown) => this.deps.logger.warn({ err: (err as Error).message }, 'commit before revocation failed'));
    }
    await this.callListener(this.opts.onPartitionsRevoked, ops);
    for (const op of ops) {
      op.live = false;
      const parts = this.owned.get(op.topic);
      if (parts) {
        parts[op.partition] = undefined;
        if (parts.every((p) => p === undefined)) this.owned.delete(op.topic);
      }
      this.userPaused.get(op.topic)?.delete(op.partition);
    }
    await this.serialized(() => this.syncInner());
  }

  /** Positions new partitions at the group's committed offsets (else autoOffsetReset). */
  private async add(tps: TopicPartition[]): Promise<void> {
    const committed = await retry(() => this.deps.coordinator.run((conn) => fetchOffsets(conn, this.opts.groupId, tps)), this.deps.retry);
    const byKey = new Map(committed.map((c) => [`${c.topic}\u0000${c.partition}`, c.offset]));
    const toResolve: Array<{ topic: string; partition: number; spec: OffsetSpec }> = [];
    const starts = new Map<string, number>();
    for (const tp of tps) {
      const c = byKey.get(`${tp.topic}\u0000${tp.partition}`) ?? -1;
      if (c >= 0) starts.set(`${tp.topic}\u0000${tp.partition}`, c);
      else if (this.opts.autoOffsetReset !== 'none') toResolve.push({ ...tp, spec: this.opts.autoOffsetReset });
    }
    const resolved = await retry(() => resolveOffsets(this.deps.router, toResolve), this.deps.retry);
    toResolve.forEach((t, i) => starts.set(`${t.topic}\u0000${t.partition}`, resolved[i]!));
    if (this.closed) return;
    for (const tp of tps) {
      const key = `${tp.topic}\u0000${tp.partition}`;
      const start = starts.get(key);
      const op: OwnedPartition = {
        topic: tp.topic, partition: tp.partition, processed: start ?? -1, committed: byKey.get(key) ?? -1,
        positioned: start !== undefined, live: true, revoking: false,
      };
      let parts = this.owned.get(tp.topic);
      if (!parts) this.owned.set(tp.topic, (parts = []));
      parts[tp.partition] = op;
      if (start === undefined) {
        this.pushError(new NoOffsetForPartitionError(
          `group ${this.opts.groupId} has no committed offset for ${tp.topic}-${tp.partition} and autoOffsetReset is none; seek() to start it`));
      }
    }
    await this.serialized(() => this.syncInner());
    await this.callListener(this.opts.onPartitionsAssigned, tps);
  }

  /**
   * Makes the inner consumer's assignment the positioned owned partitions. Partitions it keeps
   * are paused first so their positions cannot move between reading them and reassigning.
   */
  private async syncInner(): Promise<void> {
    if (this.closed) return;
    const want = this.ownedList().filter((op) => op.positioned);
    const current = this.inner.assignment();
    const currentKeys = new Set(current.map((tp) => `${tp.topic}\u0000${tp.partition}`));
    const wantKeys = new Set(want.map((op) => `${op.topic}\u0000${op.partition}`));
    if (currentKeys.size === wantKeys.size && [...wantKeys].every((k) => currentKeys.has(k))) return;
    const kept = want.filter((op) => currentKeys.has(`${op.topic}\u0000${op.partition}`));
    this.inner.pause(kept);
    const items = want.map((op) => ({
      topic: op.topic,
      partition: op.partition,
      offset: currentKeys.has(`${op.topic}\u0000${op.partition}`) ? this.inner.position(op) : op.processed,
    }));
    await this.inner.assign(items);
    for (const op of want) if (this.userPaused.get(op.topic)?.has(op.partition)) this.inner.pause([op]);
  }

  // ---- commits ---------------------------------------------------------------------------

  /** Commits the processed positions of `ops` that moved since their last commit. */
  private commitOwned(ops: readonly OwnedPartition[]): Promise<void> {
    return this.serializedCommit(async () => {
      const due = ops.filter((op) => op.positioned && op.processed >= 0 && op.processed !== op.committed);
      if (due.length === 0) return;
      const offsets = due.map((op) => ({ topic: op.topic, partition: op.partition, offset: op.processed }));
      const failures = await this.deps.coordinator.run((conn) => commitOffsets(conn, this.opts.groupId, this.memberId, this.generationId, offsets));
      const failed = new Set(failures.map((f) => `${f.topic}\u0000${f.partition}`));
      due.forEach((op, i) => {
        if (!failed.has(`${op.topic}\u0000${op.partition}`)) op.committed = offsets[i]!.offset;
      });
      if (failures.length > 0) throw failures[0]!.error;
    });
  }

  /** Commits one at a time, so an older position can never land after a newer one. */
  private serializedCommit(fn: () => Promise<void>): Promise<void> {
    const run = this.commitChain.then(fn);
    this.commitChain = run.catch(() => undefined);
    return run;
  }

  private serialized(fn: () => Promise<void>): Promise<void> {
    const run = this.assignChain.then(fn);
    this.assignChain = run.catch(() => undefined);
    return run;
  }

  // ---- helpers ---------------------------------------------------------------------------

  private async callListener(listener: RebalanceListener | undefined, ops: readonly TopicPartition[]): Promise<void> {
    if (!listener || ops.length === 0) return;
    try {
      await listener(ops.map((op) => ({ topic: op.topic, partition: op.partition })));
    } catch (err) {
      // The protocol must go on (other members wait for this one); the application hears of it.
      this.deps.logger.error({ err }, 'rebalance listener failed');
      this.pushError(err instanceof StrataError ? err : new UnknownServerError(`rebalance listener failed: ${String(err)}`, { cause: err }));
    }
  }

  private ownedList(): OwnedPartition[] {
    const out: OwnedPartition[] = [];
    for (const parts of this.owned.values()) for (const op of parts) if (op) out.push(op);
    return out;
  }

  private ownedOrThrow(tp: TopicPartition): OwnedPartition {
    const op = this.owned.get(tp.topic)?.[tp.partition];
    if (!op) throw new InvalidRequestError(`${tp.topic}-${tp.partition} is not assigned to this member of group ${this.opts.groupId}`);
    return op;
  }

  private checkOpen(): void {
    if (this.closed) throw new ConnectionClosedError('consumer is closed');
  }
}
