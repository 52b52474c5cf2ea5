/** Limits and timings of the replication data path. */

/** A follower not caught up with its leader for this long leaves the ISR (Kafka's replica.lag.time.max.ms). */
export const REPLICA_LAG_MS_DEFAULT = 10_000;
export const REPLICA_LAG_MS_MIN = 100;

/** Bytes a replica fetch asks for per partition. */
export const REPLICA_FETCH_BYTES_MAX = 1024 * 1024;

/**
 * How long the leader parks a replica fetch that finds nothing new. Short enough that a
 * follower's reported durable end reaches the leader soon after its fsync even when nothing
 * else is written.
 */
export const REPLICA_FETCH_WAIT_MS_MAX = 500;

/** Pause of a follower after a failed fetch (leader unreachable, not yet leader), doubling up to the max. */
export const REPLICA_FETCH_BACKOFF_MS = 20;
export const REPLICA_FETCH_BACKOFF_MS_MAX = 500;

/** How often a leader checks its followers for ISR shrink and expand (at most this long after the lag passed). */
export const ISR_CHECK_MS_MAX = 250;
