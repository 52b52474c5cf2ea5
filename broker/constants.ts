/**
 * Broker-only limits and defaults. Wire-level limits both sides must agree on live in
 * proto/constants.ts; log (storage) defaults live in broker/storage/log-config.ts.
 *
 * Every value here is either a hard bound (`*_MAX`, `*_MIN`) or the default of a BrokerConfig
 * field (`*_DEFAULT`). Relationships between them are asserted at the bottom, at load time.
 */
import assert from 'node:assert/strict';
import { BATCH_BYTES_MAX, FRAME_BYTES_MAX, TOPIC_PARTITIONS_MAX } from '../proto/constants.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/** Loopback by default: exposing a broker to a network is an explicit decision. */
export const HOST_DEFAULT = '127.0.0.1';
export const PORT_DEFAULT = 7171;
export const NODE_ID_DEFAULT = 0;

/**
 * Open connections to the WebSocket port, counted from TCP accept (handshakes in progress
 * included). Each costs a socket, ws buffers and up to IN_FLIGHT_REQUESTS_PER_CONNECTION_DEFAULT
 * frames of FRAME_BYTES_MAX in the worst case.
 */
export const CONNECTIONS_MAX_DEFAULT = 1024;

/**
 * A TCP connection to the WebSocket port must complete its HTTP upgrade (or a plain HTTP
 * request) within this long of being accepted, or it is dropped. A real client on a LAN needs a
 * round trip or two after the TCP handshake; 5 s leaves room for slow links while a stalled or
 * trickling socket (issue 17) holds its slot no longer than that. Counted from accept, not reset
 * by trickled bytes.
 */
export const HANDSHAKE_TIMEOUT_MS_DEFAULT = 5_000;
export const HANDSHAKE_TIMEOUT_MS_MIN = 10;
export const HANDSHAKE_TIMEOUT_MS_MAX = 120_000;

/**
 * Connections accepted but not yet upgraded. Past it the oldest such connection is dropped to
 * make room, so a flood of stalled handshakes can never lock out a new real client: the flood
 * would have to open this many connections within that client's own handshake time (256 within
 * 100 ms, 2,560 per second, to evict a client 100 ms away). Each pending socket costs the broker
 * a file descriptor and an HTTP parser, a few KiB.
 */
export const PENDING_HANDSHAKES_MAX_DEFAULT = 256;

/**
 * Refusals and drops by connection limits are logged at most once per this interval (the first
 * at once, then a count per interval), so a flood cannot turn the log into its amplifier.
 */
export const LIMIT_LOG_INTERVAL_MS = 10_000;

/**
 * Requests one connection may have outstanding. A client pipelining more gets
 * TooManyRequestsError (retriable) for the excess. 64 lets a producer keep 5 batches in flight
 * per partition over a dozen partitions and a consumer long-poll at the same time.
 */
export const IN_FLIGHT_REQUESTS_PER_CONNECTION_DEFAULT = 64;

export const TOPICS_MAX_DEFAULT = 10_000;
export const PARTITIONS_PER_TOPIC_DEFAULT_MAX = 1_000;
/** Hard ceiling for maxPartitionsPerTopic: what the wire schema and directory counts allow. */
export const PARTITIONS_PER_TOPIC_MAX = TOPIC_PARTITIONS_MAX;

/** Longest a fetch may long-poll; a client asking for more is capped silently, as in Kafka. */
export const FETCH_WAIT_MS_MAX_DEFAULT = 30_000;
/** Hard ceiling for fetchWaitMsMax: one idle timeout must not expire under a parked fetch. */
export const FETCH_WAIT_MS_MAX_CEILING = 5 * 60_000;

/**
 * Record bytes in one fetch response across all partitions. Half a frame, so the response
 * still fits a FRAME_BYTES_MAX frame after the first-batch exception (one batch of up to
 * BATCH_BYTES_MAX may exceed a partition's budget) and the protobuf envelope.
 */
export const FETCH_RESPONSE_BYTES_MAX = 16 * MiB;
/** Record bytes per partition when the request leaves partition_max_bytes at 0 (Kafka's 1 MiB). */
export const FETCH_PARTITION_BYTES_DEFAULT = 1 * MiB;

/**
 * Idle detection: every half of this the broker pings each connection, and terminates one that
 * sent neither a pong nor a frame since the previous ping. A dead peer is dropped within this
 * time; a live client needs no traffic of its own, since ws clients answer pings automatically.
 */
export const IDLE_TIMEOUT_MS_DEFAULT = 60_000;
export const IDLE_TIMEOUT_MS_MIN = 100;

/** Kafka's default port, the CLI's --kafka-listen default. */
export const KAFKA_PORT_DEFAULT = 9092;
/**
 * Kafka connections idle this long (nothing in flight, no bytes received) are closed: Kafka's
 * connections.max.idle.ms. Kafka clients send no pings, so a WebSocket-like minute would close
 * every quiet producer; clients reconnect when they next need the connection.
 */
export const KAFKA_IDLE_TIMEOUT_MS_DEFAULT = 10 * 60_000;
/**
 * Bytes Kafka connections may hold in reads made ahead of their clients' next fetch, all
 * connections together (broker/kafka/fetch-read-ahead.ts): four full 16 MiB fetches' worth, or
 * sixteen consumers replaying with 4 MiB partition fetches. Past it, fetches simply read when
 * they come.
 */
export const KAFKA_READ_AHEAD_BYTES_MAX = 4 * FETCH_RESPONSE_BYTES_MAX;
/**
 * A read made ahead is dropped when the client has not asked for it within this: librdkafka
 * pauses fetching up to about a second when its own queue is full, kafkajs fetches again after
 * its handler ran; a client gone quiet longer should not pin the memory.
 */
export const KAFKA_READ_AHEAD_KEEP_MS = 5_000;

/**
 * Slow consumers: once a socket has this many bytes queued in user space (ws.bufferedAmount),
 * the connection stops serving fetches until it drains. 64 MiB holds four full fetch responses.
 */
export const SLOW_CONSUMER_BUFFERED_BYTES_MAX_DEFAULT = 64 * MiB;
/** A connection stuck above the cap for this long is terminated. */
export const SLOW_CONSUMER_DROP_MS_DEFAULT = 30_000;

/** Produce requests that leave timeout_ms at 0 wait this long for acks; larger values are capped. */
export const PRODUCE_TIMEOUT_MS_DEFAULT = 30_000;
export const PRODUCE_TIMEOUT_MS_MAX = 5 * 60_000;

/** Broker.stop() waits at most this long for in-flight requests before closing sockets. */
export const STOP_DRAIN_MS_MAX = 5_000;

/**
 * Batches remembered per producer and partition for duplicate detection; a client keeping at
 * most this many batches in flight per partition can retry any of them safely (Kafka's 5).
 */
export const PRODUCER_BATCHES_REMEMBERED = 5;

/**
 * Producers remembered per partition. Past it the least recently used producer is forgotten;
 * its next batch is then accepted at any sequence, like a producer whose state expired in Kafka.
 */
export const PRODUCERS_PER_PARTITION_MAX = 10_000;

/**
 * Producer ids reserved on disk at a time. One fsync'ed write per block; after a crash up to a
 * block of ids is skipped, never reused. 2^53 / 1000 blocks will not run out.
 */
export const PRODUCER_ID_BLOCK_SIZE = 1_000;

/** Producer epochs are int16 on the wire; an id at this epoch gets a fresh id instead of a bump. */
export const PRODUCER_EPOCH_MAX = 0x7fff;

/**
 * Producer ids whose epoch InitProducerId raised, kept in producer-ids.json. Each entry costs ~20
 * bytes of a file rewritten with every bump and block reservation: 10,000 keep it under 256 KiB.
 * Past it a bump request gets a fresh id at epoch 0, which fences the old one just as well (the
 * SDK always takes fresh ids; only KIP-360 clients bump).
 */
export const PRODUCER_EPOCH_BUMPS_MAX = 10_000;

/**
 * Producer ids one connection may later bump: the ones it obtained most recently. A connection
 * calling InitProducerId in a loop cannot grow the broker's memory past this many per connection.
 */
export const PRODUCER_IDS_PER_HOLDER_MAX = 1_000;

/**
 * After a restart, producer state is rebuilt from batch headers in the tail of each log: the
 * last this-many offsets. A producer with 5 batches in flight of up to ~100k records each is
 * covered; older state is forgotten (see PRODUCERS_PER_PARTITION_MAX for what that means).
 */
export const PRODUCER_STATE_REBUILD_OFFSETS = 500_000;

/**
 * The leader epoch of a single-node broker's partitions, stamped into every batch appended as
 * leader (partitionLeaderEpoch). One broker is the only leader there ever was: epoch 0.
 */
export const LEADER_EPOCH_DEFAULT = 0;

/** Highest value of a producer sequence; the next one wraps to 0. */
export const PRODUCER_SEQUENCE_MAX = 0x7fff_ffff;

assert.ok(FETCH_RESPONSE_BYTES_MAX + BATCH_BYTES_MAX <= FRAME_BYTES_MAX, 'a fetch response must fit a frame');
assert.ok(FETCH_PARTITION_BYTES_DEFAULT <= FETCH_RESPONSE_BYTES_MAX);
assert.ok(SLOW_CONSUMER_BUFFERED_BYTES_MAX_DEFAULT >= FETCH_RESPONSE_BYTES_MAX, 'one response must fit under the slow-consumer cap');
assert.ok(PARTITIONS_PER_TOPIC_DEFAULT_MAX <= PARTITIONS_PER_TOPIC_MAX);
assert.ok(HANDSHAKE_TIMEOUT_MS_MIN <= HANDSHAKE_TIMEOUT_MS_DEFAULT && HANDSHAKE_TIMEOUT_MS_DEFAULT <= HANDSHAKE_TIMEOUT_MS_MAX);
assert.ok(HANDSHAKE_TIMEOUT_MS_DEFAULT < IDLE_TIMEOUT_MS_DEFAULT, 'a handshake must time out before an idle connection would');
assert.ok(FETCH_WAIT_MS_MAX_DEFAULT <= FETCH_WAIT_MS_MAX_CEILING);
assert.ok(PRODUCE_TIMEOUT_MS_DEFAULT <= PRODUCE_TIMEOUT_MS_MAX);

// ---- push delivery (broker/server/subscription-set.ts) ----

/**
 * Credit one subscription may hold, in record bytes: what may be on its way to a consumer that
 * stopped reading. Four full fetch responses, as the slow-consumer cap holds; credit asked for
 * beyond it is capped, not refused (credit frames carry no answer to refuse with).
 */
export const SUBSCRIPTION_CREDIT_BYTES_MAX = 4 * FETCH_RESPONSE_BYTES_MAX;
/** Subscriptions on one connection (a client opens one per consumer). */
export const SUBSCRIPTIONS_PER_CONNECTION_MAX = 64;
/** Partitions subscribed on one connection, over all its subscriptions: each costs a high-watermark listener. */
export const SUBSCRIBED_PARTITIONS_PER_CONNECTION_MAX = 10_000;
/**
 * How often a connection's subscribed partitions are checked for what no high-watermark event
 * announces: leadership lost, topic deleted, read ACL revoked. Bounds how long a subscriber of a
 * partition that went quiet for one of these waits for its error (and its SDK's fallback).
 */
export const SUBSCRIPTION_CHECK_MS = 1_000;
