/**
 * Push delivery for one consumer: its tailing partitions subscribed at their leaders' brokers
 * (proto/strata.proto, SubscribeRequest), so new batches arrive as the high watermark moves
 * instead of through a fetch request per batch. The consumer decides which partitions tail
 * (client/consumer.ts); this file keeps the subscriptions and the credit.
 *
 * One subscription per connection (a push channel of client/connection.ts). Pushed partitions go
 * to the consumer's `onData` exactly as a fetch answer's partitions do (same decoding, same
 * error handling); a partition whose data carries an error, or whose connection closed, is no
 * longer subscribed and `onEnded` tells the consumer to fetch it again (which falls back to
 * metadata refresh and retries as any fetch does).
 *
 * Credit, per connection: the broker may send `windowBytes` of records minus what the consumer
 * holds unread and minus the credit it still has (as far as this side knows: granted - received,
 * an over-estimate while frames are on the way). Credit is handed back only in steps of a
 * quarter window (CREDIT_RETURN_FRACTION), so at 100k records/s a credit frame goes out a few
 * times a second, not once a batch. A consumer that stops reading therefore stops the broker
 * within one window; the bytes stay in the broker's log, not in its memory.
 *
 * Liveness: a connection with subscriptions that brought nothing for PUSH_IDLE_PROBE_MS is
 * probed (an empty Subscribe); no answer within PUSH_PROBE_TIMEOUT_MS drops its socket, which
 * ends its subscriptions, so a frozen or unreachable leader costs what a fetch timeout would.
 *
 * Concurrency: owned by one consumer, event-loop use only.
 */
import { errorFromWire, RequestTimedOutError, UnsupportedVersionError } from '../proto/errors.js';
import type { Connection, PushHandler, ResponseBody } from './connection.js';
import { PUSH_IDLE_PROBE_MS, PUSH_PROBE_TIMEOUT_MS } from './constants.js';
import type { Logger } from './logger.js';
import type { PartitionFetchState } from './partition-fetch-state.js';

/** Credit goes back to the broker once at least this fraction of the window is free. */
const CREDIT_RETURN_FRACTION = 0.25;

type PushedPartition = NonNullable<NonNullable<ResponseBody<'fetch'>['topics']>[number]['partitions']>[number];

export interface PushDeliveryOptions {
  /** Record bytes a connection's broker may have on the way to this consumer, unread ones included. */
  readonly windowBytes: number;
  /** Record bytes the consumer holds unread (all partitions). */
  readonly bufferedBytes: () => number;
  /** A pushed partition, handled as a fetched one. */
  readonly onData: (st: PartitionFetchState, p: PushedPartition) => void;
  /** Subscriptions ended (error, connection closed, refused): the consumer fetches these partitions again. */
  readonly onEnded: () => void;
  readonly log: Logger;
}

interface Subscribed {
  readonly st: PartitionFetchState;
  /** st.epoch at subscribe: a seek since makes the subscription stale. */
  readonly epoch: number;
}

/** One connection's subscription. */
class ConnectionPush implements PushHandler {
  readonly id: number;
  readonly partitions = new Map<string, Subscribed>();
  /** Credit granted to and record bytes received from the broker since the subscription began. */
  granted = 0;
  received = 0;
  /** Date.now() of the last frame or probe answer. */
  lastHeardMs = Date.now();
  probing = false;

  constructor(readonly conn: Connection, private readonly owner: PushDelivery) {
    this.id = conn.openPushChannel(this);
  }

  onPushed(body: ResponseBody<'fetch'>): void {
    this.lastHeardMs = Date.now();
    this.owner.onPushed(this, body);
  }

  onReset(): void {
    this.owner.onReset(this);
  }
}

export class PushDelivery {
  private readonly byConn = new Map<Connection, ConnectionPush>();
  private readonly subscribedAt = new Map<PartitionFetchState, ConnectionPush>();
  /** Connections whose broker refused push (an older broker): fetch there. */
  private readonly refused = new WeakSet<Connection>();
  private closed = false;
  private probeTimer: ReturnType<typeof setInterval> | null = null;

  constructor(private readonly opts: PushDeliveryOptions) {}

  /** Whether `st` is subscribed (or being subscribed): the consumer does not fetch it. */
  isSubscribed(st: PartitionFetchState): boolean {
    return this.subscribedAt.has(st);
  }

  /** Whether partitions led at `conn` can be subscribed there. */
  canPush(conn: Connection): boolean {
    return !this.closed && conn.offersPush && !this.refused.has(conn);
  }

  /** Subscribes `sts` at `conn` from their fetch offsets; failures end them again (they are fetched). */
  async subscribe(conn: Connection, sts: readonly PartitionFetchState[], partitionMaxBytes: number,
    leaderEpochOf: (st: PartitionFetchState) => number | undefined): Promise<void> {
    let cp = this.byConn.get(conn);
    if (!cp) this.byConn.set(conn, (cp = new ConnectionPush(conn, this)));
    const byTopic = new Map<string, Array<{ partition: number; fetchOffset: number; partitionMaxBytes: number; currentLeaderEpoch?: number }>>();
    for (const st of sts) {
      cp.partitions.set(keyOf(st.topic, st.partition), { st, epoch: st.epoch });
      this.subscribedAt.set(st, cp);
      let parts = byTopic.get(st.topic);
      if (!parts) byTopic.set(st.topic, (parts = []));
      const leaderEpoch = leaderEpochOf(st);
      parts.push({
        partition: st.partition, fetchOffset: st.fetchOffset, partitionMaxBytes,
        ...(leaderEpoch !== undefined && leaderEpoch > 0 ? { currentLeaderEpoch: leaderEpoch } : {}),
      });
    }
    const creditBytes = this.freeCredit(cp);
    cp.granted += creditBytes;
    cp.lastHeardMs = Date.now();
    this.startProbing();
    try {
      await conn.request('subscribe', {
        subscriptionId: cp.id, creditBytes, topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
      });
    } catch (err) {
      if (err instanceof UnsupportedVersionError) this.refused.add(conn);
      this.opts.log.warn({ err: (err as Error).message }, 'subscribe failed; fetching instead');
      for (const st of sts) this.end(cp, st);
      this.opts.onEnded();
    }
  }

  /** Stops pushing `st` (seek, pause, unassigned); batches still on the way are dropped. */
  unsubscribe(st: PartitionFetchState): void {
    const cp = this.subscribedAt.get(st);
    if (!cp) return;
    this.end(cp, st);
    if (cp.conn.isReady) {
      cp.conn.request('unsubscribe', { subscriptionId: cp.id, topics: [{ name: st.topic, partitions: [st.partition] }] })
        .catch(() => { /* the subscription ends with the connection anyway */ });
    }
  }

  /** Ends every subscription (a new assignment, or closing). */
  unsubscribeAll(): void {
    for (const cp of this.byConn.values()) {
      if (cp.partitions.size === 0) continue;
      for (const { st } of [...cp.partitions.values()]) this.end(cp, st);
      if (cp.conn.isReady) cp.conn.request('unsubscribe', { subscriptionId: cp.id, topics: [] }).catch(() => {});
    }
  }

  /** The consumer read some of its buffer: give the room back as credit, in quarter-window steps. */
  topUp(): void {
    for (const cp of this.byConn.values()) {
      if (cp.partitions.size === 0 || !cp.conn.isReady) continue;
      const free = this.freeCredit(cp);
      if (free < this.opts.windowBytes * CREDIT_RETURN_FRACTION) continue;
      cp.granted += free;
      cp.conn.request('subscriptionCredit', { subscriptionId: cp.id, creditBytes: free }, { noResponse: true })
        .catch(() => { /* lost with the connection, whose reset starts over */ });
    }
  }

  close(): void {
    if (this.closed) return;
    this.unsubscribeAll();
    this.closed = true;
    if (this.probeTimer !== null) clearInterval(this.probeTimer);
    this.probeTimer = null;
    for (const cp of this.byConn.values()) cp.conn.closePushChannel(cp.id);
    this.byConn.clear();
  }

  // ---- from the connections ----------------------------------------------------------------------

  onPushed(cp: ConnectionPush, body: ResponseBody<'fetch'>): void {
    let ended = false;
    for (const t of body.topics ?? []) {
      for (const p of t.partitions ?? []) {
        cp.received += p.records?.length ?? 0;
        const sub = cp.partitions.get(keyOf(t.name ?? '', p.partition ?? 0));
        if (!sub) continue; // unsubscribed meanwhile: its bytes only count against the credit
        if (sub.st.epoch !== sub.epoch) {
          this.end(cp, sub.st);
          ended = true;
          continue;
        }
        if (p.error && p.error.code) {
          this.opts.log.debug({ topic: sub.st.topic, partition: sub.st.partition, err: errorFromWire(p.error).message }, 'subscription ended; fetching');
          this.end(cp, sub.st);
          ended = true;
        }
        this.opts.onData(sub.st, p);
      }
    }
    if (ended) this.opts.onEnded();
    this.topUp();
  }

  onReset(cp: ConnectionPush): void {
    if (cp.partitions.size === 0 && cp.granted === 0) return;
    for (const { st } of [...cp.partitions.values()]) this.end(cp, st);
    cp.granted = 0;
    cp.received = 0;
    this.opts.onEnded();
  }

  private startProbing(): void {
    if (this.probeTimer !== null || this.closed) return;
    const t = setInterval(() => this.probe(), PUSH_IDLE_PROBE_MS / 2);
    (t as { unref?: () => void }).unref?.();
    this.probeTimer = t;
  }

  /** Probes every connection whose subscriptions went quiet; one probe at a time per connection. */
  private probe(): void {
    const now = Date.now();
    for (const cp of this.byConn.values()) {
      if (cp.partitions.size === 0 || cp.probing || !cp.conn.isReady || now - cp.lastHeardMs < PUSH_IDLE_PROBE_MS) continue;
      cp.probing = true;
      // An empty Subscribe changes nothing at the broker; its answer proves the socket alive.
      cp.conn.request('subscribe', { subscriptionId: cp.id, creditBytes: 0, topics: [] }, { timeoutMs: PUSH_PROBE_TIMEOUT_MS }).then(
        () => { cp.lastHeardMs = Date.now(); },
        (err: unknown) => {
          if (!(err instanceof RequestTimedOutError)) return; // a closed socket resets the channel itself
          this.opts.log.warn({ url: cp.conn.url, timeoutMs: PUSH_PROBE_TIMEOUT_MS }, 'subscribed broker does not answer; dropping the connection');
          cp.conn.terminateSocket();
        },
      ).finally(() => { cp.probing = false; });
    }
  }

  private end(cp: ConnectionPush, st: PartitionFetchState): void {
    cp.partitions.delete(keyOf(st.topic, st.partition));
    if (this.subscribedAt.get(st) === cp) this.subscribedAt.delete(st);
    // The broker's credit of an empty subscription is forgotten by neither side; keep counting it.
  }

  /** Credit `cp`'s broker may be given now: the window less what is unread and what it may still send. */
  private freeCredit(cp: ConnectionPush): number {
    const outstanding = Math.max(0, cp.granted - cp.received);
    return Math.max(0, Math.floor(this.opts.windowBytes - this.opts.bufferedBytes() - outstanding));
  }
}

function keyOf(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}
