/**
 * THE error table of Strata: one entry per error, with its stable Strata `code` (what the
 * WebSocket protocol sends), its `kafkaCode` (what a Kafka listener sends, Kafka's own number
 * from `org.apache.kafka.common.protocol.Errors`), whether retrying the same request may
 * succeed, the default message, and the class the client rebuilds from the code.
 *
 * Rules: Strata codes are never renumbered, only added, in the ranges 0-29 general, 30-49
 * groups, 50-69 cluster/replication, 70-89 security, 90-109 others. New entries take Kafka's
 * `retriable` flag; where an older entry's flag differs from Kafka's, the entry says why (the
 * SDK's retry loop relies on it, so it stays). Strata-only errors carry the closest honest Kafka
 * code and a comment that says why; `kafkaCodeShared` marks an entry that knowingly shares its
 * Kafka code with another (Kafka has fewer distinctions there than Strata), and the unit test
 * refuses any other duplicate.
 */

/** Options every error constructor passes on to `Error` (the underlying failure). */
export interface StrataErrorOptions {
  readonly cause?: unknown;
}

/** Base of every Strata error. `code` is stable and travels on the WebSocket wire. */
export class StrataError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;

  constructor(code: ErrorCode, message?: string, options?: StrataErrorOptions) {
    const spec = SPEC_BY_CODE.get(code) ?? ERRORS.UNKNOWN_SERVER_ERROR;
    super(message ?? spec.message, options);
    this.code = code;
    this.retriable = spec.retriable;
    this.name = spec.name;
  }

  /** Kafka's number for this error (what a Kafka listener sends); -1 for a code this build does not know. */
  get kafkaCode(): number {
    return SPEC_BY_CODE.get(this.code)?.kafkaCode ?? ERRORS.UNKNOWN_SERVER_ERROR.kafkaCode;
  }
}

/** Where a partition's readable log starts and ends, for OffsetOutOfRangeError. */
export interface OffsetRange {
  readonly logStartOffset: number;
  readonly logEndOffset: number;
}

export class OffsetOutOfRangeError extends StrataError {
  readonly topic: string | undefined;
  readonly partition: number | undefined;
  readonly offset: number;
  readonly logStartOffset: number;
  readonly logEndOffset: number;

  constructor(args: { offset: number; range: OffsetRange; topic?: string; partition?: number; message?: string }) {
    const where = args.topic === undefined ? '' : ` in ${args.topic}-${args.partition ?? '?'}`;
    super(ErrorCode.OFFSET_OUT_OF_RANGE, args.message
      ?? `offset ${args.offset}${where} is outside [${args.range.logStartOffset}, ${args.range.logEndOffset}]`);
    this.topic = args.topic;
    this.partition = args.partition;
    this.offset = args.offset;
    this.logStartOffset = args.range.logStartOffset;
    this.logEndOffset = args.range.logEndOffset;
  }
}

type O = StrataErrorOptions;
// ---- 0-29 general ------------------------------------------------------------------------
export class UnknownServerError extends StrataError { constructor(m?: string, o?: O) { super(ErrorCode.UNKNOWN_SERVER_ERROR, m, o); } }
export class InvalidRecordBatchError extends StrataError { constructor(m?: string, o?: O) { super(ErrorCode.INVALID_RECORD_BATCH, m, o); } }
export class UnknownTopicError extends StrataError { constructor(m?: string, o?: O) { super(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, m, o); } }
export class MessageTooLargeError extends StrataError { constructor(m?: string, o?: O) { super(ErrorCode.MESSAGE_TOO_LARGE, m, o); } }
export class NotEnoughSpaceError extends StrataError { constructor(m?: string, o?: O) { super(ErrorCode.NOT_ENOUGH_SPACE, m, o); } }
export class InvalidTopicNameError extends StrataError { constructor(m?: string, o?: O) { super(ErrorCode.INVALID_TOPIC_NAME, m, o); } }
export class TopicAlreadyExistsError extends StrataError { constructor(m?: string, o?: O) { super(ErrorCode.TOPIC_ALREADY_EXISTS, m, o); } }
export class InvalidRequestError extends StrataError { constructor(m?: string, o?: O) { super(ErrorCode.INVALID_REQUEST, m, o); } }
export class UnsupportedVersionError extends StrataError { constructor(m?: string, o?: O) { super(ErrorCode.UNSUPPORTED_VERSION, m, o); } }
export class RequestTimedOutError extends StrataError { constructor(m?: string, o?: O) { super(ErrorCode.REQUEST_TIMED_OUT, m, o); } }
export class ConnectionClosedError extends StrataError { constructor(m?: string, o?: O) { super(ErrorCode.CONNECTION_CLOSED, m, o); } }
export class OutOfOrderSequenceError extends StrataError { constructor(m?: string, o?: O) { super(ErrorCode.OUT_OF_ORDER_SEQUENCE, m, o); } }
export class InvalidProducerEpochError extends StrataError { constructor(m?: string, o?: O) { super(ErrorCode.INVALID_PRODUCER_EPOCH, m, o); } }
export class UnknownProducerIdError extends StrataError { constructor(m?: string, o?: O) { super(ErrorCode.UNKNOWN_PRODUCER_ID, m, o); } }
export class StorageError extends StrataError { constructor(m?: string, o?: O) { super(ErrorCode.STORAGE_ERROR, m, o); } }
export class TooManyRequestsError extends StrataError { constructor(m?: string, o?: O) { super(ErrorCode.TOO_MANY_REQUESTS, m, o); } }
export class InvalidConfigError extends StrataError { constructor(m?: string, o?: O) { super(ErrorCode.INVALID_CONFIG, m, o); } }
export class BrokerShuttingDownError extends StrataError { constructor(m?: string, o?: O) { super(ErrorCode.BROKER_SHUTTING_DOWN, m, o); } }
export class LimitExceededError extends StrataError { constructor(m?: string, o?: O) { super(ErrorCode.LIMIT_EXCEEDED, m, o); } }
export class CorruptLogError extends StrataError { constructor(m?: string, o?: O) { super(ErrorCode.CORRUPT_LOG, m, o); } }
export class CorruptMessageError extends StrataError { constructor(m?: string, o?: O) { super(ErrorCode.CORRUPT_MESSAGE, m, o); } }
export class UnsupportedCompressionTypeError extends StrataError { constructor(m?: string, o?: O) { super(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, m, o); } }
export class UnsupportedForMessageFormatError extends StrataError { constructor(m?: string, o?: O) { super(ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT, m, o); } }
export class InvalidTimestampError extends StrataError { constructor(m?: string, o?: O) { super(ErrorCode.INVALID_TIMESTAMP, m, o); } }
export class PolicyViolationError extends StrataError { constructor(m?: string, o?: O) { super(ErrorCode.POLICY_VIOLATION, m, o); } }
export class InvalidProducerIdMappingError extends StrataError { constructor(m?: string, o?: O) { super(ErrorCode.INVALID_PRODUCER_ID_MAPPING, m, o); } }
export class DuplicateSequenceNumberError extends StrataError { constructor(m?: string, o?: O) { super(ErrorCode.DUPLICATE_SEQUENCE_NUMBER, m, o); } }
export class InvalidPartitionsError extends StrataError { constructor(m?: string, o?: O) { super(ErrorCode.INVALID_PARTITIONS, m, o); } }
// ---- 30-49 groups ------------------------------------------------------------------------
export class IllegalGenerationError extends StrataError { constructor(m?: string, o?: O) { super(ErrorCode.ILLEGAL_GENERATION, m, o); } }
export class UnknownMemberIdError extends StrataError { constructor(m?: string, o?: O) { super(ErrorCode.UNKNOWN_MEMBER_ID, m, o); } }
export class RebalanceInProgressError extends StrataError { constructor(m?: string, o?: O) { super(ErrorCode.REBALANCE_IN_PROGRESS, m, o); } }
export class GroupNotEmptyError extends StrataError { constructor(m?: string, o?: O) { super(ErrorCode.GROUP_NOT_EMPTY, m, o); } }
export class InvalidGroupIdError extends StrataError { constructor(m?: string, o?: O) { super(ErrorCode.INVALID_GROUP_ID, m, o); } }
export class NoOffsetForPartitionError extends StrataError { constructor(m?: string, o?: O) { super(ErrorCode.NO_OFFSET_FOR_PARTITION, m, o); } }
export class GroupIdNotFoundError extends StrataError { constructor(m?: string, o?: O) { super(ErrorCode.GROUP_ID_NOT_FOUND, m, o); } }
export class CoordinatorNotAvailableError extends StrataError { constructor(m?: string, o?: O) { super(ErrorCode.COORDINATOR_NOT_AVAILABLE, m, o); } }
export class NotCoordinatorError extends StrataError { constructor(m?: string, o?: O) { super(ErrorCode.NOT_COORDINATOR, m, o); } }
export class CoordinatorLoadInProgressError extends StrataError { constructor(m?: string, o?: O) { super(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, m, o); } }
export class InvalidSessionTimeoutError extends StrataError { constructor(m?: string, o?: O) { super(ErrorCode.INVALID_SESSION_TIMEOUT, m, o); } }
export class InconsistentGroupProtocolError extends StrataError { constructor(m?: string, o?: O) { super(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, m, o); } }
export class MemberIdRequiredError extends StrataError { constructor(m?: string, o?: O) { super(ErrorCode.MEMBER_ID_REQUIRED, m, o); } }
export class FencedInstanceIdError extends StrataError { constructor(m?: string, o?: O) { super(ErrorCode.FENCED_INSTANCE_ID, m, o); } }
export class GroupMaxSizeReachedError extends StrataError { constructor(m?: string, o?: O) { super(ErrorCode.GROUP_MAX_SIZE_REACHED, m, o); } }
// ---- 50-69 cluster and replication -------------------------------------------------------
export class NotLeaderOrFollowerError extends StrataError { constructor(m?: string, o?: O) { super(ErrorCode.NOT_LEADER_OR_FOLLOWER, m, o); } }
export class LeaderNotAvailableError extends StrataError { constructor(m?: string, o?: O) { super(ErrorCode.LEADER_NOT_AVAILABLE, m, o); } }
export class FencedLeaderEpochError extends StrataError { constructor(m?: string, o?: O) { super(ErrorCode.FENCED_LEADER_EPOCH, m, o); } }
export class UnknownLeaderEpochError extends StrataError { constructor(m?: string, o?: O) { super(ErrorCode.UNKNOWN_LEADER_EPOCH, m, o); } }
export class NotEnoughReplicasError extends StrataError { constructor(m?: string, o?: O) { super(ErrorCode.NOT_ENOUGH_REPLICAS, m, o); } }
export class NotEnoughReplicasAfterAppendError extends StrataError { constructor(m?: string, o?: O) { super(ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND, m, o); } }
/** The producer gave up on a batch at its delivery deadline (`deliveryTimeoutMs`); `cause` is the last failure. */
export class DeliveryTimeoutError extends StrataError { constructor(m?: string, o?: O) { super(ErrorCode.DELIVERY_TIMEOUT, m, o); } }
export class NotControllerError extends StrataError { constructor(m?: string, o?: O) { super(ErrorCode.NOT_CONTROLLER, m, o); } }
export class InvalidReplicationFactorError extends StrataError { constructor(m?: string, o?: O) { super(ErrorCode.INVALID_REPLICATION_FACTOR, m, o); } }
// ---- 70-89 security and quotas -----------------------------------------------------------
export class TopicAuthorizationFailedError extends StrataError { constructor(m?: string, o?: O) { super(ErrorCode.TOPIC_AUTHORIZATION_FAILED, m, o); } }
export class GroupAuthorizationFailedError extends StrataError { constructor(m?: string, o?: O) { super(ErrorCode.GROUP_AUTHORIZATION_FAILED, m, o); } }
export class ClusterAuthorizationFailedError extends StrataError { constructor(m?: string, o?: O) { super(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, m, o); } }
export class SaslAuthenticationFailedError extends StrataError { constructor(m?: string, o?: O) { super(ErrorCode.SASL_AUTHENTICATION_FAILED, m, o); } }
export class UnsupportedSaslMechanismError extends StrataError { constructor(m?: string, o?: O) { super(ErrorCode.UNSUPPORTED_SASL_MECHANISM, m, o); } }
export class IllegalSaslStateError extends StrataError { constructor(m?: string, o?: O) { super(ErrorCode.ILLEGAL_SASL_STATE, m, o); } }
export class ThrottlingQuotaExceededError extends StrataError { constructor(m?: string, o?: O) { super(ErrorCode.THROTTLING_QUOTA_EXCEEDED, m, o); } }
export class UnacceptableCredentialError extends StrataError { constructor(m?: string, o?: O) { super(ErrorCode.UNACCEPTABLE_CREDENTIAL, m, o); } }
export class DuplicateResourceError extends StrataError { constructor(m?: string, o?: O) { super(ErrorCode.DUPLICATE_RESOURCE, m, o); } }
export class ResourceNotFoundError extends StrataError { constructor(m?: string, o?: O) { super(ErrorCode.RESOURCE_NOT_FOUND, m, o); } }
// ---- tls ----
export class TlsHandshakeError extends StrataError { constructor(m?: string, o?: O) { super(ErrorCode.TLS_HANDSHAKE_FAILED, m, o); } }

/** A class the client can rebuild from a code (OffsetOutOfRangeError takes its range instead). */
type ErrorClass = new (message?: string, options?: O) => StrataError;

/** One row of the table. */
export interface ErrorSpec {
  /** Strata's code: stable, sent by the WebSocket protocol. */
  readonly code: number;
  /** Kafka's code for the same condition, sent by a Kafka listener. */
  readonly kafkaCode: number;
  /** Kafka's name for `kafkaCode` (`Errors.java`), for logs and tests. */
  readonly kafkaName: string;
  /** The class name; `err.name` on both sides of the wire. */
  readonly name: string;
  /** Whether sending the same request again may succeed. */
  readonly retriable: boolean;
  /** Default message when the thrower gives none. */
  readonly message: string;
  readonly cls: ErrorClass | typeof OffsetOutOfRangeError;
  /** Set when another entry maps onto the same Kafka code on purpose (see the file comment). */
  readonly kafkaCodeShared?: true;
}

function e<C extends number>(code: C, kafkaCode: number, kafkaName: string, retriable: boolean, cls: ErrorSpec['cls'],
  message: string, kafkaCodeShared?: true): ErrorSpec & { readonly code: C } {
  return { code, kafkaCode, kafkaName, name: cls.name, retriable, message, cls, ...(kafkaCodeShared ? { kafkaCodeShared } : {}) };
}
const SHARED = true as const;

/**
 * The table. Kafka codes and their retriable flags were checked against Kafka's `Errors.java`
 * and two client tables that mirror it (kafkajs `src/protocol/error.js`, franz-go `kerr`).
 */
export const ERRORS = {
  // ---- 0-29 general ----
  UNKNOWN_SERVER_ERROR: e(1, -1, 'UNKNOWN_SERVER_ERROR', false, UnknownServerError, 'unexpected broker error'),
  OFFSET_OUT_OF_RANGE: e(2, 1, 'OFFSET_OUT_OF_RANGE', false, OffsetOutOfRangeError, 'offset is outside the log', SHARED),
  // Strata refuses every malformed batch with this one error, non-retriable: resending the same
  // bytes fails the same way. Kafka's INVALID_RECORD (87, non-retriable) says that; its
  // CORRUPT_MESSAGE (2) is retriable because Kafka assumes corruption in transit.
  INVALID_RECORD_BATCH: e(3, 87, 'INVALID_RECORD', false, InvalidRecordBatchError, 'record batch is malformed'),
  // Kafka marks this retriable (metadata may be stale in a cluster). Strata's single broker is
  // the authority on its topics, so the SDK fails fast instead of retrying a typo.
  UNKNOWN_TOPIC_OR_PARTITION: e(4, 3, 'UNKNOWN_TOPIC_OR_PARTITION', false, UnknownTopicError, 'topic or partition does not exist'),
  MESSAGE_TOO_LARGE: e(5, 10, 'MESSAGE_TOO_LARGE', false, MessageTooLargeError, 'batch or frame exceeds the size limit'),
  // Kafka has no disk-full code: a full log dir goes offline and clients see KAFKA_STORAGE_ERROR
  // (retriable), which is also what Strata means (retry once space is freed).
  NOT_ENOUGH_SPACE: e(6, 56, 'KAFKA_STORAGE_ERROR', true, NotEnoughSpaceError, 'broker disk is full', SHARED),
  INVALID_TOPIC_NAME: e(7, 17, 'INVALID_TOPIC_EXCEPTION', false, InvalidTopicNameError, 'topic name is invalid'),
  TOPIC_ALREADY_EXISTS: e(8, 36, 'TOPIC_ALREADY_EXISTS', false, TopicAlreadyExistsError, 'topic already exists'),
  INVALID_REQUEST: e(9, 42, 'INVALID_REQUEST', false, InvalidRequestError, 'request is malformed'),
  UNSUPPORTED_VERSION: e(10, 35, 'UNSUPPORTED_VERSION', false, UnsupportedVersionError, 'protocol version or API not supported'),
  // Shares Kafka's 7 with DELIVERY_TIMEOUT (the producer's own deadline, never on the wire).
  REQUEST_TIMED_OUT: e(11, 7, 'REQUEST_TIMED_OUT', true, RequestTimedOutError, 'request timed out', SHARED),
  // Raised by the client when its socket drops; Kafka's clients call that NETWORK_EXCEPTION.
  CONNECTION_CLOSED: e(12, 13, 'NETWORK_EXCEPTION', true, ConnectionClosedError, 'connection closed before a response arrived'),
  OUT_OF_ORDER_SEQUENCE: e(13, 45, 'OUT_OF_ORDER_SEQUENCE_NUMBER', false, OutOfOrderSequenceError, 'producer sequence has a gap'),
  INVALID_PRODUCER_EPOCH: e(14, 47, 'INVALID_PRODUCER_EPOCH', false, InvalidProducerEpochError, 'producer epoch is stale'),
  UNKNOWN_PRODUCER_ID: e(15, 59, 'UNKNOWN_PRODUCER_ID', false, UnknownProducerIdError, 'producer id is unknown to the broker'),
  STORAGE_ERROR: e(16, 56, 'KAFKA_STORAGE_ERROR', true, StorageError, 'partition storage failed', SHARED),
  // Kafka never refuses for in-flight count (it stops reading the socket; a Kafka listener
  // should do the same). The nearest refusal a Kafka client retries is a throttling quota.
  TOO_MANY_REQUESTS: e(17, 89, 'THROTTLING_QUOTA_EXCEEDED', true, TooManyRequestsError, 'too many requests in flight', SHARED),
  INVALID_CONFIG: e(18, 40, 'INVALID_CONFIG', false, InvalidConfigError, 'configuration value is invalid'),
  // A Kafka broker going down hands its partitions' leadership away; clients see
  // LEADER_NOT_AVAILABLE (retriable, refresh metadata), which is what a client should do here.
  BROKER_SHUTTING_DOWN: e(19, 5, 'LEADER_NOT_AVAILABLE', true, BrokerShuttingDownError, 'broker is shutting down', SHARED),
  // Broker-wide caps (topics per broker...): Kafka refuses such requests through its create-topic
  // policy, with POLICY_VIOLATION (non-retriable).
  LIMIT_EXCEEDED: e(20, 44, 'POLICY_VIOLATION', false, LimitExceededError, 'a broker limit was reached', SHARED),
  // Kafka's consumer treats CORRUPT_MESSAGE in a fetch as fatal for that partition ("Encountered
  // corrupt message"), which is what a stored batch failing its CRC is. Strata keeps it
  // non-retriable: the bytes on disk will not heal.
  CORRUPT_LOG: e(21, 2, 'CORRUPT_MESSAGE', false, CorruptLogError, 'stored data failed its checksum', SHARED),
  // A batch corrupted in transit (Kafka's meaning of CORRUPT_MESSAGE, retriable there).
  CORRUPT_MESSAGE: e(22, 2, 'CORRUPT_MESSAGE', true, CorruptMessageError, 'message failed its CRC check or is otherwise corrupt', SHARED),
  UNSUPPORTED_COMPRESSION_TYPE: e(23, 76, 'UNSUPPORTED_COMPRESSION_TYPE', false, UnsupportedCompressionTypeError, 'compression type is not supported'),
  UNSUPPORTED_FOR_MESSAGE_FORMAT: e(24, 43, 'UNSUPPORTED_FOR_MESSAGE_FORMAT', false, UnsupportedForMessageFormatError, 'message format (magic) is not supported'),
  INVALID_TIMESTAMP: e(25, 32, 'INVALID_TIMESTAMP', false, InvalidTimestampError, 'timestamp is out of the acceptable range'),
  POLICY_VIOLATION: e(26, 44, 'POLICY_VIOLATION', false, PolicyViolationError, 'request violates a broker policy', SHARED),
  INVALID_PRODUCER_ID_MAPPING: e(27, 49, 'INVALID_PRODUCER_ID_MAPPING', false, InvalidProducerIdMappingError, 'producer id was not issued to this client'),
  DUPLICATE_SEQUENCE_NUMBER: e(28, 46, 'DUPLICATE_SEQUENCE_NUMBER', false, DuplicateSequenceNumberError, 'duplicate producer sequence number'),
  INVALID_PARTITIONS: e(29, 37, 'INVALID_PARTITIONS', false, InvalidPartitionsError, 'number of partitions is invalid'),
  // ---- 30-49 groups ----
  // Kafka marks the next three non-retriable because its clients rejoin the group rather than
  // resend the request. Strata's group client does the same thing, driven by this flag.
  ILLEGAL_GENERATION: e(30, 22, 'ILLEGAL_GENERATION', true, IllegalGenerationError, 'group generation is stale'),
  UNKNOWN_MEMBER_ID: e(31, 25, 'UNKNOWN_MEMBER_ID', true, UnknownMemberIdError, 'member is not in the group'),
  REBALANCE_IN_PROGRESS: e(32, 27, 'REBALANCE_IN_PROGRESS', true, RebalanceInProgressError, 'group is rebalancing'),
  GROUP_NOT_EMPTY: e(33, 68, 'NON_EMPTY_GROUP', false, GroupNotEmptyError, 'group has active members'),
  INVALID_GROUP_ID: e(34, 24, 'INVALID_GROUP_ID', false, InvalidGroupIdError, 'group id is invalid'),
  // Raised by the client only. Kafka's NoOffsetForPartitionException is likewise client-side and
  // an InvalidOffsetException, the family of OFFSET_OUT_OF_RANGE; no broker sends this.
  NO_OFFSET_FOR_PARTITION: e(35, 1, 'OFFSET_OUT_OF_RANGE', false, NoOffsetForPartitionError, 'no committed offset and autoOffsetReset is none', SHARED),
  GROUP_ID_NOT_FOUND: e(36, 69, 'GROUP_ID_NOT_FOUND', false, GroupIdNotFoundError, 'group does not exist'),
  COORDINATOR_NOT_AVAILABLE: e(37, 15, 'COORDINATOR_NOT_AVAILABLE', true, CoordinatorNotAvailableError, 'group coordinator is not available'),
  NOT_COORDINATOR: e(38, 16, 'NOT_COORDINATOR', true, NotCoordinatorError, 'this broker is not the group coordinator'),
  COORDINATOR_LOAD_IN_PROGRESS: e(39, 14, 'COORDINATOR_LOAD_IN_PROGRESS', true, CoordinatorLoadInProgressError, 'group coordinator is loading'),
  INVALID_SESSION_TIMEOUT: e(40, 26, 'INVALID_SESSION_TIMEOUT', false, InvalidSessionTimeoutError, 'session timeout is outside the allowed range'),
  INCONSISTENT_GROUP_PROTOCOL: e(41, 23, 'INCONSISTENT_GROUP_PROTOCOL', false, InconsistentGroupProtocolError, 'member protocols are incompatible with the group'),
  MEMBER_ID_REQUIRED: e(42, 79, 'MEMBER_ID_REQUIRED', false, MemberIdRequiredError, 'member must rejoin with the member id it was given'),
  FENCED_INSTANCE_ID: e(43, 82, 'FENCED_INSTANCE_ID', false, FencedInstanceIdError, 'another member registered with this group instance id'),
  GROUP_MAX_SIZE_REACHED: e(44, 81, 'GROUP_MAX_SIZE_REACHED', false, GroupMaxSizeReachedError, 'group has reached its maximum size'),
  // ---- 50-69 cluster and replication ----
  NOT_LEADER_OR_FOLLOWER: e(50, 6, 'NOT_LEADER_OR_FOLLOWER', true, NotLeaderOrFollowerError, 'this broker is not the leader or a replica of the partition'),
  LEADER_NOT_AVAILABLE: e(51, 5, 'LEADER_NOT_AVAILABLE', true, LeaderNotAvailableError, 'partition has no leader at the moment', SHARED),
  FENCED_LEADER_EPOCH: e(52, 74, 'FENCED_LEADER_EPOCH', true, FencedLeaderEpochError, 'leader epoch in the request is older than the broker\'s'),
  UNKNOWN_LEADER_EPOCH: e(53, 75, 'UNKNOWN_LEADER_EPOCH', true, UnknownLeaderEpochError, 'leader epoch in the request is newer than the broker\'s'),
  NOT_ENOUGH_REPLICAS: e(54, 19, 'NOT_ENOUGH_REPLICAS', true, NotEnoughReplicasError, 'fewer in-sync replicas than required'),
  NOT_ENOUGH_REPLICAS_AFTER_APPEND: e(55, 20, 'NOT_ENOUGH_REPLICAS_AFTER_APPEND', true, NotEnoughReplicasAfterAppendError, 'written, but to fewer in-sync replicas than required'),
  NOT_CONTROLLER: e(56, 41, 'NOT_CONTROLLER', true, NotControllerError, 'this broker is not the controller'),
  INVALID_REPLICATION_FACTOR: e(57, 38, 'INVALID_REPLICATION_FACTOR', false, InvalidReplicationFactorError, 'replication factor is invalid or larger than the live brokers'),
  // -- fault (producer delivery deadline) --
  // Client-side only, never sent by a broker: a batch not acknowledged by its delivery deadline
  // (retried until then: no leader, leader unreachable, retriable refusals). Kafka's producer
  // raises TimeoutException here, which has no wire code; REQUEST_TIMED_OUT (7) is the closest
  // honest one. Retriable as Kafka's is: sending again may succeed, but may also write twice.
  DELIVERY_TIMEOUT: e(58, 7, 'REQUEST_TIMED_OUT', true, DeliveryTimeoutError, 'record not acknowledged before the delivery timeout', SHARED),
  // ---- 70-89 security and quotas ----
  TOPIC_AUTHORIZATION_FAILED: e(70, 29, 'TOPIC_AUTHORIZATION_FAILED', false, TopicAuthorizationFailedError, 'not authorized to access the topic'),
  GROUP_AUTHORIZATION_FAILED: e(71, 30, 'GROUP_AUTHORIZATION_FAILED', false, GroupAuthorizationFailedError, 'not authorized to access the group'),
  CLUSTER_AUTHORIZATION_FAILED: e(72, 31, 'CLUSTER_AUTHORIZATION_FAILED', false, ClusterAuthorizationFailedError, 'not authorized for the cluster operation'),
  SASL_AUTHENTICATION_FAILED: e(73, 58, 'SASL_AUTHENTICATION_FAILED', false, SaslAuthenticationFailedError, 'authentication failed', SHARED),
  UNSUPPORTED_SASL_MECHANISM: e(74, 33, 'UNSUPPORTED_SASL_MECHANISM', false, UnsupportedSaslMechanismError, 'SASL mechanism is not supported'),
  ILLEGAL_SASL_STATE: e(75, 34, 'ILLEGAL_SASL_STATE', false, IllegalSaslStateError, 'request is not valid in the current SASL state'),
  THROTTLING_QUOTA_EXCEEDED: e(76, 89, 'THROTTLING_QUOTA_EXCEEDED', true, ThrottlingQuotaExceededError, 'throttling quota exceeded', SHARED),
  // SCRAM credential management (Kafka's AlterUserScramCredentials / DescribeUserScramCredentials
  // answers) and the security admin APIs: a credential out of bounds, a user (or ACL) that
  // already exists on create, one that does not on replace or delete.
  UNACCEPTABLE_CREDENTIAL: e(77, 93, 'UNACCEPTABLE_CREDENTIAL', false, UnacceptableCredentialError, 'credential does not meet the broker\'s requirements'),
  DUPLICATE_RESOURCE: e(78, 92, 'DUPLICATE_RESOURCE', false, DuplicateResourceError, 'resource already exists'),
  RESOURCE_NOT_FOUND: e(79, 91, 'RESOURCE_NOT_FOUND', false, ResourceNotFoundError, 'resource does not exist'),
  // ---- tls (89, top of the security range) ----
  // Raised by the client only: the TLS handshake failed (the broker's certificate did not verify
  // against the CA given, its name did not match, or the broker refused the client's
  // certificate). Kafka's clients raise SslAuthenticationException, an AuthenticationException
  // like SASL's that never travels on the wire; SASL_AUTHENTICATION_FAILED is the closest code.
  // Not retriable: the same certificates fail the same way.
  TLS_HANDSHAKE_FAILED: e(89, 58, 'SASL_AUTHENTICATION_FAILED', false, TlsHandshakeError, 'TLS handshake failed', SHARED),
} as const satisfies Record<string, ErrorSpec>;

export type ErrorName = keyof typeof ERRORS;

/** name → Strata code, plus NONE (0: no error). */
export const ErrorCode = Object.freeze({
  NONE: 0,
  ...Object.fromEntries(Object.entries(ERRORS).map(([name, spec]) => [name, spec.code])),
}) as { readonly NONE: 0 } & { readonly [K in ErrorName]: (typeof ERRORS)[K]['code'] };

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const SPEC_BY_CODE: ReadonlyMap<number, ErrorSpec> = new Map(Object.values(ERRORS).map((s) => [s.code, s]));

/** code → entry (a view of ERRORS, not a second table). */
export const ERROR_TABLE: Readonly<Record<number, ErrorSpec>> = Object.freeze(Object.fromEntries(SPEC_BY_CODE));

/** The entry for a Strata code, or undefined for a code this build does not know. */
export function errorSpec(code: number): ErrorSpec | undefined {
  return SPEC_BY_CODE.get(code);
}

/** The wire form of an error (the protobuf `Error` message). */
export interface WireError {
  code: number;
  name: string;
  retriable: boolean;
  message: string;
}

/** Turns any thrown value into its wire form; unexpected errors become UNKNOWN_SERVER_ERROR. */
export function errorToWire(err: unknown): WireError {
  if (err instanceof StrataError) {
    return { code: err.code, name: err.name, retriable: err.retriable, message: err.message };
  }
  const spec = ERRORS.UNKNOWN_SERVER_ERROR;
  return { code: spec.code, name: spec.name, retriable: spec.retriable, message: spec.message };
}

/** Kafka's code for any thrown value (what a Kafka listener puts in `error_code`): -1 for untyped errors. */
export function kafkaErrorCode(err: unknown): number {
  return err instanceof StrataError ? err.kafkaCode : ERRORS.UNKNOWN_SERVER_ERROR.kafkaCode;
}

/**
 * Rebuilds the typed error for a wire error. OffsetOutOfRangeError needs the valid range, which
 * travels in the partition response; pass it as `range` (and topic/partition/offset).
 */
export function errorFromWire(
  wire: { code?: number | null; message?: string | null },
  ctx: { topic?: string; partition?: number; offset?: number; range?: OffsetRange } = {},
): StrataError {
  // A code this build may not know (a newer broker) is kept as it came.
  const code = (wire.code ?? ErrorCode.UNKNOWN_SERVER_ERROR) as ErrorCode;
  const message = wire.message || undefined;
  const spec = SPEC_BY_CODE.get(code);
  if (spec?.cls === OffsetOutOfRangeError) {
    return new OffsetOutOfRangeError({
      offset: ctx.offset ?? -1,
      range: ctx.range ?? { logStartOffset: -1, logEndOffset: -1 },
      topic: ctx.topic,
      partition: ctx.partition,
      message,
    });
  }
  if (spec) return new (spec.cls as ErrorClass)(message);
  return new StrataError(code, message ?? `broker error code ${code}`);
}
