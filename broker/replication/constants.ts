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

/** Time a follower allows its leader to answer a request, beyond a fetch's long poll. */
export const REPLICA_REQUEST_MS_MAX = 5_000;

/** Time to open a connection to a leader and finish the handshake. */
export const REPLICA_CONNECT_MS_MAX = 3_000;

/**
 * Requests one broker-to-broker connection keeps in flight: one parked fetch per partition the
 * follower replicates from that leader, plus epoch questions. Beyond it, requests queue.
 */
export const REPLICA_IN_FLIGHT_MAX = 1_024;
export const REPLICA_QUEUED_MAX = 10_000;
