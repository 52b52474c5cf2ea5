/**
 * Which connection reaches a group's coordinator: the broker leading the group's partition of
 * `__consumer_offsets` (a broker alone coordinates every group). Found with FindCoordinator,
 * asked of any live broker; the coordinator is then reached over the router's connection to
 * that node (the one the application dialled, when it is that node), so a broker alone is
 * reached exactly as before.
 *
 * Re-finding: a group call failing with NotCoordinatorError (leadership of the offsets
 * partition moved), CoordinatorNotAvailableError, a lost connection or a timeout forgets the
 * coordinator; the next call finds it again. The callers (membership loop, commits) keep their
 * own retry policies; this class only retries the finding itself, a bounded number of times
 * with capped exponential backoff, since a failover leaves the offsets partition leaderless for
 * a lease TTL or so.
 *
 * Concurrency: event-loop use only; concurrent finds share one request.
 */
import {
  ConnectionClosedError, CoordinatorNotAvailableError, NotCoordinatorError, RequestTimedOutError,
} from '../../proto/errors.js';
import type { Connection } from '../connection.js';
import type { LeaderRouter } from '../leader-router.js';
import { NOOP_LOGGER, type Logger } from '../logger.js';
import { isRetriable } from '../retry.js';

/** Attempts of one find before its last failure is handed to the caller (who retries on its own terms). */
export const COORDINATOR_FIND_ATTEMPTS_MAX = 20;
/** Backoff between find attempts: doubles from the first value up to the cap. */
export const COORDINATOR_FIND_BACKOFF_MS_INITIAL = 50;
export const COORDINATOR_FIND_BACKOFF_MS_MAX = 1_000;

export class CoordinatorLink {
  private current: { nodeId: number; conn: Connection } | null = null;
  private finding: Promise<Connection> | null = null;
  private closed = false;
  /** Set when the coordinator could not be reached: its broker may be back at another address. */
  private unreachable = false;

  constructor(private readonly groupId: string, private readonly router: LeaderRouter, private readonly logger: Logger = NOOP_LOGGER) {}

  /** The coordinator's node id as last found (-1 when not known). */
  get nodeId(): number {
    return this.current?.nodeId ?? -1;
  }

  /** Runs a group call against the coordinator; a failure saying it moved makes the next call find it again. */
  async run<T>(call: (conn: Connection) => Promise<T>): Promise<T> {
    const conn = await this.connection();
    try {
      return await call(conn);
    } catch (err) {
      if (err instanceof ConnectionClosedError || err instanceof RequestTimedOutError) this.unreachable = true;
      if (isCoordinatorChange(err) && this.current?.conn === conn) {
        this.logger.debug({ group: this.groupId, coordinator: this.current.nodeId, err: (err as Error).message }, 'group coordinator lost; finding it again');
        this.current = null;
      }
      throw err;
    }
  }

  /** Stops finding (the consumer is closing); connections belong to the router. */
  close(): void {
    this.closed = true;
  }

  private connection(): Promise<Connection> {
    const cur = this.current;
    if (cur && !cur.conn.isClosed) return Promise.resolve(cur.conn);
    this.finding ??= this.find().finally(() => { this.finding = null; });
    return this.finding;
  }

  private async find(): Promise<Connection> {
    for (let attempt = 0; ; attempt++) {
      try {
        if (this.closed) throw new ConnectionClosedError('consumer is closed');
        const asked = await this.router.connectAny();
        const res = await asked.request('findCoordinator', { groupId: this.groupId });
        const nodeId = res.nodeId ?? -1;
        if (nodeId < 0) throw new CoordinatorNotAvailableError(`group ${this.groupId} has no coordinator at the moment`);
        // A broker that died and came back (often on another port) is known by its new address
        // only from a fresh Metadata: without it the router would hand out the dead connection.
        if (this.unreachable) {
          await this.router.metadata([]);
          this.unreachable = false;
        }
        let conn = this.router.nodeConnection(nodeId);
        if (!conn) {
          // A node Metadata has not named yet (first find): learn the brokers, then look again.
          await this.router.metadata([]);
          conn = this.router.nodeConnection(nodeId);
        }
        if (!conn) throw new CoordinatorNotAvailableError(`group ${this.groupId}: coordinator ${nodeId} is not among the live brokers`);
        if (this.current?.nodeId !== nodeId) this.logger.info({ group: this.groupId, coordinator: nodeId }, 'found the group coordinator');
        this.current = { nodeId, conn };
        return conn;
      } catch (err) {
        if (this.closed || !isRetriable(err) || attempt + 1 >= COORDINATOR_FIND_ATTEMPTS_MAX) throw err;
        const delayMs = Math.min(COORDINATOR_FIND_BACKOFF_MS_MAX, COORDINATOR_FIND_BACKOFF_MS_INITIAL * 2 ** attempt);
        await new Promise((r) => setTimeout(r, delayMs));
      }
    }
  }
}

/** Failures after which the coordinator must be looked up again. */
export function isCoordinatorChange(err: unknown): boolean {
  return err instanceof NotCoordinatorError || err instanceof CoordinatorNotAvailableError
    || err instanceof ConnectionClosedError || err instanceof RequestTimedOutError;
}
