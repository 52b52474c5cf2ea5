/**
 * Kafka error codes for the errors handlers throw or return. Every StrataError carries its Kafka
 * number in the one error table (proto/errors.ts); anything else is a bug and goes out as
 * UNKNOWN_SERVER_ERROR (-1).
 */
import { errorSpec, kafkaErrorCode, StrataError } from '../../proto/errors.js';

/** Kafka's numbers (org.apache.kafka.common.protocol.Errors) used by the Kafka listener itself. */
export const KafkaError = {
  NONE: 0,
  UNKNOWN_SERVER_ERROR: -1,
  OFFSET_OUT_OF_RANGE: 1,
  CORRUPT_MESSAGE: 2,
  UNKNOWN_TOPIC_OR_PARTITION: 3,
  LEADER_NOT_AVAILABLE: 5,
  REQUEST_TIMED_OUT: 7,
  MESSAGE_TOO_LARGE: 10,
  COORDINATOR_NOT_AVAILABLE: 15,
  INVALID_TOPIC_EXCEPTION: 17,
  ILLEGAL_GENERATION: 22,
  INCONSISTENT_GROUP_PROTOCOL: 23,
  INVALID_GROUP_ID: 24,
  UNKNOWN_MEMBER_ID: 25,
  INVALID_SESSION_TIMEOUT: 26,
  REBALANCE_IN_PROGRESS: 27,
  UNSUPPORTED_SASL_MECHANISM: 33,
  ILLEGAL_SASL_STATE: 34,
  UNSUPPORTED_VERSION: 35,
  TOPIC_ALREADY_EXISTS: 36,
  INVALID_PARTITIONS: 37,
  INVALID_REPLICATION_FACTOR: 38,
  INVALID_CONFIG: 40,
  INVALID_REQUEST: 42,
  UNSUPPORTED_FOR_MESSAGE_FORMAT: 43,
  POLICY_VIOLATION: 44,
  OUT_OF_ORDER_SEQUENCE_NUMBER: 45,
  INVALID_PRODUCER_EPOCH: 47,
  KAFKA_STORAGE_ERROR: 56,
  UNKNOWN_PRODUCER_ID: 59,
  NON_EMPTY_GROUP: 68,
  GROUP_ID_NOT_FOUND: 69,
  FETCH_SESSION_ID_NOT_FOUND: 70,
  UNKNOWN_LEADER_EPOCH: 75,
  INVALID_RECORD: 87,
} as const;

/** Kafka's code for a thrown value: the one error table's `kafkaCode`, -1 for untyped errors. */
export { kafkaErrorCode };

/** The message to put in a response's error_message field (never a stack trace). */
export function kafkaErrorMessage(err: unknown): string {
  return err instanceof StrataError ? err.message : 'unexpected broker error';
}

/** The Kafka code for an error already in its wire form (what today's handlers return). */
export function kafkaCodeOfWire(err: { code: number } | null | undefined): number {
  if (!err || err.code === 0) return KafkaError.NONE;
  return errorSpec(err.code)?.kafkaCode ?? KafkaError.UNKNOWN_SERVER_ERROR;
}
