/**
 * A member's side of the group protocol: one background loop that joins the group, then keeps
 * one Heartbeat long poll parked at the broker, and rejoins when told to.
 *
 *   join ──► joined ──► heartbeat (parked up to heartbeatIntervalMs, re-sent at once)
 *     ▲                     │ RebalanceInProgressError: rejoin (the handler revokes first if eager)
 *     │                     │ IllegalGenerationError: partitions lost, rejoin with the same id
 *     └─────────────────────┘ UnknownMemberIdError: partitions lost, rejoin as a new member
 *
 * Because the heartbeat is parked, the broker tells a member about a rebalance within one
 * round trip, which is what keeps rebalances in the milliseconds. Retriable transport failures
 * (connection lost, timeouts, broker restarting) are retried with capped exponential backoff,
 * forever: a consumer outlives a broker restart, and then rejoins as a new member. Anything
 * else from JoinGroup (bad group id, unknown strategy, bad topic name) is fatal and handed to
 * the handler.
 *
 * The handler does the consumer's work at each step (revoke, assign, commit); the loop awaits
 * it, so a slow revocation hook delays the rejoin (bounded by the rebalance timeout).
 *
 * Concurrency: one loop; start/resubscribe/stop may be called at any time.
 */
import {
  ConnectionClosedError, FencedInstanceIdError, IllegalGenerationError, RebalanceInProgressError, StrataError, UnknownMemberIdError, UnknownServerError,
} from '../../proto/errors.js';
import type { TopicPartition } from '../consumer-options.js';
import type { Logger } from '../logger.js';
import { backoffDelayMs, isRetriable, type RetryPolicy } from '../retry.js';
import { isCoordinatorChange, type CoordinatorLink } from './coordinator-link.js';
import { GROUP_COORDINATOR_RETRY_BACKOFF_MS_MAX, GROUP_RETRY_BACKOFF_MS_INITIAL, type ResolvedGroupOptions } from './group-options.js';
import { heartbeat, joinGroup, leaveGroup, type JoinResult } from './group-requests.js';

export interface MembershipHandler {
  /** Before every join: eager strategies revoke everything here. Returns what is still owned. */
  prepareJoin(): Promise<TopicPartition[]>;
  /** A generation was joined. Returns true to rejoin at once (this member revoked partitions). */
  joined(result: JoinResult): Promise<boolean>;
  /** The membership is gone (evicted, or a generation was missed); nothing owned is ours. */
  lost(err: StrataError): Promise<void>;
  /** The group refused this member for good (bad config). */
  failed(err: StrataError): void;
}

export interface MembershipDeps {
  /** Reaches the group's coordinator (found and re-found as it moves). */
  coordinator: CoordinatorLink;
  retry: RetryPolicy;
  requestTimeoutMs: number;
  clientId: string;
  logger: Logger;
}

/** Retries of transport failures use at most this exponent of the backoff (then stay capped). */
const BACKOFF_ATTEMPTS_MAX = 30;

export class Membership {
  memberId = '';
  generationId = -1;
  private topics: string[] = [];
  private needJoin = true;
  private stopped = false;
  private loopDone: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private failures = 0;
  /** Settled by the next completed join (or a fatal failure). */
  private joinWaiters: Array<{ resolve: () => void; reject: (err: Error) => void }> = [];

  constructor(
    private readonly opts: ResolvedGroupOptions,
    private readonly deps: MembershipDeps,
    private readonly handler: MembershipHandler,
  ) {}

  get subscription(): readonly string[] {
    return this.topics;
  }

  /** Subscribes (or changes the subscription) and resolves once a generation is joined with it. */
  subscribe(topics: readonly string[]): Promise<void> {
    this.topics = [...new Set(topics)];
    const joined = new Promise<void>((resolve, reject) => this.joinWaiters.push({ resolve, reject }));
    this.needJoin = true;
    if (!this.loopDone) {
      this.loopDone = this.loop().catch((err: unknown) => {
        this.deps.logger.error({ err }, 'group membership loop failed');
        this.failWaiters(err instanceof Error ? err : new Error(String(err)));
      });
    } else {
      this.interrupt();
    }
    return joined;
  }

  /** Asks for a rebalance (e.g. after a subscription change). */
  requestRejoin(): void {
    this.needJoin = true;
    this.interrupt();
  }

  /**
   * Stops the loop. Does not wait for a parked join to return: the caller closes the
   * connection, which ends it.
   */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.interrupt();
    this.failWaiters(new ConnectionClosedError('consumer closed before joining the group'));
  }

  /** Tells the broker this member is gone, so the others rebalance now rather than after the session timeout. */
  async leave(): Promise<void> {
    if (this.memberId === '') return;
    // A static member relies on its session timeout, so a restart within it is no rebalance.
    if (this.opts.groupInstanceId !== undefined) return;
    try {
      await this.deps.coordinator.run((conn) => leaveGroup(conn, this.opts.groupId, this.memberId));
    } catch (err) {
      this.deps.logger.debug({ err, group: this.opts.groupId }, 'leave group failed; the session timeout will evict this member');
    }
    this.memberId = '';
    this.generationId = -1;
  }

  /** Resolves when the loop has exited (after stop() and the connection closing). */
  async finished(): Promise<void> {
    await this.loopDone;
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      if (this.needJoin) await this.joinOnce();
      else await this.heartbeatOnce();
    }
  }

  private async joinOnce(): Promise<void> {
    const owned = await this.handler.prepareJoin();
    if (this.stopped) return;
    const topics = this.topics;
    let res: JoinResult;
    try {
      res = await this.deps.coordinator.run((conn) => joinGroup(conn, {
        groupId: this.opts.groupId,
        memberId: this.memberId,
        clientId: this.deps.clientId,
        topics,
        strategy: this.opts.strategy,
        sessionTimeoutMs: this.opts.sessionTimeoutMs,
        rebalanceTimeoutMs: this.opts.rebalanceTimeoutMs,
        owned,
        groupInstanceId: this.opts.groupInstanceId,
      }, this.opts.rebalanceTimeoutMs + this.deps.requestTimeoutMs));
    } catch (err) {
      if (this.stopped) return;
      if (err instanceof UnknownMemberIdError) {
        await this.loseMembership(err, true);
        return;
      }
      if (isRetriable(err)) {
        await this.backoff(err, 'join');
        return;
      }
      const fatal = err instanceof StrataError ? err : new UnknownServerError(String(err), { cause: err });
      this.stopped = true;
      this.handler.failed(fatal);
      this.failWaiters(fatal);
      return;
    }
    this.failures = 0;
    this.memberId = res.memberId;
    this.generationId = res.generationId;
    this.needJoin = false;
    this.deps.logger.info({
      group: this.opts.groupId, memberId: res.memberId, generation: res.generationId, partitions: res.assignment.length,
    }, 'joined group');
    const again = await this.handler.joined(res);
    // subscribe() during the join replaced `this.topics`: that subscription still needs a join.
    if (again || res.revocationsPending || this.topics !== topics) this.needJoin = true;
    if (!this.needJoin) {
      const waiters = this.joinWaiters.splice(0);
      for (const w of waiters) w.resolve();
    }
  }

  private async heartbeatOnce(): Promise<void> {
    const wait = new Promise<'woken'>((resolve) => { this.wake = () => resolve('woken'); });
    const beat = this.deps.coordinator.run((conn) => heartbeat(
      conn, this.opts.groupId, this.memberId, this.generationId, this.opts.heartbeatIntervalMs,
      this.opts.heartbeatIntervalMs + this.deps.requestTimeoutMs,
    ));
    try {
      // Woken early (subscription change, close): the parked heartbeat is left to settle alone.
      const outcome = await Promise.race([beat, wait]);
      if (outcome === 'woken') beat.catch(() => undefined);
      this.failures = 0;
    } catch (err) {
      if (this.stopped) return;
      if (err instanceof RebalanceInProgressError) {
        this.needJoin = true;
      } else if (err instanceof IllegalGenerationError) {
        await this.loseMembership(err, false);
      } else if (err instanceof UnknownMemberIdError) {
        await this.loseMembership(err, true);
      } else if (err instanceof FencedInstanceIdError) {
        // A newer consumer with our group instance id took our place: stop, never rejoin (that
        // would fence it in turn).
        await this.handler.lost(err);
        this.stopped = true;
        this.handler.failed(err);
        this.failWaiters(err);
      } else {
        await this.backoff(err, 'heartbeat');
      }
    } finally {
      this.wake = null;
    }
  }

  private async loseMembership(err: StrataError, forgetId: boolean): Promise<void> {
    this.deps.logger.warn({ group: this.opts.groupId, memberId: this.memberId, err: err.message }, 'group membership lost; rejoining');
    if (forgetId) this.memberId = '';
    this.generationId = -1;
    this.needJoin = true;
    await this.handler.lost(err);
  }

  private async backoff(err: unknown, what: string): Promise<void> {
    let delayMs = Math.max(GROUP_RETRY_BACKOFF_MS_INITIAL, backoffDelayMs(this.deps.retry, Math.min(this.failures++, BACKOFF_ATTEMPTS_MAX)));
    if (isCoordinatorChange(err)) delayMs = Math.min(delayMs, GROUP_COORDINATOR_RETRY_BACKOFF_MS_MAX);
    this.deps.logger.warn({ group: this.opts.groupId, err: (err as Error).message, delayMs }, `group ${what} failed; retrying`);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, delayMs);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.wake = null;
  }

  private interrupt(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  private failWaiters(err: Error): void {
    for (const w of this.joinWaiters.splice(0)) w.reject(err);
  }
}
