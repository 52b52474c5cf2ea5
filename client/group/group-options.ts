/**
 * Options of a group consumer (`client.consumer({ groupId })`) and their defaults.
 */
import assert from '../../proto/assert.js';
import { InvalidConfigError } from '../../proto/errors.js';
import type { ConsumerOptions, TopicPartition } from '../consumer-options.js';

/** Partition assignment strategies the broker runs. */
export type AssignmentStrategy = 'range' | 'round-robin' | 'cooperative-sticky';
const STRATEGIES: readonly AssignmentStrategy[] = ['range', 'round-robin', 'cooperative-sticky'];

/** Called with the partitions concerned; the consumer awaits it before going on. */
export type RebalanceListener = (partitions: TopicPartition[]) => void | Promise<void>;

export const GROUP_SESSION_TIMEOUT_MS_DEFAULT = 10_000;
export const GROUP_REBALANCE_TIMEOUT_MS_DEFAULT = 30_000;
export const AUTO_COMMIT_INTERVAL_MS_DEFAULT = 5_000;
/** Pause before retrying a failed join or heartbeat (doubles per failure up to the retry ceiling). */
export const GROUP_RETRY_BACKOFF_MS_INITIAL = 50;
/**
 * Longest wait before retrying a join or heartbeat whose coordinator moved or went away
 * (NotCoordinator, CoordinatorNotAvailable, lost connection): a coordinator failover takes
 * about a lease TTL (2 s), and the client's general backoff (doubling to 10 s) would otherwise
 * keep the member away for seconds after the new coordinator is up.
 */
export const GROUP_COORDINATOR_RETRY_BACKOFF_MS_MAX = 500;

/** Options of `client.consumer({ groupId, ... })`. */
export interface GroupConsumerOptions extends Omit<ConsumerOptions, 'defaultOffset'> {
  /** The consumer group to join. Members of one group share the partitions of their topics. */
  groupId: string;
  /**
   * Where to start a partition the group has no committed offset for (or whose committed offset
   * fell out of the log): the log start, the log end, or 'none' to throw
   * NoOffsetForPartitionError from the iterator instead of guessing.
   * @default 'latest'
   */
  autoOffsetReset?: 'earliest' | 'latest' | 'none';
  /** Commit processed positions every `autoCommitIntervalMs`, before a revocation, and on close. @default true */
  autoCommit?: boolean;
  /** @default 5000 */
  autoCommitIntervalMs?: number;
  /**
   * How the broker splits partitions. 'cooperative-sticky' moves only the partitions that must
   * move and lets members keep consuming the rest during a rebalance; 'range' and 'round-robin'
   * are eager: every member gives up everything at each rebalance. All members must agree.
   * @default 'cooperative-sticky'
   */
  strategy?: AssignmentStrategy;
  /** Evicted from the group when the broker hears nothing for this long. @default 10000 */
  sessionTimeoutMs?: number;
  /** Longest a rebalance waits for members to rejoin (and so for onPartitionsRevoked). @default 30000 */
  rebalanceTimeoutMs?: number;
  /** Long-poll time of one heartbeat; the broker caps it at half the session. @default sessionTimeoutMs / 3 */
  heartbeatIntervalMs?: number;
  /**
   * Static membership (Kafka's KIP-345): a name for this consumer instance that stays the same
   * across restarts (e.g. the host or pod name), unique within the group. A consumer that
   * restarts with the same id within `sessionTimeoutMs` gets its partitions back without a
   * rebalance: the other members keep consuming, the generation does not change. Such a
   * consumer does not send LeaveGroup on close (the broker evicts it once its session times
   * out), and a second live consumer with the same id fences the first one, which stops with
   * FencedInstanceIdError. Undefined: a dynamic member, which leaves the group on close.
   */
  groupInstanceId?: string;
  /** Partitions given to this member, positioned and being fetched. Seek here to override. */
  onPartitionsAssigned?: RebalanceListener;
  /**
   * Partitions about to be taken away in an orderly rebalance: still owned, so commits succeed.
   * With autoCommit, processed positions are committed just before this is called.
   */
  onPartitionsRevoked?: RebalanceListener;
  /** Partitions already lost (evicted, or the group moved on): commits would be rejected. */
  onPartitionsLost?: RebalanceListener;
}

export interface ResolvedGroupOptions {
  groupId: string;
  autoOffsetReset: 'earliest' | 'latest' | 'none';
  autoCommit: boolean;
  autoCommitIntervalMs: number;
  strategy: AssignmentStrategy;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  heartbeatIntervalMs: number;
  groupInstanceId: string | undefined;
  onPartitionsAssigned: RebalanceListener | undefined;
  onPartitionsRevoked: RebalanceListener | undefined;
  onPartitionsLost: RebalanceListener | undefined;
}

function intIn(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidConfigError(`consumer ${name} must be an integer in [${min}, ${max}], got ${value}`);
  }
  return value;
}

export function resolveGroupOptions(o: GroupConsumerOptions): ResolvedGroupOptions {
  if (typeof o.groupId !== 'string' || o.groupId.length === 0) throw new InvalidConfigError('consumer groupId must be a non-empty string');
  const autoOffsetReset = o.autoOffsetReset ?? 'latest';
  if (!['earliest', 'latest', 'none'].includes(autoOffsetReset)) {
    throw new InvalidConfigError(`consumer autoOffsetReset must be earliest, latest or none, got ${String(autoOffsetReset)}`);
  }
  const strategy = o.strategy ?? 'cooperative-sticky';
  if (!STRATEGIES.includes(strategy)) throw new InvalidConfigError(`consumer strategy must be one of ${STRATEGIES.join(', ')}`);
  const sessionTimeoutMs = intIn('sessionTimeoutMs', o.sessionTimeoutMs ?? GROUP_SESSION_TIMEOUT_MS_DEFAULT, 100, 30 * 60_000);
  if (o.groupInstanceId !== undefined && (typeof o.groupInstanceId !== 'string' || o.groupInstanceId.length === 0 || o.groupInstanceId.length > 255)) {
    throw new InvalidConfigError('consumer groupInstanceId must be a string of 1 to 255 characters');
  }
  const resolved: ResolvedGroupOptions = {
    groupId: o.groupId,
    autoOffsetReset,
    autoCommit: o.autoCommit ?? true,
    autoCommitIntervalMs: intIn('autoCommitIntervalMs', o.autoCommitIntervalMs ?? AUTO_COMMIT_INTERVAL_MS_DEFAULT, 1, 24 * 60 * 60_000),
    strategy,
    sessionTimeoutMs,
    rebalanceTimeoutMs: intIn('rebalanceTimeoutMs', o.rebalanceTimeoutMs ?? GROUP_REBALANCE_TIMEOUT_MS_DEFAULT, 100, 30 * 60_000),
    heartbeatIntervalMs: intIn('heartbeatIntervalMs', o.heartbeatIntervalMs ?? Math.floor(sessionTimeoutMs / 3), 1, sessionTimeoutMs),
    groupInstanceId: o.groupInstanceId,
    onPartitionsAssigned: o.onPartitionsAssigned,
    onPartitionsRevoked: o.onPartitionsRevoked,
    onPartitionsLost: o.onPartitionsLost,
  };
  assert.ok(resolved.heartbeatIntervalMs <= resolved.sessionTimeoutMs);
  return resolved;
}
