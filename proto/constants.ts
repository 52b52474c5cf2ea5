/**
 * Limits and fixed values that define bytes on the wire and on disk. Broker-only tunables live
 * in broker/constants.ts; these are shared with the client because both sides must agree.
 */

/** Wire protocol version spoken by this build; the ApiVersions handshake negotiates it. */
export const PROTOCOL_VERSION = 1;
export const PROTOCOL_VERSION_MIN = 1;

/** RecordBatch v2 "magic" byte. Older message formats are rejected. */
export const RECORD_BATCH_MAGIC = 2;

/** Size of the fixed RecordBatch v2 header, up to and including recordsCount. */
export const BATCH_HEADER_BYTES = 61;

/**
 * The bytes before batchLength (baseOffset int64 + batchLength int32). A batch occupies
 * BATCH_LENGTH_PREFIX_BYTES + batchLength bytes in total.
 */
export const BATCH_LENGTH_PREFIX_BYTES = 12;

/**
 * Largest single record batch accepted, compressed size. 8 MiB leaves room for ~80k 100-byte
 * records per batch, far past the point where bigger batches stop paying off, while bounding
 * what one request can make the broker buffer.
 */
export const BATCH_BYTES_MAX = 8 * 1024 * 1024;

/**
 * Largest WebSocket frame accepted. A produce frame may carry several batches (one per
 * partition), so it is larger than one batch, plus room for the protobuf envelope.
 */
export const FRAME_BYTES_MAX = 4 * BATCH_BYTES_MAX + 64 * 1024;

/**
 * Largest decompressed records section the broker accepts when it walks a compressed batch's
 * records (checkRecordFraming): bounds what one batch can make it inflate, at 4x the largest
 * compressed batch.
 */
export const RECORDS_SECTION_BYTES_MAX = 4 * BATCH_BYTES_MAX;

/** Records in one batch; bounds decode work and matches what lastOffsetDelta can express. */
export const BATCH_RECORDS_MAX = 1_000_000;

/** Topic names: Kafka's rule, which also makes them safe as directory names. */
export const TOPIC_NAME_CHARS_MAX = 249;
export const TOPIC_NAME_PATTERN = /^[a-zA-Z0-9._-]+$/;

/** Partitions per topic; bounds directory counts and metadata frames. */
export const TOPIC_PARTITIONS_MAX = 10_000;

/** ListOffsets sentinels, as in Kafka. */
export const OFFSET_LATEST = -1;
export const OFFSET_EARLIEST = -2;

/** Compression codec ids in bits 0-2 of the batch attributes. */
export const COMPRESSION_NONE = 0;
export const COMPRESSION_GZIP = 1;
export const COMPRESSION_SNAPPY = 2;
export const COMPRESSION_LZ4 = 3;
export const COMPRESSION_ZSTD = 4;
