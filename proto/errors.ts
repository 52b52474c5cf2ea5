/**
 * The one table of Strata error codes. The broker sends `code` (plus name, retriable flag and a
 * message) in every failed response; the client turns the code back into the same class with
 * `errorFromWire`. Codes are stable: never renumber, only add.
 */

export const ErrorCode = {
  NONE: 0,
  UNKNOWN_SERVER_ERROR: 1,
  OFFSET_OUT_OF_RANGE: 2,
  INVALID_RECORD_BATCH: 3,
  UNKNOWN_TOPIC_OR_PARTITION: 4,
  MESSAGE_TOO_LARGE: 5,
  NOT_ENOUGH_SPACE: 6,
  INVALID_TOPIC_NAME: 7,
  TOPIC_ALREADY_EXISTS: 8,
  INVALID_REQUEST: 9,
  UNSUPPORTED_VERSION: 10,
  REQUEST_TIMED_OUT: 11,
  CONNECTION_CLOSED: 12,
  OUT_OF_ORDER_SEQUENCE: 13,
  INVALID_PRODUCER_EPOCH: 14,
  UNKNOWN_PRODUCER_ID: 15,
  STORAGE_ERROR: 16,
  TOO_MANY_REQUESTS: 17,
  INVALID_CONFIG: 18,
  BROKER_SHUTTING_DOWN: 19,
  LIMIT_EXCEEDED: 20,
  CORRUPT_LOG: 21,
  // 30-49: consumer groups.
  ILLEGAL_GENERATION: 30,
  UNKNOWN_MEMBER_ID: 31,
  REBALANCE_IN_PROGRESS: 32,
  GROUP_NOT_EMPTY: 33,
  INVALID_GROUP_ID: 34,
  NO_OFFSET_FOR_PARTITION: 35,
  GROUP_ID_NOT_FOUND: 36,
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

interface ErrorSpec {
  readonly name: string;
  readonly retriable: boolean;
  readonly message: string;
}

/** code → class name, whether retrying the same request may succeed, default message. */
export const ERROR_TABLE: Readonly<Record<number, ErrorSpec>> = {
  [ErrorCode.UNKNOWN_SERVER_ERROR]: { name: 'UnknownServerError', retriable: false, message: 'unexpected broker error' },
  [ErrorCode.OFFSET_OUT_OF_RANGE]: { name: 'OffsetOutOfRangeError', retriable: false, message: 'offset is outside the log' },
  [ErrorCode.INVALID_RECORD_BATCH]: { name: 'InvalidRecordBatchError', retriable: false, message: 'record batch is malformed' },
  [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]: { name: 'UnknownTopicError', retriable: false, message: 'topic or partition does not exist' },
  [ErrorCode.MESSAGE_TOO_LARGE]: { name: 'MessageTooLargeError', retriable: false, message: 'batch or frame exceeds the size limit' },
  [ErrorCode.NOT_ENOUGH_SPACE]: { name: 'NotEnoughSpaceError', retriable: true, message: 'broker disk is full' },
  [ErrorCode.INVALID_TOPIC_NAME]: { name: 'InvalidTopicNameError', retriable: false, message: 'topic name is invalid' },
  [ErrorCode.TOPIC_ALREADY_EXISTS]: { name: 'TopicAlreadyExistsError', retriable: false, message: 'topic already exists' },
  [ErrorCode.INVALID_REQUEST]: { name: 'InvalidRequestError', retriable: false, message: 'request is malformed' },
  [ErrorCode.UNSUPPORTED_VERSION]: { name: 'UnsupportedVersionError', retriable: false, message: 'protocol version or API not supported' },
  [ErrorCode.REQUEST_TIMED_OUT]: { name: 'RequestTimedOutError', retriable: true, message: 'request timed out' },
  [ErrorCode.CONNECTION_CLOSED]: { name: 'ConnectionClosedError', retriable: true, message: 'connection closed before a response arrived' },
  [ErrorCode.OUT_OF_ORDER_SEQUENCE]: { name: 'OutOfOrderSequenceError', retriable: false, message: 'producer sequence has a gap' },
  [ErrorCode.INVALID_PRODUCER_EPOCH]: { name: 'InvalidProducerEpochError', retriable: false, message: 'producer epoch is stale' },
  [ErrorCode.UNKNOWN_PRODUCER_ID]: { name: 'UnknownProducerIdError', retriable: false, message: 'producer id is unknown to the broker' },
  [ErrorCode.STORAGE_ERROR]: { name: 'StorageError', retriable: true, message: 'partition storage failed' },
  [ErrorCode.TOO_MANY_REQUESTS]: { name: 'TooManyRequestsError', retriable: true, message: 'too many requests in flight' },
  [ErrorCode.INVALID_CONFIG]: { name: 'InvalidConfigError', retriable: false, message: 'configuration value is invalid' },
  [ErrorCode.BROKER_SHUTTING_DOWN]: { name: 'BrokerShuttingDownError', retriable: true, message: 'broker is shutting down' },
  [ErrorCode.LIMIT_EXCEEDED]: { name: 'LimitExceededError', retriable: false, message: 'a broker limit was reached' },
  [ErrorCode.CORRUPT_LOG]: { name: 'CorruptLogError', retriable: false, message: 'stored data failed its checksum' },
  [ErrorCode.ILLEGAL_GENERATION]: { name: 'IllegalGenerationError', retriable: true, message: 'group generation is stale' },
  [ErrorCode.UNKNOWN_MEMBER_ID]: { name: 'UnknownMemberIdError', retriable: true, message: 'member is not in the group' },
  [ErrorCode.REBALANCE_IN_PROGRESS]: { name: 'RebalanceInProgressError', retriable: true, message: 'group is rebalancing' },
  [ErrorCode.GROUP_NOT_EMPTY]: { name: 'GroupNotEmptyError', retriable: false, message: 'group has active members' },
  [ErrorCode.INVALID_GROUP_ID]: { name: 'InvalidGroupIdError', retriable: false, message: 'group id is invalid' },
  [ErrorCode.NO_OFFSET_FOR_PARTITION]: { name: 'NoOffsetForPartitionError', retriable: false, message: 'no committed offset and autoOffsetReset is none' },
  [ErrorCode.GROUP_ID_NOT_FOUND]: { name: 'GroupIdNotFoundError', retriable: false, message: 'group does not exist' },
};

/** Base of every Strata error. `code` is stable and travels on the wire. */
export class StrataError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;

  constructor(code: ErrorCode, message?: string, options?: { cause?: unknown }) {
    const spec = ERROR_TABLE[code] ?? ERROR_TABLE[ErrorCode.UNKNOWN_SERVER_ERROR]!;
    super(message ?? spec.message, options);
    this.code = code;
    this.retriable = spec.retriable;
    this.name = spec.name;
  }
}

export class UnknownServerError extends StrataError {
  constructor(message?: string, options?: { cause?: unknown }) { super(ErrorCode.UNKNOWN_SERVER_ERROR, message, options); }
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

export class InvalidRecordBatchError extends StrataError {
  constructor(message?: string, options?: { cause?: unknown }) { super(ErrorCode.INVALID_RECORD_BATCH, message, options); }
}
export class UnknownTopicError extends StrataError {
  constructor(message?: string) { super(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, message); }
}
export class MessageTooLargeError extends StrataError {
  constructor(message?: string) { super(ErrorCode.MESSAGE_TOO_LARGE, message); }
}
export class NotEnoughSpaceError extends StrataError {
  constructor(message?: string, options?: { cause?: unknown }) { super(ErrorCode.NOT_ENOUGH_SPACE, message, options); }
}
export class InvalidTopicNameError extends StrataError {
  constructor(message?: string) { super(ErrorCode.INVALID_TOPIC_NAME, message); }
}
export class TopicAlreadyExistsError extends StrataError {
  constructor(message?: string) { super(ErrorCode.TOPIC_ALREADY_EXISTS, message); }
}
export class InvalidRequestError extends StrataError {
  constructor(message?: string, options?: { cause?: unknown }) { super(ErrorCode.INVALID_REQUEST, message, options); }
}
export class UnsupportedVersionError extends StrataError {
  constructor(message?: string) { super(ErrorCode.UNSUPPORTED_VERSION, message); }
}
export class RequestTimedOutError extends StrataError {
  constructor(message?: string) { super(ErrorCode.REQUEST_TIMED_OUT, message); }
}
export class ConnectionClosedError extends StrataError {
  constructor(message?: string, options?: { cause?: unknown }) { super(ErrorCode.CONNECTION_CLOSED, message, options); }
}
export class OutOfOrderSequenceError extends StrataError {
  constructor(message?: string) { super(ErrorCode.OUT_OF_ORDER_SEQUENCE, message); }
}
export class InvalidProducerEpochError extends StrataError {
  constructor(message?: string) { super(ErrorCode.INVALID_PRODUCER_EPOCH, message); }
}
export class UnknownProducerIdError extends StrataError {
  constructor(message?: string) { super(ErrorCode.UNKNOWN_PRODUCER_ID, message); }
}
export class StorageError extends StrataError {
  constructor(message?: string, options?: { cause?: unknown }) { super(ErrorCode.STORAGE_ERROR, message, options); }
}
export class TooManyRequestsError extends StrataError {
  constructor(message?: string) { super(ErrorCode.TOO_MANY_REQUESTS, message); }
}
export class InvalidConfigError extends StrataError {
  constructor(message?: string) { super(ErrorCode.INVALID_CONFIG, message); }
}
export class BrokerShuttingDownError extends StrataError {
  constructor(message?: string) { super(ErrorCode.BROKER_SHUTTING_DOWN, message); }
}
export class LimitExceededError extends StrataError {
  constructor(message?: string) { super(ErrorCode.LIMIT_EXCEEDED, message); }
}
export class CorruptLogError extends StrataError {
  constructor(message?: string, options?: { cause?: unknown }) { super(ErrorCode.CORRUPT_LOG, message, options); }
}
export class IllegalGenerationError extends StrataError {
  constructor(message?: string) { super(ErrorCode.ILLEGAL_GENERATION, message); }
}
export class UnknownMemberIdError extends StrataError {
  constructor(message?: string) { super(ErrorCode.UNKNOWN_MEMBER_ID, message); }
}
export class RebalanceInProgressError extends StrataError {
  constructor(message?: string) { super(ErrorCode.REBALANCE_IN_PROGRESS, message); }
}
export class GroupNotEmptyError extends StrataError {
  constructor(message?: string) { super(ErrorCode.GROUP_NOT_EMPTY, message); }
}
export class InvalidGroupIdError extends StrataError {
  constructor(message?: string) { super(ErrorCode.INVALID_GROUP_ID, message); }
}
export class NoOffsetForPartitionError extends StrataError {
  constructor(message?: string) { super(ErrorCode.NO_OFFSET_FOR_PARTITION, message); }
}
export class GroupIdNotFoundError extends StrataError {
  constructor(message?: string) { super(ErrorCode.GROUP_ID_NOT_FOUND, message); }
}

const CLASS_BY_CODE: Readonly<Record<number, new (message?: string) => StrataError>> = {
  [ErrorCode.UNKNOWN_SERVER_ERROR]: UnknownServerError,
  [ErrorCode.INVALID_RECORD_BATCH]: InvalidRecordBatchError,
  [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]: UnknownTopicError,
  [ErrorCode.MESSAGE_TOO_LARGE]: MessageTooLargeError,
  [ErrorCode.NOT_ENOUGH_SPACE]: NotEnoughSpaceError,
  [ErrorCode.INVALID_TOPIC_NAME]: InvalidTopicNameError,
  [ErrorCode.TOPIC_ALREADY_EXISTS]: TopicAlreadyExistsError,
  [ErrorCode.INVALID_REQUEST]: InvalidRequestError,
  [ErrorCode.UNSUPPORTED_VERSION]: UnsupportedVersionError,
  [ErrorCode.REQUEST_TIMED_OUT]: RequestTimedOutError,
  [ErrorCode.CONNECTION_CLOSED]: ConnectionClosedError,
  [ErrorCode.OUT_OF_ORDER_SEQUENCE]: OutOfOrderSequenceError,
  [ErrorCode.INVALID_PRODUCER_EPOCH]: InvalidProducerEpochError,
  [ErrorCode.UNKNOWN_PRODUCER_ID]: UnknownProducerIdError,
  [ErrorCode.STORAGE_ERROR]: StorageError,
  [ErrorCode.TOO_MANY_REQUESTS]: TooManyRequestsError,
  [ErrorCode.INVALID_CONFIG]: InvalidConfigError,
  [ErrorCode.BROKER_SHUTTING_DOWN]: BrokerShuttingDownError,
  [ErrorCode.LIMIT_EXCEEDED]: LimitExceededError,
  [ErrorCode.CORRUPT_LOG]: CorruptLogError,
  [ErrorCode.ILLEGAL_GENERATION]: IllegalGenerationError,
  [ErrorCode.UNKNOWN_MEMBER_ID]: UnknownMemberIdError,
  [ErrorCode.REBALANCE_IN_PROGRESS]: RebalanceInProgressError,
  [ErrorCode.GROUP_NOT_EMPTY]: GroupNotEmptyError,
  [ErrorCode.INVALID_GROUP_ID]: InvalidGroupIdError,
  [ErrorCode.NO_OFFSET_FOR_PARTITION]: NoOffsetForPartitionError,
  [ErrorCode.GROUP_ID_NOT_FOUND]: GroupIdNotFoundError,
};

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
  const spec = ERROR_TABLE[ErrorCode.UNKNOWN_SERVER_ERROR]!;
  return { code: ErrorCode.UNKNOWN_SERVER_ERROR, name: spec.name, retriable: spec.retriable, message: spec.message };
}

/**
 * Rebuilds the typed error for a wire error. OffsetOutOfRangeError needs the valid range, which
 * travels in the partition response; pass it as `range` (and topic/partition/offset).
 */
export function errorFromWire(
  wire: { code?: number | null; message?: string | null },
  ctx: { topic?: string; partition?: number; offset?: number; range?: OffsetRange } = {},
): StrataError {
  const code = (wire.code ?? ErrorCode.UNKNOWN_SERVER_ERROR) as ErrorCode;
  const message = wire.message || undefined;
  if (code === ErrorCode.OFFSET_OUT_OF_RANGE) {
    return new OffsetOutOfRangeError({
      offset: ctx.offset ?? -1,
      range: ctx.range ?? { logStartOffset: -1, logEndOffset: -1 },
      topic: ctx.topic,
      partition: ctx.partition,
      message,
    });
  }
  const Cls = CLASS_BY_CODE[code];
  if (Cls) return new Cls(message);
  // A code this build does not know (a newer broker): keep the code, fall back to the base class.
  return new StrataError(code, message ?? `broker error code ${code}`);
}
