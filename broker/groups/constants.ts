/**
 * Consumer-group limits and defaults, units last. Relationships are asserted at the bottom.
 *
 * Sizing of the offsets log: one committed offset is one record of about
 * 20 + |group| + |topic| bytes of key and 26 + |metadata| bytes of value, so ~100 bytes with
 * short names. A consumer committing 100 partitions every 5 s (the SDK default) writes
 * ~2 KB/s; a live key set of 100k partitions is ~10 MB. The log cleaner compacts the offsets
 * log like any compacted topic (see offset-store.ts): it keeps about the live set plus what
 * was written since the last pass, and at most one open segment of OFFSETS_SEGMENT_BYTES per
 * partition waiting to roll.
 */
import assert from 'node:assert/strict';
import { BATCH_BYTES_MAX } from '../../proto/constants.js';

/**
 * The internal topic holding committed offsets. Its logs live apart from user topics (see
 * offset-store.ts), so no user request can produce to, fetch from, list or delete it.
 */
export const OFFSETS_TOPIC = '__consumer_offsets';

/**
 * Partitions of the offsets topic; a group's commits all go to partition hash(group) % this.
 * Four partitions spread the fsync and load work of many groups over several files while
 * keeping start-up (one replay per partition) short. Changing it re-homes groups, so it is a
 * constant, not a setting.
 */
export const OFFSETS_TOPIC_PARTITIONS = 4;

/**
 * Cluster mode: partitions of the replicated `__consumer_offsets` topic in etcd, unless
 * `--offsets-topic-partitions` says otherwise (Kafka's offsets.topic.num.partitions, 50 there).
 * 12 on this machine kind (3 brokers sharing 2 cores): 12 x RF 3 = 36 replicas and 24 idle
 * follower fetch loops, enough to spread many groups' coordinators; a multiple of 2, 3, 4 and 6
 * so that on such clusters every broker leads as many offsets partitions, and topics created
 * later are placed as evenly as without it (placement.ts balances against existing leaders).
 * Fixed once the topic exists: the count in etcd, not the flag, maps groups to partitions.
 */
export const OFFSETS_TOPIC_PARTITIONS_CLUSTER_DEFAULT = 12;
export const OFFSETS_TOPIC_PARTITIONS_CLUSTER_MAX = 1_000;
/**
 * Replicas of the cluster's offsets topic: min(this, live brokers) when it is created (Kafka's
 * offsets.topic.replication.factor). The controller creates it as soon as this many brokers are
 * live; a smaller cluster gets it on the first FindCoordinator, with every live broker a replica.
 */
export const OFFSETS_TOPIC_REPLICATION_FACTOR = 3;

/**
 * Offsets-log segment size. The cleaner never touches the open segment, so this bounds what a
 * busy offsets partition holds uncleaned; small enough that it rolls soon.
 */
export const OFFSETS_SEGMENT_BYTES = 16 * 1024 * 1024;

/**
 * An offsets segment is also rolled once its first record is this old, so the commits of a
 * quiet partition (and the tombstones of expired offsets) become cleanable within an hour
 * instead of waiting for 16 MiB of commits.
 */
export const OFFSETS_SEGMENT_MS = 60 * 60_000;

/**
 * Kafka's offsets.retention.minutes (7 days): the committed offsets of a group without members
 * are removed this long after it became empty (or after their last commit, whichever is
 * later), by a tombstone that compaction then drops.
 */
export const OFFSETS_RETENTION_MS_DEFAULT = 7 * 24 * 60 * 60_000;
/** Kafka's offsets.retention.check.interval.ms: how often expired offsets are looked for. */
export const OFFSETS_RETENTION_CHECK_INTERVAL_MS_DEFAULT = 10 * 60_000;
/** Shortest retention and check period accepted (tests use sub-second values; production never should). */
export const OFFSETS_RETENTION_MS_MIN = 1;
export const OFFSETS_RETENTION_CHECK_INTERVAL_MS_MIN = 10;

/** Records per batch of one commit; keeps each batch far below BATCH_BYTES_MAX. */
export const OFFSETS_BATCH_RECORDS = 1_000;
/** Bytes read from the offsets log per read() call during replay. */
export const OFFSETS_REPLAY_READ_BYTES = 4 * 1024 * 1024;

/** Kafka's offset.metadata.max.bytes: the metadata string stored with a commit. */
export const OFFSET_METADATA_BYTES_MAX = 4096;
/**
 * Largest group-metadata record written to the offsets log (1 MiB: ~1000 members with a few
 * topics each and their Kafka subscription bytes). A bigger group is written as a tombstone
 * instead, so the next coordinator starts it afresh (one rebalance) rather than restoring an
 * older generation. Well under BATCH_BYTES_MAX so the append is never refused for size.
 */
export const GROUP_METADATA_RECORD_BYTES_MAX = 1024 * 1024;

/** Group ids: 1 to this many characters. */
export const GROUP_ID_CHARS_MAX = 255;
/** Groups the coordinator tracks (with members or committed offsets). */
export const GROUPS_MAX = 100_000;
/** Members of one group; JoinGroup past it gets LimitExceededError. */
export const GROUP_MEMBERS_MAX = 1_000;
/**
 * Member ids a group remembers as fenced by a static member's replacement, so their next request
 * gets FencedInstanceIdError rather than UnknownMemberIdError (which would make them rejoin and
 * fence the replacement in turn). Oldest forgotten first.
 */
export const FENCED_MEMBER_IDS_MAX = 1_000;
/** Longest group instance id a member may send (Kafka bounds it only by the string encoding). */
export const GROUP_INSTANCE_ID_CHARS_MAX = 255;
/** Topics one member may subscribe to. */
export const SUBSCRIPTION_TOPICS_MAX = 1_000;
/** Partitions in one OffsetCommit request. */
export const COMMIT_PARTITIONS_MAX = 10_000;

/**
 * Session timeout bounds and default. Kafka allows 6 s to 30 min with a 45 s default; a
 * WebSocket client on loopback or a LAN notices a dead member far sooner, and tests need
 * sub-second values, hence the low minimum.
 */
export const SESSION_TIMEOUT_MS_MIN = 100;
export const SESSION_TIMEOUT_MS_MAX = 30 * 60_000;
export const SESSION_TIMEOUT_MS_DEFAULT = 10_000;

/**
 * How long the broker waits for the known members to rejoin once a rebalance starts; members
 * still missing then are evicted. It bounds how long a slow revocation (a user's commit in the
 * revoke hook) may hold the group, like Kafka's max.poll.interval.ms.
 */
export const REBALANCE_TIMEOUT_MS_MIN = 100;
export const REBALANCE_TIMEOUT_MS_MAX = 30 * 60_000;
export const REBALANCE_TIMEOUT_MS_DEFAULT = 30_000;

/**
 * Kafka's group.initial.rebalance.delay.ms: when the first member joins an empty group, the
 * join window stays open this long (extended by each new joiner, up to the rebalance timeout)
 * so that consumers started together form one generation instead of one per arrival. 3 s in
 * Kafka; 50 ms is enough for processes started together on one host and keeps a fresh group's
 * first assignment well under a second.
 */
export const INITIAL_REBALANCE_DELAY_MS_DEFAULT = 50;
export const INITIAL_REBALANCE_DELAY_MS_MAX = 60_000;

/** Longest a heartbeat may be parked (its max_wait_ms is capped to this). */
export const HEARTBEAT_WAIT_MS_MAX = 60_000;

assert.ok(SESSION_TIMEOUT_MS_MIN <= SESSION_TIMEOUT_MS_DEFAULT && SESSION_TIMEOUT_MS_DEFAULT <= SESSION_TIMEOUT_MS_MAX);
assert.ok(REBALANCE_TIMEOUT_MS_MIN <= REBALANCE_TIMEOUT_MS_DEFAULT && REBALANCE_TIMEOUT_MS_DEFAULT <= REBALANCE_TIMEOUT_MS_MAX);
assert.ok(INITIAL_REBALANCE_DELAY_MS_DEFAULT <= REBALANCE_TIMEOUT_MS_MIN, 'the initial delay must fit in the shortest rebalance timeout');
assert.ok(GROUP_METADATA_RECORD_BYTES_MAX * 2 <= BATCH_BYTES_MAX, 'a group metadata record fits a batch with room for its framing');
