/**
 * The producer: turns send() calls into RecordBatch v2 batches per partition (see
 * accumulator.ts), ships every partition's ready batch in one Produce request, and resolves each
 * send() with the offsets of its records.
 *
 * Idempotence (default): InitProducerId at start gives a producer id; each batch is stamped with
 * it and with its partition's next sequence when first sent. Retries resend the same bytes, so
 * a batch written before its response was lost is recognised by the broker and not written
 * twice. Per partition at most 5 batches are in flight (the broker remembers 5 per producer);
 * while one waits for a retry, only one is in flight so nothing overtakes it.
 *
 * If a batch fails for good, later batches of its partition would be refused as a sequence
 * gap. The producer then takes a new producer id (an "epoch bump") and re-stamps those batches
 * from sequence 0; the failed batch's send() calls are rejected.
 *
 * Memory: records held (queued and in flight) are bounded by bufferBytesMax; send() waits for
 * room, FIFO, and fails with RequestTimedOutError after bufferTimeoutMs.
 *
 * Delivery deadline: a batch not acknowledged deliveryTimeoutMs after it opened fails with
 * DeliveryTimeoutError — checked when a retry is due (no retry is scheduled past the deadline)
 * and, while its partition has no reachable leader, on every drain (a timer is armed at the
 * earliest deadline). So with every replica of a partition down, send() fails in bounded time
 * and its bytes leave the buffer, instead of waiting for a leader forever.
 *
 * Concurrency: any number of concurrent send() calls; records of calls made in order to the
 * same partition are written in that order.
 */
import { BATCH_BYTES_MAX, BATCH_HEADER_BYTES, FRAME_BYTES_MAX } from '../proto/constants.js';
import { compressionId } from '../proto/compression.js';
import {
  ConnectionClosedError, DeliveryTimeoutError, errorFromWire, InvalidRequestError, MessageTooLargeError, OutOfOrderSequenceError,
  RequestTimedOutError, StrataError, UnknownServerError, UnknownTopicError,
} from '../proto/errors.js';
import { isValidOffset } from '../proto/int64.js';
import type { RecordHeader } from '../proto/record-batch.js';
import { RecordAccumulator, type PartitionQueue } from './accumulator.js';
import { fieldBytes, type FieldData } from './batch-builder.js';
import { BufferPool } from '../proto/buffer-pool.js';
import { ByteBudget } from './byte-budget.js';
import { encodeProduceFrame, type ProduceTopic } from './produce-frame.js';
import type { Connection, RequestBody, ResponseBody } from './connection.js';
import { HEADER_OVERHEAD_BYTES_MAX, PRODUCE_ENVELOPE_BYTES_MAX, RECORD_OVERHEAD_BYTES_MAX, RETRIES_MAX } from './constants.js';
import { childLogger, type Logger } from './logger.js';
import { isLeaderChange, LeaderRouter } from './leader-router.js';
import { MetadataCache } from './metadata-cache.js';
import { checkPartition, StickyPartitioner } from './partitioner.js';
import { PendingSend, type ProducerBatch } from './producer-batch.js';
import { SendReceipt, type RecordMetadata } from './send-receipt.js';
import {
  ACKS_NONE_WIRE, ACKS_WIRE, type Acks, type ProducerMessage, type ProducerRecord, type ResolvedProducerOptions,
} from './producer-options.js';
import { backoffDelayMs, isRetriable, retry, retriesExhausted, type RetryPolicy } from './retry.js';
import { restampProducer } from './sequence.js';
import { headersBytes, toHeaders } from './values.js';
import { utf8Encode } from '../proto/bytes.js';

/**
 * Batches of at least this size are sent in a request of their own, so their envelope is
 * written in place in front of them (produce-frame.ts) rather than copying them into a frame
 * shared with other partitions' batches. At 256 KiB a request carries ~2,500 records of 100
 * bytes: the broker's and client's per-request cost (tens of microseconds) is noise next to
 * copying the batch, while small batches keep sharing requests and round trips.
 */
const SOLO_REQUEST_BYTES_MIN = 256 * 1024;

/** Extra time the client waits beyond the ack timeout it asks the broker for. */
const PRODUCE_RESPONSE_MARGIN_MS = 1_000;

/** What prepare() learned about a send()'s messages, for appendAll(). */
interface PreparedSend {
  /** Normalised headers by message index; null when no message has any. */
  headers: Array<RecordHeader[] | undefined> | null;
  /** Upper bound of the encoded bytes, charged to the buffer. */
  totalBytes: number;
}

/** Payload length of a key or value (-1 for null), rejecting types the codec cannot write. */
function measure(data: unknown, what: string): number {
  if (data == null) return -1;
  if (typeof data === 'string' || data instanceof Uint8Array) return fieldBytes(data);
  throw new InvalidRequestError(`record ${what} must be a string, Buffer, Uint8Array or null, got ${typeof data}`);
}

/**
 * Least time between two leader lookups of one topic by one producer: while a partition has no
 * reachable leader (an election takes ~2 s, the broker lease's TTL), its batches wait and the
 * topic's Metadata is asked again this often, so a new leader is found within this much of it
 * being named. One lookup asks every known broker side by side (leader-router.ts), so a failover
 * costs ~20 small Metadata requests a second per broker while it lasts.
 */
const LEADER_REFRESH_MS_MIN = 50;

/** A send() on the slow path (waiting to start, for metadata or for buffer room). */
interface SlowSend {
  appended: Promise<void>;
}

export interface ProducerDeps {
  connection: Connection;
  /** Whether the producer closes the connection when it closes. */
  ownsConnection: boolean;
  /** Routes each partition to its leader's connection. @default a router from `connection` alone */
  router?: LeaderRouter;
  retry: RetryPolicy;
  requestTimeoutMs: number;
  logger: Logger;
}

export class Producer {
  private readonly opts: ResolvedProducerOptions;
  private readonly conn: Connection;
  private readonly router: LeaderRouter;
  private readonly deps: ProducerDeps;
  private readonly log: Logger;
  private readonly acc: RecordAccumulator;
  private readonly partitioner = new StickyPartitioner();
  private readonly metadata: MetadataCache;
  private readonly compression: number;
  private readonly pool: BufferPool;
  private starting: Promise<void> | null = null;
  private started = false;
  private closing = false;
  private closed: Promise<void> | null = null;
  private producerId = -1;
  private producerEpoch = -1;
  private resetting = false;
  private needsReset = false;
  /** Consecutive failed producer-id resets: the exponent of the next reset's backoff. */
  private resetFailures = 0;
  private readonly budget: ByteBudget;
  private readonly slowSends = new Set<SlowSend>();
  private flushing = 0;
  private drainQueued = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerAtMs = Infinity;
  /** Topics whose leaders are being looked up (see awaitLeader). */
  private readonly leaderWaits = new Set<string>();
  /**
   * Connections whose last request or connect failed on the connection itself (the broker is
   * down or unreachable): batches for a leader behind one wait unsent while the topic's leaders
   * are looked up again, instead of queueing on it through its reconnect backoff.
   */
  private readonly unreachable = new Set<Connection>();
  /** Connections being opened for batches waiting on them (see drain). */
  private readonly opening = new Set<Connection>();
  /**
   * Per partition queue whose batch failed because its leader changed or could not be reached:
   * the leader epoch the producer knew then. A Metadata answer with a newer epoch sends the
   * waiting batches at once rather than after their retry backoff (see wakeMovedLeaders).
   */
  private readonly leaderEpochAtFailure = new Map<PartitionQueue, number>();

  constructor(options: ResolvedProducerOptions, deps: ProducerDeps) {
    this.opts = options;
    this.deps = deps;
    this.conn = deps.connection;
    this.router = deps.router ?? new LeaderRouter({ first: deps.connection });
    this.log = childLogger(deps.logger, { component: 'producer' });
    this.compression = compressionId(options.compression);
    this.budget = new ByteBudget(options.bufferBytesMax, options.bufferTimeoutMs);
    // Keep up to a buffer's worth of batch buffers for reuse. A stream's acknowledgements free
    // batches in bursts while sends refill them in bursts; a quarter of the buffer (8 MiB by
    // default) dropped half the releases at 1M records/s and each miss was a fresh 1.25 MiB
    // buffer (page faults, external-memory GCs: ~12% of the producer's CPU). Pooled buffers
    // were all in use once, so for one batch size the pool never takes the producer above the
    // memory it used at its peak.
    this.pool = new BufferPool(Math.max(options.bufferBytesMax, 2 * options.batchBytesMax));
    this.acc = new RecordAccumulator({
      lingerMs: options.lingerMs,
      batchBytes: options.batchBytesMax,
      inFlightPerPartitionMax: options.inFlightBatchesPerPartition,
      pool: this.pool,
    });
    this.acc.onBatchClosed = (b) => {
      const n = this.metadata.partitionCount(b.topic);
      if (n !== undefined) this.partitioner.onBatchClosed(b.topic, b.partition, n);
    };
    this.metadata = new MetadataCache((topics) => retry(() => this.router.metadata(topics), deps.retry, this.retryHooks()));
  }

  /** Connects and, if idempotent, obtains a producer id. Called by the first send() if needed. */
  connect(): Promise<void> {
    if (this.closing) return Promise.reject(new ConnectionClosedError('producer is closed'));
    if (!this.starting) {
      this.starting = this.start().then(() => { this.started = true; }, (err: unknown) => {
        this.starting = null;
        throw err;
      });
    }
    return this.starting;
  }

  /** Bytes of records currently held (queued or in flight). */
  get bufferedBytesNow(): number { return this.budget.usedBytes; }

  /** The producer id in use, or -1 (not idempotent, or not started). */
  get id(): { producerId: number; producerEpoch: number } {
    return { producerId: this.producerId, producerEpoch: this.producerEpoch };
  }

  /**
   * Queues records and resolves, once every one is acknowledged, with their topic, partition
   * and offset, in the order given.
   */
  send(record: ProducerRecord): Promise<RecordMetadata[]> {
    return this.submit(record, true) as Promise<RecordMetadata[]>;
  }

  /**
   * Like send(), but resolves with one compact SendReceipt for the whole call (runs of
   * consecutive records per partition, with `partitionOf(i)` / `offsetOf(i)` per record)
   * instead of one RecordMetadata object per record. For high-rate senders: at a million
   * records a second those objects cost more than building the records' bytes.
   */
  sendMany(record: ProducerRecord): Promise<SendReceipt> {
    return this.submit(record, false) as Promise<SendReceipt>;
  }

  /** send() and sendMany(): `perRecord` picks the shape of the answer. */
  private submit(record: ProducerRecord, perRecord: boolean): Promise<RecordMetadata[] | SendReceipt> {
    if (this.closing) return Promise.reject(new ConnectionClosedError('producer is closed'));
    const { topic, messages } = record;
    if (typeof topic !== 'string' || topic.length === 0) return Promise.reject(new InvalidRequestError('send() needs a topic'));
    if (!Array.isArray(messages)) return Promise.reject(new InvalidRequestError('send() needs a messages array'));
    if (messages.length === 0) return Promise.resolve(perRecord ? [] : new SendReceipt(topic, 0, []));
    let acks = this.opts.acks;
    if (record.acks !== undefined) {
      if (!(record.acks in ACKS_WIRE)) return Promise.reject(new InvalidRequestError(`unknown acks ${String(record.acks)}`));
      acks = ACKS_WIRE[record.acks];
    }
    const n = this.metadata.partitionCount(topic);
    if (this.started && n !== undefined && this.slowSends.size === 0 && !this.budget.hasWaiters) {
      let prepared: PreparedSend;
      try {
        prepared = this.prepare(topic, messages, n);
      } catch (err) {
        return Promise.reject(err);
      }
      if (this.budget.tryTake(prepared.totalBytes)) return this.appendAll(topic, n, acks, messages, prepared, perRecord);
    }
    return this.sendSlow(record, acks, perRecord);
  }

  /** Sends one record; resolves with its metadata. */
  async sendOne(topic: string, message: ProducerMessage, acks?: Acks): Promise<RecordMetadata> {
    const [meta] = await this.send({ topic, messages: [message], acks });
    return meta!;
  }

  /** Sends everything queued so far, without waiting for lingerMs, and waits for the answers. */
  async flush(): Promise<void> {
    this.flushing++;
    try {
      // Sends still on their way into the buffer were called before flush(): wait for them first.
      await Promise.all([...this.slowSends].map((s) => s.appended));
      const unfinished: Promise<void>[] = [];
      for (const q of this.acc.allQueues()) {
        for (const b of [q.open, ...q.ready, ...q.inFlight]) {
          if (b && !b.isFinished) unfinished.push(new Promise((r) => b.whenFinished(r)));
        }
      }
      this.drain();
      await Promise.all(unfinished);
    } finally {
      this.flushing--;
    }
  }

  /** Flushes, then closes the connection (if the producer owns it). Later sends fail. */
  close(): Promise<void> {
    if (this.closed) return this.closed;
    this.closing = true;
    this.closed = (async () => {
      try {
        await this.flush();
      } finally {
        if (this.timer) clearTimeout(this.timer);
        this.budget.failWaiters('producer closed while send() waited for buffer room');
        await this.router.close({ keepFirst: !this.deps.ownsConnection });
      }
    })();
    return this.closed;
  }

  // ---- send path -------------------------------------------------------------------------

  private async sendSlow(record: ProducerRecord, acks: number, perRecord: boolean): Promise<RecordMetadata[] | SendReceipt> {
    let markAppended!: () => void;
    const slow: SlowSend = { appended: new Promise((r) => { markAppended = r; }) };
    this.slowSends.add(slow);
    let result: Promise<RecordMetadata[] | SendReceipt>;
    try {
      await this.connect();
      const { topic, messages } = record;
      const n = this.metadata.partitionCount(topic) ?? await this.metadata.load(topic);
      const prepared = this.prepare(topic, messages, n);
      await this.budget.take(prepared.totalBytes);
      result = this.appendAll(topic, n, acks, messages, prepared, perRecord);
    } finally {
      this.slowSends.delete(slow);
      markAppended();
    }
    return result;
  }

  /**
   * Validates every message and measures it (key and value lengths, an upper bound of its
   * encoded size), so a bad message rejects the whole send() before any record is queued.
   * Nothing is copied yet: the records are written once, straight into their batch.
   */
  private prepare(topic: string, messages: readonly ProducerMessage[], numPartitions: number): PreparedSend {
    const count = messages.length;
    let headers: Array<RecordHeader[] | undefined> | null = null;
    const recordBytesMax = this.batchBytesLimit() - BATCH_HEADER_BYTES;
    let total = 0;
    for (let i = 0; i < count; i++) {
      const m = messages[i]!;
      if (m.partition !== undefined) checkPartition(topic, m.partition, numPartitions);
      if (m.timestamp !== undefined && !isValidOffset(m.timestamp)) {
        throw new InvalidRequestError(`timestamp ${m.timestamp} is not a non-negative safe integer`);
      }
      const kb = measure(m.key, 'key');
      const vb = measure(m.value, 'value');
      let size = RECORD_OVERHEAD_BYTES_MAX + (kb > 0 ? kb : 0) + (vb > 0 ? vb : 0);
      if (m.headers !== undefined) {
        const h = toHeaders(m.headers);
        if (h !== undefined) {
          (headers ??= new Array<RecordHeader[] | undefined>(count))[i] = h;
          size += headersBytes(h) + h.length * HEADER_OVERHEAD_BYTES_MAX;
        }
      }
      if (size > recordBytesMax) {
        throw new MessageTooLargeError(`record of about ${size} bytes exceeds the batch limit of ${recordBytesMax}`);
      }
      total += size;
    }
    return { headers, totalBytes: total };
  }

  private appendAll(topic: string, numPartitions: number, acks: number, messages: readonly ProducerMessage[],
    prepared: PreparedSend, perRecord: boolean): Promise<RecordMetadata[] | SendReceipt> {
    return new Promise((resolve, reject) => {
      const count = messages.length;
      const send = new PendingSend(topic, count, perRecord ? (r) => resolve(r.toRecordMetadata()) : resolve, reject);
      const now = Date.now();
      const closedBefore = this.acc.closedCount;
      const { headers } = prepared;
      const batchBytes = this.acc.options.batchBytes;
      let lastPartition = -1;
      let q: PartitionQueue | null = null;
      for (let i = 0; i < count;) {
        const m = messages[i]!;
        let key: FieldData = (m.key ?? null) as FieldData;
        // Keys are hashed as bytes: a string key is encoded once here and written as is.
        if (typeof key === 'string') key = utf8Encode(key);
        const value = (m.value ?? null) as FieldData;
        // Measured again rather than kept from prepare(): cheaper than two arrays per call.
        const kb = key === null ? -1 : key.length;
        const vb = fieldBytes(value);
        const partition = this.partitioner.partition(topic, numPartitions, key, m.partition);
        if (partition !== lastPartition || q === null) {
          q = this.acc.queue(topic, partition);
          lastPartition = partition;
        }
        const h = headers === null ? undefined : headers[i];
        const estimate = RECORD_OVERHEAD_BYTES_MAX + (kb > 0 ? kb : 0) + (vb > 0 ? vb : 0)
          + (h === undefined ? 0 : headersBytes(h) + h.length * HEADER_OVERHEAD_BYTES_MAX);
        const batch = this.acc.openBatch(q, acks, estimate, now);
        const builder = batch.builder!;
        builder.append(key, kb, value, vb, m.timestamp ?? now, h);
        let next = i + 1;
        let booked = estimate;
        if (key === null && m.partition === undefined) {
          // The records after a key-less one without a partition go to the same sticky
          // partition while its batch stays open: write them straight into this batch, and
          // book them as one run, without the per-record partitioner and accumulator calls.
          for (; next < count; next++) {
            const n2 = messages[next]!;
            if (n2.key != null || n2.partition !== undefined || (headers !== null && headers[next] !== undefined)) break;
            const v2 = (n2.value ?? null) as FieldData;
            const vb2 = fieldBytes(v2);
            const estimate2 = RECORD_OVERHEAD_BYTES_MAX + (vb2 > 0 ? vb2 : 0);
            if (builder.sizeBytes + estimate2 > batchBytes) break;
            builder.appendValue(v2, vb2, n2.timestamp ?? now);
            booked += estimate2;
          }
        }
        batch.append(send, i, next - i, booked);
        this.acc.closeIfFull(q);
        i = next;
      }
      if (this.acc.closedCount !== closedBefore || this.flushing > 0 || this.opts.lingerMs === 0) this.queueDrain();
      else this.scheduleDrainAt(now + this.opts.lingerMs);
    });
  }

  /** Largest encoded batch: the option, the wire limit, and what fits in the broker's frames. */
  private batchBytesLimit(): number {
    return Math.min(BATCH_BYTES_MAX, this.frameRecordsLimit());
  }

  private frameRecordsLimit(): number {
    return (this.conn.brokerInfo?.frameBytesMax || FRAME_BYTES_MAX) - PRODUCE_ENVELOPE_BYTES_MAX;
  }

  // ---- drain: batches to requests --------------------------------------------------------

  private queueDrain(): void {
    if (this.drainQueued) return;
    this.drainQueued = true;
    queueMicrotask(() => {
      this.drainQueued = false;
      this.drain();
    });
  }

  private scheduleDrainAt(atMs: number): void {
    if (atMs >= this.timerAtMs) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAtMs = atMs;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAtMs = Infinity;
      this.drain();
    }, Math.max(0, atMs - Date.now()));
  }

  /**
   * Closes lingered batches and sends every sendable batch: one request per acks level holding
   * at most one batch per partition (so each partition's response maps to one batch), repeated
   * while partitions still have free in-flight slots and ready batches.
   */
  private drain(): void {
    if (this.resetting) return;
    if (this.needsReset) {
      void this.resetProducerId();
      return;
    }
    const now = Date.now();
    const nextDueMs = this.acc.closeExpired(now, this.flushing > 0 || this.closing);
    const frameLimit = this.frameRecordsLimit();
    for (;;) {
      // One request per (leader, acks): a partition's batches go to the broker that leads it.
      const requests = new Map<Connection, Map<number, { batches: ProducerBatch[]; bytes: number }>>();
      let progress = false;
      for (const q of this.acc.activeQueues()) {
        const conn = this.router.leaderConnection(q.topic, q.partition);
        if (conn === null || !conn.isReady) {
          // No leader known, or its connection is not open: nothing is sent (a request would
          // queue on the connection for as long as its reconnect backoff lasts, while the leader
          // may have moved). Open the connection, and when it failed before, look the leaders
          // up again meanwhile (Kafka's sender does the same with a node that is not ready).
          if (conn !== null) this.open(conn);
          if (conn === null || this.unreachable.has(conn)) {
            this.expireWaiting(q, now);
            this.awaitLeader(q.topic);
          }
          continue;
        }
        const b = this.acc.sendable(q, now);
        if (b === null || !this.prepareForSend(q, b)) continue;
        if (b.bytes!.length >= SOLO_REQUEST_BYTES_MIN && b.attempts === 0 && b.backing !== null) {
          // A large batch goes alone, framed in place (no copy); sharing a request saves
          // nothing worth a copy of its bytes.
          this.acc.markInFlight(q, b);
          this.sendRequest(b.acks, [b], conn);
          progress = true;
          continue;
        }
        let perAcks = requests.get(conn);
        if (!perAcks) requests.set(conn, (perAcks = new Map()));
        let req = perAcks.get(b.acks);
        if (req && req.bytes + b.bytes!.length > frameLimit) {
          this.sendRequest(b.acks, req.batches, conn);
          req = undefined;
        }
        if (!req) perAcks.set(b.acks, (req = { batches: [], bytes: 0 }));
        req.batches.push(b);
        req.bytes += b.bytes!.length;
        this.acc.markInFlight(q, b);
        progress = true;
      }
      for (const [conn, perAcks] of requests) for (const [acks, req] of perAcks) this.sendRequest(acks, req.batches, conn);
      if (!progress) break;
    }
    if (nextDueMs < Infinity) this.scheduleDrainAt(nextDueMs);
  }

  /**
   * Encodes the batch on its first send, or re-stamps it if its sequence was given up. Returns
   * false when the batch cannot go yet (older-epoch batches of its partition still in flight)
   * or failed to encode.
   */
  private prepareForSend(q: PartitionQueue, b: ProducerBatch): boolean {
    const sequenced = this.opts.idempotent && b.acks !== ACKS_NONE_WIRE;
    if (sequenced && q.rewindAfterOrder >= 0) {
      // A batch before these failed for good: everything after it gets a fresh sequence under
      // the new producer id, once nothing of the old numbering is in flight.
      if (q.inFlight.length > 0) return false;
      for (const r of q.ready) if (r.producerId !== this.producerId) r.baseSequence = -1;
      q.rewindAfterOrder = -1;
    }
    if (sequenced && b.baseSequence < 0) {
      // Never mix producer ids in flight on one partition: a retry of the older one could be
      // overtaken.
      for (const f of q.inFlight) if (f.producerId !== this.producerId) return false;
      b.producerId = this.producerId;
      b.producerEpoch = this.producerEpoch;
      b.baseSequence = q.sequence.assign(b.recordCount);
      if (b.bytes !== null) restampProducer(b.bytes, b.producerId, b.producerEpoch, b.baseSequence);
    }
    if (b.bytes === null) {
      try {
        b.bytes = b.builder!.seal({
          compression: this.compression,
          producerId: b.producerId,
          producerEpoch: b.producerEpoch,
          baseSequence: b.baseSequence,
        });
        b.backing = b.builder!.backing;
      } catch (err) {
        q.ready.shift();
        this.finishBatch(b, err instanceof StrataError ? err : new UnknownServerError(`cannot encode batch: ${(err as Error).message}`));
        this.queueDrain();
        return false;
      }
      b.builder = null;
    }
    return true;
  }

  /**
   * The topic's leaders are unknown (first use, or forgotten after a leader change): refresh
   * them once for every queue waiting, then drain again. A failed refresh is retried after the
   * retry policy's first backoff, so a cluster without a leader for the moment is polled, not hammered.
   */
  private awaitLeader(topic: string): void {
    if (this.leaderWaits.has(topic)) return;
    this.leaderWaits.add(topic);
    this.router.refresh(topic).then(() => {
      this.log.debug({ topic, leaders: this.router.leadersOf(topic) }, 'learned partition leaders');
      this.wakeMovedLeaders(topic);
      return true;
    }, (err: unknown) => {
      this.log.warn({ topic, err: (err as Error).message }, 'cannot learn partition leaders; retrying');
      return false;
    }).then((ok) => {
      this.queueDrain();
      // Until the next look, queues of this topic without a leader wait (no refresh storm while
      // an election is under way).
      const t = setTimeout(() => {
        this.leaderWaits.delete(topic);
        this.queueDrain();
      }, ok ? LEADER_REFRESH_MS_MIN : backoffDelayMs(this.deps.retry, 0));
      t.unref?.();
    });
  }

  /** Opens `conn` for the batches waiting on it and drains once it is open or has failed. */
  private open(conn: Connection): void {
    if (this.opening.has(conn) || conn.isClosed) return;
    this.opening.add(conn);
    conn.connect().then(() => { this.unreachable.delete(conn); }, () => { this.unreachable.add(conn); }).finally(() => {
      this.opening.delete(conn);
      this.queueDrain();
    });
  }

  /**
   * After a Metadata answer for `topic`: partitions whose batch failed against a leader that has
   * since been replaced (a newer leader epoch) retry at once, without waiting out their backoff
   * (KIP-951's idea): the backoff was for the old leader.
   */
  private wakeMovedLeaders(topic: string): void {
    if (this.leaderEpochAtFailure.size === 0) return;
    const now = Date.now();
    for (const [q, epoch] of this.leaderEpochAtFailure) {
      if (q.topic !== topic) continue;
      const current = this.router.leaderEpoch(topic, q.partition);
      if (current === undefined || current <= epoch) continue;
      this.leaderEpochAtFailure.delete(q);
      for (const b of q.ready) if (b.retryAtMs > now) b.retryAtMs = now;
    }
  }

  private sendRequest(acks: number, batches: ProducerBatch[], conn: Connection): void {
    const byTopic = new Map<string, ProduceTopic>();
    for (const b of batches) {
      let t = byTopic.get(b.topic);
      if (!t) byTopic.set(b.topic, (t = { name: b.topic, partitions: [] }));
      t.partitions.push({ partition: b.partition, records: b.bytes! });
    }
    const topics = [...byTopic.values()];
    const timeoutMs = this.deps.requestTimeoutMs;
    // The frame is encoded by hand: a lone batch gets its envelope written in the headroom in
    // front of it (no copy); otherwise the frame is a pooled buffer, returned once the socket
    // wrote it. Only a batch's first attempt goes in place: after a timeout the socket may
    // still hold the earlier frame, whose envelope must not be overwritten.
    const only = batches.length === 1 ? batches[0]! : null;
    const inPlace = only !== null && only.attempts === 0 ? only.backing : null;
    let backing: Uint8Array | null = null;
    const options = {
      encode: (correlationId: number) => {
        const encoded = encodeProduceFrame(correlationId, acks, timeoutMs, topics, this.pool, inPlace);
        backing = encoded.backing;
        return encoded.frame;
      },
      onWritten: () => {
        if (backing !== null) this.pool.release(backing);
        backing = null;
      },
    };
    const body: RequestBody<'produce'> = { acks, timeoutMs, topics };
    if (acks === ACKS_NONE_WIRE) {
      conn.request('produce', body, { ...options, noResponse: true }).then(
        () => { for (const b of batches) this.onBatchSuccess(b, -1); },
        (err: unknown) => {
          const e = toStrataError(err);
          if (e instanceof ConnectionClosedError) this.unreachable.add(conn);
          for (const b of batches) this.onBatchError(b, e, false);
        },
      );
      return;
    }
    conn.request('produce', body, { ...options, timeoutMs: timeoutMs + PRODUCE_RESPONSE_MARGIN_MS }).then(
      (res) => this.onProduceResponse(batches, res),
      (err: unknown) => {
        const e = toStrataError(err);
        if (e instanceof RequestTimedOutError && !conn.isClosed) {
          // No answer within the ack timeout and its margin: the broker is frozen or cut off with
          // its socket open. As Kafka's client does, drop that socket (its other requests fail
          // and are retried) and look the leaders up again; otherwise every retry would go to the
          // same silent socket until the delivery deadline, however soon a new leader is elected.
          conn.terminateSocket();
          this.unreachable.add(conn);
          for (const b of batches) this.router.invalidate(b.topic);
        }
        if (e instanceof ConnectionClosedError) this.unreachable.add(conn);
        for (const b of batches) this.onBatchError(b, e, true);
      },
    );
  }

  private onProduceResponse(batches: ProducerBatch[], res: ResponseBody<'produce'>): void {
    const answers = new Map<string, NonNullable<NonNullable<ResponseBody<'produce'>['topics']>[number]['partitions']>>();
    for (const t of res.topics ?? []) answers.set(t.name ?? '', t.partitions ?? []);
    for (const b of batches) {
      const p = answers.get(b.topic)?.find((x) => x.partition === b.partition);
      if (!p) {
        this.onBatchError(b, new UnknownServerError(`produce response lacks ${b.topic}-${b.partition}`), false);
      } else if (p.error && p.error.code) {
        this.onBatchError(b, errorFromWire(p.error, { topic: b.topic, partition: b.partition }), true);
      } else {
        this.onBatchSuccess(b, Number(p.baseOffset ?? -1));
      }
    }
    this.queueDrain();
  }

  // ---- completion, retries, epoch bumps --------------------------------------------------

  private onBatchSuccess(b: ProducerBatch, baseOffset: number): void {
    const q = this.acc.queue(b.topic, b.partition);
    q.removeInFlight(b);
    if (this.leaderEpochAtFailure.size > 0) this.leaderEpochAtFailure.delete(q);
    this.finishBatch(b, null, baseOffset);
    this.queueDrain();
  }

  private onBatchError(b: ProducerBatch, err: StrataError, retriable: boolean): void {
    const q = this.acc.queue(b.topic, b.partition);
    q.removeInFlight(b);
    if (b.isFinished) return;
    if (isLeaderChange(err)) {
      const epoch = this.router.leaderEpoch(b.topic, b.partition) ?? -1;
      if (!this.leaderEpochAtFailure.has(q)) this.leaderEpochAtFailure.set(q, epoch);
      this.router.invalidate(b.topic);
    }
    const sequenced = b.baseSequence >= 0;
    if (err instanceof OutOfOrderSequenceError && sequenced && this.refusedBecauseOfEarlier(q, b)) {
      // An earlier batch is being retried or was given up: this one was refused, not written.
      q.requeue(b);
      this.acc.activate(q);
      this.queueDrain();
      return;
    }
    const delayMs = backoffDelayMs(this.deps.retry, b.attempts);
    if (retriable && isRetriable(err) && Date.now() + delayMs >= this.deadlineOf(b)) {
      this.failForGood(q, b, this.deliveryTimeout(b, err));
      return;
    }
    if (retriable && isRetriable(err) && b.attempts < this.retriesMax && !(this.closing && this.conn.isClosed)) {
      b.attempts++;
      b.lastError = err;
      b.retryAtMs = Date.now() + delayMs;
      this.log.warn({ topic: b.topic, partition: b.partition, attempt: b.attempts, delayMs, err: err.message }, 'retrying produce');
      q.requeue(b);
      this.acc.activate(q);
      this.scheduleDrainAt(b.retryAtMs);
      return;
    }
    const final = retriable && isRetriable(err) ? retriesExhausted(err, b.attempts + 1) : err;
    if (err instanceof UnknownTopicError) this.metadata.invalidate(b.topic);
    this.failForGood(q, b, final);
  }

  /** Fails a batch that is not in flight nor queued any more; with idempotence, renumbers what follows it. */
  private failForGood(q: PartitionQueue, b: ProducerBatch, err: StrataError): void {
    if (b.baseSequence >= 0 && this.opts.idempotent) {
      // Later batches of this partition carry sequences after a gap: bump the epoch and renumber.
      q.rewindAfterOrder = Math.max(q.rewindAfterOrder, b.order);
      this.needsReset = true;
    }
    this.finishBatch(b, err);
    this.queueDrain();
  }

  /**
   * Retries a batch may have: the count the application gave, or else RETRIES_MAX, so the
   * delivery deadline is what ends it (Kafka's producer: retries=MAX, delivery.timeout.ms).
   * With the default backoff, capped at 1 s, 1,000 retries take ~16 min, far past the 120 s
   * default deadline; only backoffs set below ~120 ms let the count end a batch first.
   */
  private get retriesMax(): number {
    return this.deps.retry.retriesGiven ? this.deps.retry.retries : RETRIES_MAX;
  }

  private deadlineOf(b: ProducerBatch): number {
    return b.createdAtMs + this.opts.deliveryTimeoutMs;
  }

  private deliveryTimeout(b: ProducerBatch, last: StrataError | null): DeliveryTimeoutError {
    const why = last ? `; last error: ${last.message}` : '; its partition had no reachable leader';
    return new DeliveryTimeoutError(
      `${b.recordCount} record(s) for ${b.topic}-${b.partition} not acknowledged within deliveryTimeoutMs ${this.opts.deliveryTimeoutMs} (${b.attempts + 1} attempt(s))${why}`,
      { cause: last ?? undefined });
  }

  /**
   * A partition without a reachable leader: fails its queued batches (oldest first, so order
   * holds) whose delivery deadline has passed, and arms a drain at the next deadline, since
   * nothing else may wake the producer while no broker answers. In-flight batches are left to
   * their answer or request timeout.
   */
  private expireWaiting(q: PartitionQueue, now: number): void {
    if (q.open !== null && this.deadlineOf(q.open) <= now) this.acc.close(q);
    while (q.ready.length > 0 && this.deadlineOf(q.ready[0]!) <= now) {
      const b = q.ready.shift()!;
      this.failForGood(q, b, this.deliveryTimeout(b, b.lastError));
    }
    const next = q.ready[0] ?? q.open;
    if (next) this.scheduleDrainAt(this.deadlineOf(next));
  }

  /**
   * Whether an OutOfOrderSequenceError for `b` is explained by an earlier batch of its partition
   * (still unanswered, waiting for a retry, or given up); in the last case `b` loses its
   * sequence so it is renumbered under the next producer id.
   */
  private refusedBecauseOfEarlier(q: PartitionQueue, b: ProducerBatch): boolean {
    if (q.rewindAfterOrder >= 0 && b.order > q.rewindAfterOrder) {
      b.baseSequence = -1; // renumber under the next producer id
      return true;
    }
    for (const f of q.inFlight) if (f.order < b.order) return true;
    for (const r of q.ready) if (r.order < b.order) return true;
    return false;
  }

  private finishBatch(b: ProducerBatch, err: StrataError | null, baseOffset = -1): void {
    const bytes = b.bufferedBytes;
    if (err) {
      b.fail(err);
    } else {
      // Acknowledged, so its frame was written in full: the buffer can be reused. After a
      // failure the socket may still hold the bytes, so the GC gets it instead.
      if (b.backing !== null) this.pool.release(b.backing);
      b.complete(baseOffset);
    }
    b.backing = null;
    this.budget.release(bytes);
  }

  private async resetProducerId(): Promise<void> {
    this.resetting = true;
    let failed = false;
    try {
      await this.initProducerId();
      this.needsReset = false;
      this.resetFailures = 0;
      for (const q of this.acc.allQueues()) q.sequence.reset();
      this.log.warn({ producerId: this.producerId }, 'took a new producer id after a failed batch');
    } catch (err) {
      failed = true;
      this.log.error({ err }, 'cannot obtain a new producer id');
      // Queued batches cannot be numbered: fail them rather than hold them forever.
      for (const q of this.acc.allQueues()) {
        this.acc.close(q);
        for (const b of q.ready.splice(0)) this.finishBatch(b, toStrataError(err));
      }
    } finally {
      this.resetting = false;
    }
    if (!failed) {
      this.queueDrain();
      return;
    }
    // On a closed connection initProducerId fails at once, so draining again in a microtask would
    // retry forever without ever yielding to timers or I/O. Once the producer or its connection is
    // closed nothing is left to number; otherwise try again after a backoff, as any retry does.
    if (this.closing || this.conn.isClosed) return;
    this.scheduleDrainAt(Date.now() + backoffDelayMs(this.deps.retry, this.resetFailures++));
  }

  private async start(): Promise<void> {
    await retry(() => this.router.connectAny(), this.deps.retry, this.retryHooks());
    if (this.opts.idempotent) await this.initProducerId();
  }

  private async initProducerId(): Promise<void> {
    const res = await retry(() => this.router.anyConnection().request('initProducerId', {}), this.deps.retry, this.retryHooks());
    const id = Number(res.producerId ?? -1);
    if (!isValidOffset(id)) throw new UnknownServerError(`broker returned invalid producer id ${String(res.producerId)}`);
    this.producerId = id;
    this.producerEpoch = res.producerEpoch ?? 0;
  }

  private retryHooks() {
    return {
      stopped: () => this.conn.isClosed,
      onRetry: (err: unknown, attempt: number, delayMs: number) =>
        this.log.warn({ attempt, delayMs, err: (err as Error).message }, 'retrying request'),
    };
  }
}

function toStrataError(err: unknown): StrataError {
  if (err instanceof StrataError) return err;
  return new UnknownServerError((err as Error)?.message ?? String(err));
}
