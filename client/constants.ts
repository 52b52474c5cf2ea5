/**
 * Client-side limits and defaults. Every option of the SDK has its default here, named with its
 * unit last; wire-level limits shared with the broker live in proto/constants.ts. Relationships
 * between values are asserted at the bottom, at load time.
 */
import assert from '../proto/assert.js';
import { BATCH_BYTES_MAX, FRAME_BYTES_MAX } from '../proto/constants.js';

const KiB = 1024;
const MiB = 1024 * KiB;

// ---- client and connection ---------------------------------------------------------------

export const BROKER_URL_DEFAULT = 'ws://127.0.0.1:7171';
export const CLIENT_ID_DEFAULT = 'strata-js';
/** Time allowed for the WebSocket to open and the ApiVersions handshake to answer. */
export const CONNECT_TIMEOUT_MS_DEFAULT = 10_000;
/** Time a request may wait for its response (a fetch adds its own maxWaitMs on top). */
export const REQUEST_TIMEOUT_MS_DEFAULT = 30_000;

/**
 * Requests one connection keeps outstanding. Below the broker's default of 64 per connection,
 * so a single client never triggers TooManyRequestsError on its own.
 */
export const IN_FLIGHT_REQUESTS_MAX_DEFAULT = 32;
/** Requests waiting for an in-flight slot; beyond this, request() fails fast (retriable). */
export const QUEUED_REQUESTS_MAX_DEFAULT = 10_000;

/** Reconnect backoff: the delay before the n-th consecutive attempt doubles from the first... */
export const RECONNECT_BACKOFF_MS_INITIAL = 100;
/** ...up to this ceiling, with ±20% jitter so many clients do not reconnect in lock-step. */
export const RECONNECT_BACKOFF_MS_MAX = 5_000;

/** Correlation ids are uint32 on the wire and wrap after this value. */
export const CORRELATION_ID_MAX = 0xffff_ffff;

// ---- retry -------------------------------------------------------------------------------

/**
 * Retries of one request (Metadata, admin calls, InitProducerId, offset lookups) after its first
 * attempt. With the 1 s cap below, 8 retries wait 0.1 + 0.2 + 0.4 + 0.8 + 4 x 1 = 5.5 s in all:
 * twice an election (the brokers' 2 s lease TTL plus a few tens of ms), so a request started as a
 * leader dies outlives the failover. Produce batches are not bounded by this count unless it is
 * given explicitly: they retry until deliveryTimeoutMs, as Kafka's producer does (retries=MAX).
 */
export const RETRIES_DEFAULT = 8;
/** First retry backoff (Kafka's retry.backoff.ms). */
export const RETRY_TIME_MS_INITIAL_DEFAULT = 100;
/**
 * Ceiling on one retry backoff (Kafka's retry.backoff.max.ms, KIP-580). Low enough that a retry
 * never sleeps through most of a failover: a retry falls due at most 1 s after a new leader is
 * in place, and a producer whose leader moved does not wait at all (producer.ts).
 */
export const RETRY_TIME_MS_MAX_DEFAULT = 1_000;
export const RETRY_MULTIPLIER_DEFAULT = 2;
/** Each delay is scaled by a random factor in [1 - JITTER, 1 + JITTER]. */
export const RETRY_JITTER_FRACTION = 0.2;
/** Hard ceiling on retries whatever the options say: every loop has a bound. */
export const RETRIES_MAX = 1_000;

// ---- producer ----------------------------------------------------------------------------

/** Kafka's default since 4.0: a few ms of waiting buys much larger batches under load. */
export const LINGER_MS_DEFAULT = 5;
/** Target size of one batch (estimated from record sizes before encoding). */
export const BATCH_BYTES_DEFAULT = 1 * MiB;
/** Record bytes buffered in the producer (queued and in flight) before send() waits. */
export const PRODUCER_BUFFER_BYTES_DEFAULT = 32 * MiB;
/** How long send() may wait for buffer space before failing (Kafka's max.block.ms). */
export const BUFFER_WAIT_MS_DEFAULT = 60_000;
/**
 * How long after its batch opened a record may wait for its acknowledgement, retries included,
 * before send() fails with DeliveryTimeoutError (Kafka's delivery.timeout.ms, same default).
 */
export const DELIVERY_TIMEOUT_MS_DEFAULT = 120_000;
/**
 * Batches in flight per partition. With idempotence the broker remembers the last 5 batches of a
 * producer per partition (PRODUCER_BATCHES_REMEMBERED), so any of them can be retried safely.
 */
export const IN_FLIGHT_BATCHES_PER_PARTITION_MAX = 5;
/** Ack timeout the producer asks the broker to honour, in the Produce request. */
export const PRODUCE_TIMEOUT_MS_DEFAULT = 30_000;
/**
 * Upper bound on the encoding overhead of one record besides key, value and header bytes:
 * length varint (5) + attributes (1) + timestampDelta varlong (10) + offsetDelta varint (5) +
 * key and value length varints (5 + 5) + header count varint (5). Used to size batches before
 * encoding so an encoded batch never exceeds its budget.
 */
export const RECORD_OVERHEAD_BYTES_MAX = 36;
/** Per header: key length varint (5) + value length varint (5). */
export const HEADER_OVERHEAD_BYTES_MAX = 10;
/** Room left in a Produce frame for the protobuf envelope (topic names, field tags, lengths). */
export const PRODUCE_ENVELOPE_BYTES_MAX = 64 * KiB;
/** Largest int32 producer sequence; the next one wraps to 0, as in Kafka. */
export const PRODUCER_SEQUENCE_MAX = 0x7fff_ffff;

// ---- consumer ----------------------------------------------------------------------------

/** Long-poll time of one Fetch. */
export const FETCH_WAIT_MS_DEFAULT = 500;
export const FETCH_MIN_BYTES_DEFAULT = 1;
/** Record bytes one Fetch response may carry across partitions (the broker caps at 16 MiB). */
export const FETCH_BYTES_MAX_DEFAULT = 16 * MiB;
/** Record bytes per partition in one Fetch. */
export const FETCH_PARTITION_BYTES_MAX_DEFAULT = 4 * MiB;
/**
 * Fetched bytes the consumer holds before the application reads them. No fetch goes out while
 * the buffer is above this, so memory stays under it plus one response.
 */
export const CONSUMER_BUFFER_BYTES_DEFAULT = 32 * MiB;
/**
 * Push delivery: record bytes one broker may have on their way to a consumer (its credit window,
 * client/push-subscription.ts), at most; the broker caps a subscription's credit at the same
 * 64 MiB (SUBSCRIPTION_CREDIT_BYTES_MAX), so asking more would only be lost.
 */
export const PUSH_WINDOW_BYTES_MAX = 64 * MiB;
/**
 * A connection whose subscriptions brought nothing for this long is probed with a request: a
 * broker that froze or lost the network without closing the socket would otherwise leave its
 * pushed partitions silent for good, where a fetch would have timed out.
 */
export const PUSH_IDLE_PROBE_MS = 5_000;
/** An unanswered probe drops the socket after this: the subscriptions end and the partitions are fetched (from a new leader, if it moved). */
export const PUSH_PROBE_TIMEOUT_MS = 5_000;
/**
 * A partition is fetched again while it holds less than this many fetches' worth
 * (partitionMaxBytes) of unread data: one being read, one arriving. With 1, the next fetch
 * would only start once the application finished the previous one, and the consumer would
 * alternate between reading and waiting.
 */
export const PARTITION_PREFETCH_FETCHES = 2;
/** Pause between fetches after a retriable fetch error (grows with the retry backoff). */
export const FETCH_ERROR_BACKOFF_MS_INITIAL = 100;

// ---- relationships -----------------------------------------------------------------------

assert.ok(BATCH_BYTES_DEFAULT <= BATCH_BYTES_MAX, 'a default batch must be accepted by the broker');
assert.ok(BATCH_BYTES_MAX + PRODUCE_ENVELOPE_BYTES_MAX <= FRAME_BYTES_MAX, 'one batch must fit a frame');
assert.ok(PRODUCER_BUFFER_BYTES_DEFAULT >= BATCH_BYTES_DEFAULT, 'the buffer must hold at least one batch');
assert.ok(FETCH_PARTITION_BYTES_MAX_DEFAULT <= FETCH_BYTES_MAX_DEFAULT);
assert.ok(CONSUMER_BUFFER_BYTES_DEFAULT >= FETCH_BYTES_MAX_DEFAULT, 'the buffer must hold one full response');
assert.ok(FETCH_BYTES_MAX_DEFAULT + BATCH_BYTES_MAX <= FRAME_BYTES_MAX, 'a fetch response must fit a frame');
assert.ok(RECONNECT_BACKOFF_MS_INITIAL <= RECONNECT_BACKOFF_MS_MAX);
assert.ok(RETRY_TIME_MS_INITIAL_DEFAULT <= RETRY_TIME_MS_MAX_DEFAULT);
