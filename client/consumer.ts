/**
 * A consumer of manually assigned partitions.
 *
 * Reading: `for await (const r of consumer)` yields records in offset order per partition,
 * taking partitions round-robin one fetched chunk at a time; `consumer.batches()` yields the
 * same data a chunk at a time, for consumers that want to avoid a promise per record. Breaking
 * out of a loop does not close the consumer; a new loop continues from `position()`.
 *
 * Fetching: one long-poll Fetch at a time for every partition that is assigned, not paused,
 * and holds less than PARTITION_PREFETCH_FETCHES x `partitionMaxBytes` of unread data, while
 * the consumer holds less than `bufferBytesMax` in total - so the next fetch is in flight while
 * the application reads the previous one.
 * Retriable errors are retried forever with capped exponential backoff (a consumer outlives a
 * broker restart). A partition whose leader's connection failed is not fetched through it (a
 * request would wait out its reconnect backoff): its leaders are looked up again every
 * LEADER_REFRESH_MS, and it is fetched as soon as a reachable leader is named; OffsetOutOfRangeError and other non-retriable partition errors are thrown to
 * the iterator once the records before them are read, and the partition is fetched again only
 * after that (so the application can seek()).
 *
 * Push (option `push`, on by default): a partition whose fetch offset reached its high
 * watermark is subscribed at its leader instead (client/push-subscription.ts) and no longer
 * fetched; its pushed batches are handled as fetched ones. seek, pause, assign and close end the
 * subscription; an error or a lost connection ends it too, and the partition is fetched again.
 *
 * Concurrency: one reading loop at a time; assign/seek/pause/resume may be called from inside it.
 */
import {
  ConnectionClosedError, errorFromWire, InvalidRequestError, OffsetOutOfRangeError, StrataError, UnknownServerError,
} from '../proto/errors.js';
import type { Connection } from './connection.js';
import { FETCH_ERROR_BACKOFF_MS_INITIAL, PARTITION_PREFETCH_FETCHES, PUSH_WINDOW_BYTES_MAX } from './constants.js';
import type {
  Assignment, ConsumerBatch, ConsumerRecord, ResolvedConsumerOptions, TopicPartition,
} from './consumer-options.js';
import { checkOffset, resolveOffsets, type OffsetSpec } from './list-offsets.js';
import { childLogger, type Logger } from './logger.js';
import { isLeaderChange, LeaderRouter } from './leader-router.js';
import { MetadataCache } from './metadata-cache.js';
import { PartitionFetchState } from './partition-fetch-state.js';
import { PushDelivery } from './push-subscription.js';
import { backoffDelayMs, isRetriable, retry, type RetryPolicy } from './retry.js';
import { viewBytes } from '../proto/bytes.js';

/**
 * While a partition's leader cannot be reached, its leaders are looked up this often (one small
 * Metadata request per known broker), so it is fetched within this much of a new leader being
 * named; the producer does the same (producer.ts LEADER_REFRESH_MS_MIN).
 */
const LEADER_REFRESH_MS = 50;

export interface ConsumerDeps {
  connection: Connection;
  ownsConnection: boolean;
  /** Routes each partition's fetches to its leader. @default a router from `connection` alone */
  router?: LeaderRouter;
  retry: RetryPolicy;
  requestTimeoutMs: number;
  logger: Logger;
}

const DONE: IteratorResult<never> = Object.freeze({ value: undefined as never, done: true });

export class Consumer<V = Uint8Array> implements AsyncIterable<ConsumerRecord<V>> {
  private readonly opts: ResolvedConsumerOptions;
  private readonly deps: ConsumerDeps;
  private readonly conn: Connection;
  private readonly router: LeaderRouter;
  private readonly log: Logger;
  private readonly metadata: MetadataCache;
  private readonly states = new Map<string, PartitionFetchState[]>();
  /** Partitions with something to read, round-robin. */
  private readyQueue: PartitionFetchState[] = [];
  private readyHead = 0;
  /** The partition whose decoded records the iterator is handing out. */
  private current: PartitionFetchState | null = null;
  private bufferedBytes = 0;
  private closed = false;
  private fetching = false;
  private fetchErrors = 0;
  /** Connections whose last fetch or connect failed on the connection (see fetchOnce). */
  private readonly unreachable = new Set<Connection>();
  /** Connections being opened for partitions waiting on them. */
  private readonly opening = new Set<Connection>();
  /** A failure of the consumer as a whole (not of one partition), thrown to the reader. */
  private fatal: StrataError | null = null;
  private wakeFetcher: (() => void) | null = null;
  private wakeReader: (() => void) | null = null;
  /** Subscriptions of tailing partitions; null with `push: false`. */
  private readonly push: PushDelivery | null;

  constructor(options: ResolvedConsumerOptions, deps: ConsumerDeps) {
    this.opts = options;
    this.deps = deps;
    this.conn = deps.connection;
    this.router = deps.router ?? new LeaderRouter({ first: deps.connection });
    this.log = childLogger(deps.logger, { component: 'consumer' });
    this.metadata = new MetadataCache((topics) => retry(() => this.router.metadata(topics), deps.retry));
    this.push = options.push ? new PushDelivery({
      // The broker caps a subscription's credit at 64 MiB (SUBSCRIPTION_CREDIT_BYTES_MAX); asking more would be lost.
      windowBytes: Math.min(options.bufferBytesMax, PUSH_WINDOW_BYTES_MAX),
      bufferedBytes: () => this.bufferedBytes,
      onData: (st, p) => { if (this.stateOf(st) === st) this.onPartitionData(st, p); },
      onEnded: () => this.wakeFetcherNow(),
      log: this.log,
    }) : null;
  }

  /**
   * Replaces the assignment (as Kafka's assign does). Entries without `partition` stand for
   * every partition of their topic. Offsets given as 'earliest', 'latest' or `{ timestamp }`
   * are looked up first; a timestamp past every record starts at the log end.
   */
  async assign(assignments: Assignment | readonly Assignment[]): Promise<void> {
    this.checkOpen();
    const list = Array.isArray(assignments) ? assignments : [assignments as Assignment];
    const items: Array<{ topic: string; partition: number; spec: OffsetSpec }> = [];
    for (const a of list) {
      const spec = a.offset ?? this.opts.defaultOffset;
      if (a.partition === undefined) {
        const n = await this.metadata.load(a.topic);
        for (let p = 0; p < n; p++) items.push({ topic: a.topic, partition: p, spec });
      } else {
        items.push({ topic: a.topic, partition: checkOffset(a.partition, 'partition'), spec });
      }
    }
    const offsets = await retry(() => resolveOffsets(this.router, items), this.deps.retry);
    this.push?.unsubscribeAll();
    for (const parts of this.states.values()) for (const st of parts) if (st) this.bufferedBytes -= st.reset(0);
    this.states.clear();
    this.readyQueue = [];
    this.readyHead = 0;
    this.current = null;
    items.forEach((item, i) => {
      let parts = this.states.get(item.topic);
      if (!parts) this.states.set(item.topic, (parts = []));
      parts[item.partition] = new PartitionFetchState(item.topic, item.partition, offsets[i]!);
    });
    this.startFetching();
    // A fetcher idling with nothing assigned must see the new partitions.
    this.wake();
  }

  /** The assigned partitions. */
  assignment(): TopicPartition[] {
    const out: TopicPartition[] = [];
    for (const parts of this.states.values()) for (const st of parts) if (st) out.push({ topic: st.topic, partition: st.partition });
    return out;
  }

  /** The offset of the next record the application will receive from `tp`. */
  position(tp: TopicPartition): number {
    return this.state(tp).position;
  }

  /** Moves `tp` to `offset`; records buffered for it are dropped. */
  async seek(tp: TopicPartition, offset: OffsetSpec): Promise<void> {
    const st = this.state(tp);
    const [resolved] = typeof offset === 'number'
      ? [checkOffset(offset)]
      : await retry(() => resolveOffsets(this.router, [{ topic: tp.topic, partition: tp.partition, spec: offset }]), this.deps.retry);
    if (this.current === st) this.current = null;
    this.push?.unsubscribe(st);
    this.bufferedBytes -= st.reset(resolved!);
    this.wake();
  }

  /** Stops fetching and yielding `tps` (buffered records are kept) until resume(). */
  pause(tps: readonly TopicPartition[]): void {
    for (const tp of tps) {
      const st = this.state(tp);
      st.paused = true;
      this.push?.unsubscribe(st);
      if (this.current === st) this.current = null;
    }
  }

  resume(tps: readonly TopicPartition[]): void {
    for (const tp of tps) {
      const st = this.state(tp);
      st.paused = false;
      if (st.hasData) this.enqueue(st);
    }
    this.wake();
  }

  paused(): TopicPartition[] {
    const out: TopicPartition[] = [];
    for (const parts of this.states.values()) for (const st of parts) if (st?.paused) out.push({ topic: st.topic, partition: st.partition });
    return out;
  }

  /** Bytes fetched and not yet read by the application. */
  get bufferedBytesNow(): number { return this.bufferedBytes; }

  /** Ends every reading loop and the fetcher, and closes the connection (if owned). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.current = null;
    this.push?.close();
    this.wake();
    await this.router.close({ keepFirst: !this.deps.ownsConnection });
  }

  // ---- reading ---------------------------------------------------------------------------

  [Symbol.asyncIterator](): AsyncIterator<ConsumerRecord<V>> {
    return {
      next: () => {
        // Fast path: a record of the current chunk is ready; no await, one resolved promise.
        const st = this.current;
        if (st !== null) {
          const records = st.decoded!;
          const i = st.decodedIndex;
          if (i < records.length) {
            const r = records[i]!;
            st.decodedIndex = i + 1;
            st.position = r.offset + 1;
            return Promise.resolve({ value: r as ConsumerRecord<V>, done: false });
          }
        }
        return this.nextSlow();
      },
      return: () => Promise.resolve(DONE),
    };
  }

  /**
   * Yields records one RecordBatch at a time (as the producer batched them), in offset order
   * per partition: one promise per batch instead of per record.
   */
  async *batches(): AsyncGenerator<ConsumerBatch<V>, void, undefined> {
    for (;;) {
      const st = await this.nextReadable();
      if (st === null) return;
      let records: ConsumerRecord<unknown>[];
      let highWatermark = st.highWatermark;
      if (st.decoded !== null && st.decodedIndex < st.decoded.length) {
        records = st.decodedIndex === 0 ? st.decoded : st.decoded.slice(st.decodedIndex);
        st.decoded = null;
        st.decodedIndex = 0;
      } else {
        ({ records, highWatermark } = this.decodeNext(st));
        if (records.length === 0) continue;
      }
      st.position = records[records.length - 1]!.offset + 1;
      if (this.current === st) this.current = null;
      yield { topic: st.topic, partition: st.partition, records: records as ConsumerRecord<V>[], highWatermark };
    }
  }

  private async nextSlow(): Promise<IteratorResult<ConsumerRecord<V>>> {
    for (;;) {
      const st = await this.nextReadable();
      if (st === null) return DONE;
      if (st.decoded === null || st.decodedIndex >= st.decoded.length) {
        const { records } = this.decodeNext(st);
        st.decoded = records;
        st.decodedIndex = 0;
        if (records.length === 0) continue;
      }
      this.current = st;
      const r = st.decoded![st.decodedIndex++]!;
      st.position = r.offset + 1;
      return { value: r as ConsumerRecord<V>, done: false };
    }
  }

  /**
   * The next partition with records to read (round-robin), waiting for the fetcher if none.
   * Throws the consumer's fatal error, or a partition's error once its records are read.
   */
  private async nextReadable(): Promise<PartitionFetchState | null> {
    for (;;) {
      if (this.closed) return null;
      // The current partition keeps its turn until its decoded records are handed out.
      const cur = this.current;
      if (cur !== null && !cur.paused && cur.decoded !== null && cur.decodedIndex < cur.decoded.length) return cur;
      this.current = null;
      if (cur !== null && cur.hasData && !cur.paused) this.enqueue(cur);
      const st = this.dequeue();
      if (st !== null) {
        if (st.paused || this.stateOf(st) !== st) continue; // resumed or reassigned later
        if (!st.hasChunks && (st.decoded === null || st.decodedIndex >= st.decoded.length)) {
          if (st.error !== null) {
            const err = st.error;
            st.error = null;
            this.wake();
            throw err;
          }
          continue;
        }
        return st;
      }
      if (this.fatal) {
        const err = this.fatal;
        this.fatal = null;
        throw err;
      }
      // The fetcher stops on a fatal error; reading again restarts it.
      if (!this.fetching && this.states.size > 0) this.startFetching();
      await new Promise<void>((resolve) => { this.wakeReader = resolve; });
    }
  }

  private decodeNext(st: PartitionFetchState): { records: ConsumerRecord<unknown>[]; highWatermark: number } {
    let decoded;
    try {
      decoded = st.decodeNextBatch(this.opts.checkCrcs, this.opts.decodeUtf8);
    } catch (err) {
      // A corrupt batch: drop what is buffered and stop the partition at its position, so the
      // bytes are fetched again if the application keeps reading.
      this.bufferedBytes -= st.reset(st.position);
      this.wake();
      throw err;
    }
    // Still more to read here: back in the round-robin queue, behind the other partitions.
    if (st.hasChunks || st.error !== null) this.enqueue(st);
    if (decoded === null) return { records: [], highWatermark: st.highWatermark };
    if (decoded.released > 0) {
      this.bufferedBytes -= decoded.released;
      this.wakeFetcherIfRoom();
      this.push?.topUp();
    }
    return decoded;
  }

  // ---- fetching --------------------------------------------------------------------------

  private startFetching(): void {
    if (this.fetching || this.closed) return;
    this.fetching = true;
    this.fetchLoop().catch((err: unknown) => {
      this.fatal = err instanceof StrataError ? err : new UnknownServerError(String(err));
      this.log.error({ err }, 'fetch loop failed');
    }).finally(() => {
      this.fetching = false;
      this.wakeReaderNow();
    });
  }

  private async fetchLoop(): Promise<void> {
    while (!this.closed) {
      const now = Date.now();
      const picked: PartitionFetchState[] = [];
      let nextRetryMs = Infinity;
      const partitionBufferBytesMax = PARTITION_PREFETCH_FETCHES * this.opts.partitionMaxBytes;
      if (this.bufferedBytes < this.opts.bufferBytesMax) {
        for (const parts of this.states.values()) {
          for (const st of parts) {
            if (!st || st.paused || st.error !== null || st.bufferedBytes >= partitionBufferBytesMax) continue;
            if (this.push?.isSubscribed(st)) continue; // its leader pushes it
            if (st.retryAtMs > now) { nextRetryMs = Math.min(nextRetryMs, st.retryAtMs); continue; }
            picked.push(st);
          }
        }
      }
      if (picked.length === 0) {
        await this.idle(nextRetryMs === Infinity ? undefined : nextRetryMs - now);
        continue;
      }
      await this.fetchOnce(picked);
    }
  }

  /**
   * One fetch per partition leader, side by side; partitions whose leader is unknown wait for a
   * refresh of their topic's leaders (and back off when there is none yet).
   */
  private async fetchOnce(picked: PartitionFetchState[]): Promise<void> {
    const byLeader = new Map<Connection, PartitionFetchState[]>();
    const unknown = new Set<string>();
    for (const st of picked) {
      const conn = this.router.leaderConnection(st.topic, st.partition);
      if (conn === null) {
        unknown.add(st.topic);
        st.retryAtMs = Date.now() + backoffDelayMs(this.deps.retry, Math.min(st.retryAttempts, 30));
        continue;
      }
      if (!conn.isReady && this.unreachable.has(conn)) {
        // The leader as last named cannot be reached: try it again in the background and look
        // the leaders up meanwhile (a failover names another within the lease TTL).
        this.open(conn);
        unknown.add(st.topic);
        st.retryAtMs = Date.now() + LEADER_REFRESH_MS;
        continue;
      }
      let list = byLeader.get(conn);
      if (!list) byLeader.set(conn, (list = []));
      list.push(st);
    }
    const work: Array<Promise<void>> = [...byLeader].map(([conn, sts]) => this.fetchFrom(conn, sts));
    for (const topic of unknown) {
      work.push(this.router.refresh(topic).then(() => {
        // Partitions of the topic whose leader is now one we can reach are fetched at once.
        for (const st of picked) {
          if (st.topic !== topic) continue;
          const conn = this.router.leaderConnection(st.topic, st.partition);
          if (conn !== null && !this.unreachable.has(conn)) st.retryAtMs = 0;
        }
        // The topic is gone (or was never there): its partitions fail to the reader.
        const refused = this.router.topicError(topic);
        if (!refused || refused.retriable) return;
        for (const st of picked) {
          if (st.topic !== topic || st.error !== null) continue;
          st.error = refused;
          this.enqueue(st);
        }
        this.wakeReaderNow();
      }, (err: unknown) => {
        this.log.warn({ topic, err: (err as Error).message }, 'cannot learn partition leaders; retrying');
      }));
    }
    await Promise.all(work);
  }

  private async fetchFrom(conn: Connection, picked: PartitionFetchState[]): Promise<void> {
    if (this.push?.canPush(conn)) {
      // Caught up (after a clean fetch): subscribe instead of fetching batch by batch.
      const tailing = picked.filter((st) => st.highWatermark >= 0 && st.fetchOffset >= st.highWatermark && st.retryAttempts === 0);
      if (tailing.length > 0) {
        void this.push.subscribe(conn, tailing, this.opts.partitionMaxBytes, (st) => this.router.leaderEpoch(st.topic, st.partition));
        picked = picked.filter((st) => !this.push!.isSubscribed(st));
        if (picked.length === 0) return;
      }
    }
    const epochs = picked.map((st) => st.epoch);
    const byTopic = new Map<string, Array<{ partition: number; fetchOffset: number; partitionMaxBytes: number; currentLeaderEpoch?: number }>>();
    for (const st of picked) {
      let parts = byTopic.get(st.topic);
      if (!parts) byTopic.set(st.topic, (parts = []));
      const leaderEpoch = this.router.leaderEpoch(st.topic, st.partition);
      parts.push({
        partition: st.partition, fetchOffset: st.fetchOffset, partitionMaxBytes: this.opts.partitionMaxBytes,
        // KIP-320: a broker that no longer leads at this epoch refuses instead of serving a stale log.
        ...(leaderEpoch !== undefined && leaderEpoch > 0 ? { currentLeaderEpoch: leaderEpoch } : {}),
      });
    }
    let res;
    try {
      res = await conn.request('fetch', {
        maxWaitMs: this.opts.maxWaitMs,
        minBytes: this.opts.minBytes,
        maxBytes: this.opts.maxBytes,
        topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
      }, { timeoutMs: this.deps.requestTimeoutMs + this.opts.maxWaitMs });
      this.fetchErrors = 0;
    } catch (err) {
      if (this.closed) return;
      if (!isRetriable(err)) throw err;
      if (err instanceof ConnectionClosedError) {
        // This leader's partitions look their leaders up again (fetchOnce) instead of the whole
        // loop backing off: other leaders' partitions keep being fetched.
        this.unreachable.add(conn);
        for (const st of picked) {
          this.router.invalidate(st.topic);
          st.retryAtMs = Date.now() + LEADER_REFRESH_MS;
        }
        this.log.warn({ err: (err as Error).message }, 'fetch failed on its connection; looking the leaders up again');
        return;
      }
      if (isLeaderChange(err)) for (const st of picked) this.router.invalidate(st.topic);
      const delayMs = backoffDelayMs(this.deps.retry, Math.min(this.fetchErrors++, 30));
      this.log.warn({ err: (err as Error).message, delayMs }, 'fetch failed; retrying');
      await this.idle(Math.max(delayMs, FETCH_ERROR_BACKOFF_MS_INITIAL));
      return;
    }
    if (this.closed) return;
    const index = new Map<PartitionFetchState, number>();
    picked.forEach((st, i) => index.set(st, epochs[i]!));
    for (const t of res.topics ?? []) {
      const parts = this.states.get(t.name ?? '');
      if (!parts) continue;
      for (const p of t.partitions ?? []) {
        const st = parts[p.partition ?? -1];
        if (!st || index.get(st) !== st.epoch) continue; // sought or reassigned meanwhile
        this.onPartitionData(st, p);
      }
    }
  }

  private onPartitionData(st: PartitionFetchState, p: {
    error?: { code?: number | null; message?: string | null } | null; highWatermark?: number | null;
    logStartOffset?: number | null; records?: Uint8Array | null;
  }): void {
    const hwm = Number(p.highWatermark ?? -1);
    const logStart = Number(p.logStartOffset ?? -1);
    if (p.error && p.error.code) {
      const err = errorFromWire(p.error, {
        topic: st.topic, partition: st.partition, offset: st.fetchOffset,
        range: { logStartOffset: logStart, logEndOffset: hwm },
      });
      if (err.retriable) {
        if (isLeaderChange(err)) this.router.invalidate(st.topic);
        st.retryAtMs = Date.now() + backoffDelayMs(this.deps.retry, Math.min(st.retryAttempts++, 30));
        this.log.warn({ topic: st.topic, partition: st.partition, err: err.message }, 'partition fetch failed; retrying');
        return;
      }
      if (err instanceof OffsetOutOfRangeError) this.log.warn({ topic: st.topic, partition: st.partition, offset: st.fetchOffset }, 'offset out of range');
      st.error = err;
      this.enqueue(st);
      this.wakeReaderNow();
      return;
    }
    st.retryAttempts = 0;
    if (Number.isSafeInteger(hwm)) st.highWatermark = hwm;
    if (Number.isSafeInteger(logStart)) st.logStartOffset = logStart;
    const records = p.records;
    if (!records || records.length === 0) return;
    // protobufjs hands out a view of the frame (a Buffer on Node): the chunk keeps that memory.
    const buf = viewBytes(records);
    let added: number;
    try {
      added = st.addChunk(buf);
    } catch (err) {
      st.error = err as StrataError;
      this.enqueue(st);
      this.wakeReaderNow();
      return;
    }
    if (added > 0) {
      this.bufferedBytes += added;
      this.enqueue(st);
      this.wakeReaderNow();
    }
  }

  /** Waits until woken (data read, seek, resume, close) or `ms` elapse. */
  /** Opens `conn` in the background for partitions waiting on it; wakes the fetch loop when done. */
  private open(conn: Connection): void {
    if (this.opening.has(conn) || conn.isClosed) return;
    this.opening.add(conn);
    conn.connect().then(() => { this.unreachable.delete(conn); }, () => { this.unreachable.add(conn); }).finally(() => {
      this.opening.delete(conn);
      this.wakeFetcherNow();
    });
  }

  private idle(ms?: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = ms === undefined ? undefined : setTimeout(() => { this.wakeFetcher = null; resolve(); }, ms);
      this.wakeFetcher = () => {
        if (timer) clearTimeout(timer);
        resolve();
      };
    });
  }

  private wakeFetcherIfRoom(): void {
    if (this.wakeFetcher !== null && this.bufferedBytes < this.opts.bufferBytesMax) this.wakeFetcherNow();
  }

  private wakeFetcherNow(): void {
    const w = this.wakeFetcher;
    this.wakeFetcher = null;
    w?.();
  }

  private wakeReaderNow(): void {
    const w = this.wakeReader;
    this.wakeReader = null;
    w?.();
  }

  private wake(): void {
    this.wakeFetcherNow();
    this.wakeReaderNow();
  }

  // ---- bookkeeping -----------------------------------------------------------------------

  private enqueue(st: PartitionFetchState): void {
    if (st.queued) return;
    st.queued = true;
    this.readyQueue.push(st);
  }

  private dequeue(): PartitionFetchState | null {
    if (this.readyHead >= this.readyQueue.length) {
      if (this.readyQueue.length > 0) {
        this.readyQueue = [];
        this.readyHead = 0;
      }
      return null;
    }
    const st = this.readyQueue[this.readyHead++]!;
    st.queued = false;
    if (this.readyHead > 1024 && this.readyHead * 2 > this.readyQueue.length) {
      this.readyQueue = this.readyQueue.slice(this.readyHead);
      this.readyHead = 0;
    }
    return st;
  }

  private stateOf(st: PartitionFetchState): PartitionFetchState | undefined {
    return this.states.get(st.topic)?.[st.partition];
  }

  private state(tp: TopicPartition): PartitionFetchState {
    const st = this.states.get(tp.topic)?.[tp.partition];
    if (!st) throw new InvalidRequestError(`${tp.topic}-${tp.partition} is not assigned to this consumer`);
    return st;
  }

  private checkOpen(): void {
    if (this.closed) throw new ConnectionClosedError('consumer is closed');
  }
}
