/**
 * Which connection reaches each partition's leader (Kafka's metadata-driven routing). The
 * client's `brokers` is a bootstrap list: Metadata from any live broker names every broker (node
 * id, URL) and each partition's leader and epoch; produce and fetch go to the leader's
 * connection, opened on first use.
 *
 * A connection the router already has to node N is used for N whatever URL N advertises: a
 * broker alone (or one reached through a proxy or another host name) keeps being reached the way
 * the application said, and only other brokers are dialled at their advertised URLs.
 *
 * Refresh: a leader-related failure (NotLeaderOrFollower, FencedLeaderEpoch,
 * UnknownLeaderEpoch, LeaderNotAvailable, a lost connection) calls `invalidate(topic)`; the next
 * lookup of that topic finds no leader and the caller asks `refresh(topic)`, which asks the
 * brokers it knows and the bootstrap list side by side, and when none answers the brokers its
 * client's other routers learned (broker-directory.ts).
 * Concurrent refreshes of one topic share a request. Partitions without a leader stay unknown
 * (callers back off and refresh again).
 *
 * Concurrency: event-loop use only; one router per producer or consumer.
 */
import { ConnectionClosedError, errorFromWire, FencedLeaderEpochError, UnknownTopicError, LeaderNotAvailableError, NotLeaderOrFollowerError, StrataError, UnknownLeaderEpochError } from '../proto/errors.js';
import type { Connection, ResponseBody } from './connection.js';
import { BrokerDirectory } from './broker-directory.js';

/** Brokers a refresh tries before giving up (each answers or fails within its request timeout). */
export const METADATA_BROKERS_TRIED_MAX = 16;

interface PartitionLeader {
  readonly leader: number;
  readonly epoch: number;
}

export interface LeaderRouterOptions {
  /** The owner's connection, to the first bootstrap broker. */
  readonly first: Connection;
  /** Every bootstrap URL, the first one's included, in the order given. @default none besides `first` */
  readonly bootstrap?: readonly string[];
  /** Opens (lazily) a connection to `url`. @default `first.withUrl(url)` */
  readonly connect?: (url: string) => Connection;
  /** The brokers the owning client learned, shared with its other routers. @default this router's own */
  readonly directory?: BrokerDirectory;
}

export class LeaderRouter {
  private readonly byUrl = new Map<string, Connection>();
  private readonly byNode = new Map<number, Connection>();
  private readonly nodeUrls = new Map<number, string>();
  private readonly leaders = new Map<string, PartitionLeader[]>();
  /** A topic's refusal in the last Metadata answer that named it (UnknownTopicError...). */
  private readonly topicErrors = new Map<string, StrataError>();
  private readonly loading = new Map<string, Promise<ResponseBody<'metadata'>>>();
  /** The broker that answered last: the one anyConnection() hands out. */
  private preferred: Connection | null = null;
  private closed = false;

  private readonly bootstrap: readonly string[];
  private readonly connect: (url: string) => Connection;
  private readonly directory: BrokerDirectory;

  constructor(private readonly opts: LeaderRouterOptions) {
    this.bootstrap = opts.bootstrap ?? [];
    this.connect = opts.connect ?? ((url) => opts.first.withUrl(url));
    this.directory = opts.directory ?? new BrokerDirectory();
    this.byUrl.set(opts.first.url, opts.first);
    this.preferred = opts.first;
  }

  /** A connection to some broker, for requests any broker answers (InitProducerId, Metadata). */
  anyConnection(): Connection {
    if (this.preferred && !this.preferred.isClosed) return this.preferred;
    return this.opts.first;
  }

  /** The leader's connection, or null while the leader is unknown (call refresh). */
  leaderConnection(topic: string, partition: number): Connection | null {
    const l = this.leaders.get(topic)?.[partition];
    if (!l || l.leader < 0) return null;
    return this.nodeConnection(l.leader);
  }

  /**
   * Connects to some live broker: the preferred one, or, when it cannot be reached, whichever
   * answers Metadata first (a bootstrap list whose first broker is down still works).
   */
  async connectAny(): Promise<Connection> {
    const conn = this.anyConnection();
    try {
      await conn.connect();
      return conn;
    } catch (err) {
      if (!(err instanceof StrataError) || !err.retriable) throw err;
      await this.metadata([]);
      const next = this.anyConnection();
      await next.connect();
      return next;
    }
  }

  /** The leader's connection, refreshing the topic's leaders once if unknown; LeaderNotAvailableError (retriable) if still none. */
  async leaderFor(topic: string, partition: number): Promise<Connection> {
    let c = this.leaderConnection(topic, partition);
    if (c) return c;
    await this.refresh(topic);
    c = this.leaderConnection(topic, partition);
    if (c) return c;
    const refused = this.topicError(topic);
    if (refused) throw refused;
    if ((this.leaders.get(topic)?.length ?? 0) <= partition) throw new UnknownTopicError(`unknown topic or partition ${topic}-${partition}`);
    throw new LeaderNotAvailableError(`${topic}-${partition} has no leader at the moment`);
  }

  /** What the last Metadata answer said against `topic` (UnknownTopicError...), or null. */
  topicError(topic: string): StrataError | null {
    return this.topicErrors.get(topic) ?? null;
  }

  /** The leader epoch learned for the partition (sent with fetches, KIP-320), or undefined. */
  leaderEpoch(topic: string, partition: number): number | undefined {
    const l = this.leaders.get(topic)?.[partition];
    return l && l.leader >= 0 ? l.epoch : undefined;
  }

  /** The leader node id of each partition of `topic` as last learned (-1: none), or undefined. */
  leadersOf(topic: string): number[] | undefined {
    return this.leaders.get(topic)?.map((l) => l.leader);
  }

  /** Forgets the topic's leaders: the next lookup misses and the caller refreshes. */
  invalidate(topic: string): void {
    this.leaders.delete(topic);
  }

  /**
   * Metadata for `topics` from the first broker that answers; learns brokers and leaders from it.
   * Rejects with the last broker's failure when none answered.
   */
  metadata(topics: string[]): Promise<ResponseBody<'metadata'>> {
    const key = topics.join('\u0000');
    let p = this.loading.get(key);
    if (!p) {
      p = this.askAny(topics).finally(() => this.loading.delete(key));
      this.loading.set(key, p);
    }
    return p;
  }

  /** Same as metadata([topic]), for callers that only need the leaders learned. */
  async refresh(topic: string): Promise<void> {
    await this.metadata([topic]);
  }

  /** Closes the connections the router opened, and `first` too unless `keepFirst`. */
  async close(opts: { keepFirst?: boolean } = {}): Promise<void> {
    this.closed = true;
    const conns = [...new Set([...this.byUrl.values(), ...this.byNode.values()])];
    await Promise.all(conns.filter((c) => !(opts.keepFirst && c === this.opts.first)).map((c) => c.close()));
  }

  private async askAny(topics: string[]): Promise<ResponseBody<'metadata'>> {
    if (this.closed) throw new ConnectionClosedError('the client is closed');
    const asked: Connection[] = [];
    const add = (into: Connection[], c: Connection): void => { if (!c.isClosed && !asked.includes(c) && !into.includes(c)) into.push(c); };
    const known: Connection[] = [];
    if (this.preferred) add(known, this.preferred);
    add(known, this.opts.first);
    for (const c of this.byNode.values()) add(known, c);
    for (const url of this.bootstrap) add(known, this.connectionTo(url));
    if (known.length === 0 && [...this.directory.entries()].length === 0) throw new ConnectionClosedError('no broker to ask for metadata');
    let failure: unknown = new ConnectionClosedError('no broker to ask for metadata');
    if (known.length > 0) {
      asked.push(...known);
      try {
        return await this.askSideBySide(known, topics);
      } catch (err) {
        if (!(err instanceof StrataError) || !err.retriable) throw err;
        failure = err;
      }
    }
    // None of those answered: try the brokers the client's other routers learned (when brokers
    // restarted elsewhere, every address the application gave may be dead while these live).
    const learned: Connection[] = [];
    for (const [, url] of this.directory.entries()) add(learned, this.connectionTo(url));
    if (learned.length === 0) throw failure;
    return this.askSideBySide(learned, topics);
  }

  /**
   * Metadata from whichever of `candidates` answers first. Asked side by side: a dead broker's
   * connection may sit in its reconnect backoff for seconds, and during a failover the broker
   * asked last is often the one that died.
   */
  private async askSideBySide(candidates: Connection[], topics: string[]): Promise<ResponseBody<'metadata'>> {
    const asks = candidates.slice(0, METADATA_BROKERS_TRIED_MAX).map(async (conn) => {
      const res = await conn.request('metadata', { topics });
      return { conn, res };
    });
    try {
      const { conn, res } = await Promise.any(asks);
      this.learn(conn, res);
      this.preferred = conn;
      return res;
    } catch (err) {
      const errors = err instanceof AggregateError ? err.errors : [err];
      throw errors.find((e) => e instanceof StrataError && !e.retriable) ?? errors.at(-1);
    }
  }

  private learn(conn: Connection, res: ResponseBody<'metadata'>): void {
    const answering = res.nodeId ?? -1;
    const known = this.byNode.get(answering);
    if (answering >= 0 && (!known || known.isClosed)) this.byNode.set(answering, conn);
    for (const b of res.brokers ?? []) {
      const id = b.nodeId ?? -1;
      if (id < 0 || !b.url) continue;
      const before = this.nodeUrls.get(id) ?? this.directory.urlOf(id);
      this.nodeUrls.set(id, b.url);
      this.directory.learn(id, b.url);
      // A broker that came back on another address: the old connection leads nowhere.
      const c = this.byNode.get(id);
      if (before !== undefined && before !== b.url && c && id !== answering && this.byUrl.get(before) === c) this.byNode.delete(id);
    }
    for (const t of res.topics ?? []) {
      if (!t.name) continue;
      if (t.error && t.error.code) {
        this.leaders.delete(t.name);
        this.topicErrors.set(t.name, errorFromWire(t.error, { topic: t.name }));
        continue;
      }
      this.topicErrors.delete(t.name);
      this.leaders.set(t.name, (t.partitions ?? []).map((p) => ({ leader: p.leader ?? -1, epoch: p.leaderEpoch ?? -1 })));
    }
  }

  /** The connection to broker `id` (opened on first use), or null for a broker no Metadata named. */
  nodeConnection(id: number): Connection | null {
    const c = this.byNode.get(id);
    if (c && !c.isClosed) return c;
    const url = this.nodeUrls.get(id) ?? this.directory.urlOf(id);
    if (!url) return null;
    const conn = this.connectionTo(url);
    this.byNode.set(id, conn);
    return conn;
  }

  private connectionTo(url: string): Connection {
    let c = this.byUrl.get(url);
    if (!c || c.isClosed) this.byUrl.set(url, (c = this.connect(url)));
    return c;
  }
}

/** Failures that mean "this broker does not (or no longer) lead it, or cannot be reached": refresh the leaders. */
export function isLeaderChange(err: unknown): boolean {
  return err instanceof NotLeaderOrFollowerError || err instanceof FencedLeaderEpochError || err instanceof UnknownLeaderEpochError
    || err instanceof LeaderNotAvailableError || err instanceof ConnectionClosedError;
}
