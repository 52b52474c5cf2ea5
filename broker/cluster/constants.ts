/**
 * Limits and timings of the etcd side of a cluster. Every wait, retry and queue here has one.
 *
 * Back of the envelope for failover (kill -9 of a leader → its partitions led elsewhere):
 * etcd expires the dead broker's lease LEASE_TTL_S after the last keepalive it received
 * (keepalives go every TTL/3, so 1.33–2 s after the kill), its lessor notices within 0.5 s,
 * the controller's watch fires, one transaction moves the leaderships, and the new leaders'
 * watches fire: ~1.5–2.7 s, under the 3 s target.
 */

/**
 * TTL of a broker's etcd lease, in whole seconds (etcd's unit). etcd 3.4 raises any TTL below
 * 1.5 × its election timeout (1.5 s with the defaults) to that minimum, so 2 s is about the
 * shortest TTL that etcd honours as asked.
 */
export const LEASE_TTL_S_DEFAULT = 2;
export const LEASE_TTL_S_MIN = 2;
export const LEASE_TTL_S_MAX = 60;

/**
 * A broker stops acting on its lease this long before the deadline it computes (send time of
 * the last acknowledged keepalive + TTL): slack for clock-rate drift and for the time between a
 * check of the deadline and the reply it lets through.
 */
export const LEASE_DEADLINE_MARGIN_MS = 300;

/** Deadline of one unary etcd call; a dead or cut-off member must not hang a request. */
export const ETCD_CALL_MS_MAX = 2_000;

/** How long a broker waits for its first lease and registration before start() fails. */
export const CLUSTER_JOIN_MS_MAX = 15_000;

/** Pause between retries of an etcd operation that failed for a reason that may pass. */
export const ETCD_RETRY_MS = 100;

/**
 * The controller re-reads the whole cluster state at least this often, besides on every watch
 * event, so a missed or coalesced event delays a decision by at most this much.
 */
export const CONTROLLER_RECONCILE_MS_MAX = 1_000;

/** Keys written in one etcd transaction at most (etcd's --max-txn-ops defaults to 128). */
export const TXN_OPS_MAX = 128;

/** Producer ids taken from the cluster-wide counter per etcd transaction. */
export const CLUSTER_PRODUCER_ID_BLOCK_SIZE = 1_000;

/** Attempts of a compare-and-swap that keeps losing to concurrent writers before giving up. */
export const CAS_ATTEMPTS_MAX = 20;

/** Brokers in a cluster; node ids are in [0, NODE_ID_MAX]. */
export const BROKERS_MAX = 1_000;

/** Replication factor ceiling (besides the live brokers). */
export const REPLICATION_FACTOR_MAX = 16;
