/**
 * The ReplicaTransport between broker processes: a follower's ReplicaFetch and
 * OffsetsForLeaderEpoch go over the WebSocket protocol (proto oneof 55-69) to the leader's
 * advertised `ws` endpoint, as read from the cluster view.
 *
 * One connection per leader broker, shared by every partition this broker follows on it
 * (requests are pipelined; each partition keeps at most one fetch in flight). A leader whose
 * advertised URL changed (it restarted on another port) gets a fresh connection. A leader not
 * in the view (its lease expired) is refused with NotLeaderOrFollowerError (retriable), so the
 * fetcher backs off until the controller has moved the partition.
 *
 * TLS: when the brokers run with certificates their advertised URLs are wss://, and the
 * connection uses `tls()` (read per new connection, so a reloaded certificate is used from the
 * next one): the cluster's CA to verify the leader and, under mutual TLS, this broker's own
 * certificate as its client certificate.
 *
 * Errors: request-level refusals come back as the table's StrataErrors (FencedLeaderEpochError,
 * NotLeaderOrFollowerError...); a lost socket as ConnectionClosedError; both retriable. An
 * aborted call settles at once with ConnectionClosedError and its answer, if any, is dropped.
 */
import { ConnectionClosedError, NotLeaderOrFollowerError } from '../../proto/errors.js';
import { Connection } from '../../client/connection.js';
import type { ResolvedTls } from '../../client/tls-options.js';
import type { ClusterView } from '../cluster/cluster-view.js';
import type { Logger } from '../logger.js';
import {
  REPLICA_CONNECT_MS_MAX, REPLICA_IN_FLIGHT_MAX, REPLICA_QUEUED_MAX, REPLICA_REQUEST_MS_MAX,
} from './constants.js';
import type {
  EpochEndOffsetCommand, EpochEndOffsetResult, ReplicaFetchCommand, ReplicaFetchResult, ReplicaTransport,
} from './replica-transport.js';

export interface NetworkReplicaTransportOptions {
  readonly view: ClusterView;
  readonly localId: number;
  readonly logger: Logger;
  /** TLS of connections to wss:// leaders; absent or null: the SDK's defaults. */
  readonly tls?: () => ResolvedTls | null;
}

export class NetworkReplicaTransport implements ReplicaTransport {
  private readonly conns = new Map<number, { url: string; conn: Connection }>();
  private closed = false;

  constructor(private readonly opts: NetworkReplicaTransportOptions) {}

  async fetch(leaderId: number, cmd: ReplicaFetchCommand, signal: AbortSignal): Promise<ReplicaFetchResult> {
    const conn = this.connectionTo(leaderId);
    const res = await abortable(conn.request('replicaFetch', cmd, { timeoutMs: cmd.maxWaitMs + REPLICA_REQUEST_MS_MAX }), signal);
    const records = res.records ?? new Uint8Array(0);
    return {
      records,
      highWatermark: Number(res.highWatermark ?? 0),
      logStartOffset: Number(res.logStartOffset ?? 0),
      logEndOffset: Number(res.logEndOffset ?? 0),
    };
  }

  async endOffsetForEpoch(leaderId: number, cmd: EpochEndOffsetCommand, signal: AbortSignal): Promise<EpochEndOffsetResult> {
    const conn = this.connectionTo(leaderId);
    const res = await abortable(conn.request('offsetsForLeaderEpoch', cmd), signal);
    return {
      epoch: res.epoch ?? 0,
      endOffset: Number(res.endOffset ?? 0),
      logStartOffset: Number(res.logStartOffset ?? 0),
      logEndOffset: Number(res.logEndOffset ?? 0),
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    const conns = [...this.conns.values()];
    this.conns.clear();
    await Promise.all(conns.map((c) => c.conn.close()));
  }

  private connectionTo(leaderId: number): Connection {
    if (this.closed) throw new ConnectionClosedError('the replica transport is closed');
    const endpoints = this.opts.view.brokers.get(leaderId)?.value.endpoints;
    const url = endpoints?.replication ?? endpoints?.ws;
    if (!url) throw new NotLeaderOrFollowerError(`broker ${leaderId} is not live in the cluster view`);
    const cur = this.conns.get(leaderId);
    if (cur && cur.url === url && !cur.conn.isClosed) return cur.conn;
    if (cur) void cur.conn.close();
    const conn = new Connection({
      url,
      clientId: `strata-replica-${this.opts.localId}`,
      connectTimeoutMs: REPLICA_CONNECT_MS_MAX,
      requestTimeoutMs: REPLICA_REQUEST_MS_MAX,
      inFlightRequestsMax: REPLICA_IN_FLIGHT_MAX,
      queuedRequestsMax: REPLICA_QUEUED_MAX,
      tls: this.opts.tls?.() ?? null,
    });
    this.conns.set(leaderId, { url, conn });
    this.opts.logger.debug({ leaderId, url }, 'replica connection to a leader');
    return conn;
  }
}

/** Settles with `p`, or rejects with ConnectionClosedError as soon as `signal` aborts. */
function abortable<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    p.catch(() => undefined);
    return Promise.reject(new ConnectionClosedError('replica request aborted'));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new ConnectionClosedError('replica request aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then((v) => {
      signal.removeEventListener('abort', onAbort);
      resolve(v);
    }, (err: unknown) => {
      signal.removeEventListener('abort', onAbort);
      reject(err);
    });
  });
}
