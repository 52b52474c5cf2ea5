import { describe, expect, it } from 'vitest';
import {
  ERROR_TABLE, ERRORS, ErrorCode, errorFromWire, errorSpec, errorToWire, kafkaErrorCode, NotEnoughSpaceError,
  NotLeaderOrFollowerError, OffsetOutOfRangeError, StrataError, UnknownTopicError,
} from '../../../proto/errors.js';

const entries = Object.entries(ERRORS);

// Kafka's own numbers and retriable flags for the entries added for wave 2 (Errors.java;
// the same in kafkajs src/protocol/error.js and franz-go kerr). An oracle written apart from
// the table, so a typo in one of them fails here.
const KAFKA: Record<string, [code: number, retriable: boolean]> = {
  NOT_LEADER_OR_FOLLOWER: [6, true], LEADER_NOT_AVAILABLE: [5, true], FENCED_LEADER_EPOCH: [74, true],
  UNKNOWN_LEADER_EPOCH: [75, true], NOT_ENOUGH_REPLICAS: [19, true], NOT_ENOUGH_REPLICAS_AFTER_APPEND: [20, true],
  NOT_CONTROLLER: [41, true], INVALID_REPLICATION_FACTOR: [38, false], INVALID_PARTITIONS: [37, false],
  COORDINATOR_NOT_AVAILABLE: [15, true], NOT_COORDINATOR: [16, true], COORDINATOR_LOAD_IN_PROGRESS: [14, true],
  INVALID_SESSION_TIMEOUT: [26, false], INCONSISTENT_GROUP_PROTOCOL: [23, false], MEMBER_ID_REQUIRED: [79, false],
  FENCED_INSTANCE_ID: [82, false], GROUP_MAX_SIZE_REACHED: [81, false], TOPIC_AUTHORIZATION_FAILED: [29, false],
  GROUP_AUTHORIZATION_FAILED: [30, false], CLUSTER_AUTHORIZATION_FAILED: [31, false],
  SASL_AUTHENTICATION_FAILED: [58, false], UNSUPPORTED_SASL_MECHANISM: [33, false], ILLEGAL_SASL_STATE: [34, false],
  UNSUPPORTED_COMPRESSION_TYPE: [76, false], UNSUPPORTED_FOR_MESSAGE_FORMAT: [43, false], CORRUPT_MESSAGE: [2, true],
  INVALID_PRODUCER_ID_MAPPING: [49, false], DUPLICATE_SEQUENCE_NUMBER: [46, false], THROTTLING_QUOTA_EXCEEDED: [89, true],
  POLICY_VIOLATION: [44, false], INVALID_TIMESTAMP: [32, false],
  UNACCEPTABLE_CREDENTIAL: [93, false], DUPLICATE_RESOURCE: [92, false], RESOURCE_NOT_FOUND: [91, false],
};

// The codes of the first table, which old SDKs and brokers rely on: never renumbered.
const STABLE: Record<string, number> = {
  UNKNOWN_SERVER_ERROR: 1, OFFSET_OUT_OF_RANGE: 2, INVALID_RECORD_BATCH: 3, UNKNOWN_TOPIC_OR_PARTITION: 4,
  MESSAGE_TOO_LARGE: 5, NOT_ENOUGH_SPACE: 6, INVALID_TOPIC_NAME: 7, TOPIC_ALREADY_EXISTS: 8, INVALID_REQUEST: 9,
  UNSUPPORTED_VERSION: 10, REQUEST_TIMED_OUT: 11, CONNECTION_CLOSED: 12, OUT_OF_ORDER_SEQUENCE: 13,
  INVALID_PRODUCER_EPOCH: 14, UNKNOWN_PRODUCER_ID: 15, STORAGE_ERROR: 16, TOO_MANY_REQUESTS: 17, INVALID_CONFIG: 18,
  BROKER_SHUTTING_DOWN: 19, LIMIT_EXCEEDED: 20, CORRUPT_LOG: 21, ILLEGAL_GENERATION: 30, UNKNOWN_MEMBER_ID: 31,
  REBALANCE_IN_PROGRESS: 32, GROUP_NOT_EMPTY: 33, INVALID_GROUP_ID: 34, NO_OFFSET_FOR_PARTITION: 35, GROUP_ID_NOT_FOUND: 36,
};

describe('error table', () => {
  it('keeps every code of the first table', () => {
    for (const [name, code] of Object.entries(STABLE)) expect(ErrorCode[name as keyof typeof ErrorCode], name).toBe(code);
    expect(ErrorCode.NONE).toBe(0);
  });

  it('has unique Strata codes and names, each in its range, and names matching classes', () => {
    const codes = entries.map(([, s]) => s.code);
    expect(new Set(codes).size).toBe(codes.length);
    expect(codes).not.toContain(0);
    const names = entries.map(([, s]) => s.name);
    expect(new Set(names).size).toBe(names.length);
    for (const [key, s] of entries) {
      expect(s.code, key).toBeGreaterThanOrEqual(1);
      expect(s.code, key).toBeLessThanOrEqual(109);
      expect(s.name, key).toBe(s.cls.name);
      expect(ERROR_TABLE[s.code], key).toBe(s);
      expect(errorSpec(s.code), key).toBe(s);
    }
  });

  it('uses a Kafka code only once unless every entry sharing it says so', () => {
    const byKafka = new Map<number, string[]>();
    for (const [key, s] of entries) byKafka.set(s.kafkaCode, [...(byKafka.get(s.kafkaCode) ?? []), key]);
    for (const [kafkaCode, keys] of byKafka) {
      if (keys.length === 1) continue;
      for (const key of keys) {
        expect(ERRORS[key as keyof typeof ERRORS].kafkaCodeShared, `${key} shares Kafka code ${kafkaCode} with ${keys.join(', ')}`).toBe(true);
      }
    }
    // ... and an entry marked shared really shares.
    for (const [key, s] of entries) if (s.kafkaCodeShared) expect(byKafka.get(s.kafkaCode)!.length, key).toBeGreaterThan(1);
  });

  it('gives the wave-2 entries Kafka\'s codes and retriable flags', () => {
    for (const [key, [code, retriable]] of Object.entries(KAFKA)) {
      const s = ERRORS[key as keyof typeof ERRORS];
      expect(s, key).toBeDefined();
      expect([s.kafkaCode, s.retriable], key).toEqual([code, retriable]);
    }
  });

  it('maps the first table\'s errors to Kafka\'s numbers', () => {
    expect(ERRORS.UNKNOWN_SERVER_ERROR.kafkaCode).toBe(-1);
    expect(ERRORS.OFFSET_OUT_OF_RANGE.kafkaCode).toBe(1);
    expect(ERRORS.UNKNOWN_TOPIC_OR_PARTITION.kafkaCode).toBe(3);
    expect(ERRORS.MESSAGE_TOO_LARGE.kafkaCode).toBe(10);
    expect(ERRORS.REQUEST_TIMED_OUT.kafkaCode).toBe(7);
    expect(ERRORS.INVALID_TOPIC_NAME.kafkaCode).toBe(17);
    expect(ERRORS.TOPIC_ALREADY_EXISTS.kafkaCode).toBe(36);
    expect(ERRORS.INVALID_REQUEST.kafkaCode).toBe(42);
    expect(ERRORS.UNSUPPORTED_VERSION.kafkaCode).toBe(35);
    expect(ERRORS.OUT_OF_ORDER_SEQUENCE.kafkaCode).toBe(45);
    expect(ERRORS.INVALID_PRODUCER_EPOCH.kafkaCode).toBe(47);
    expect(ERRORS.UNKNOWN_PRODUCER_ID.kafkaCode).toBe(59);
    expect(ERRORS.STORAGE_ERROR.kafkaCode).toBe(56);
    expect(ERRORS.INVALID_CONFIG.kafkaCode).toBe(40);
    expect(ERRORS.ILLEGAL_GENERATION.kafkaCode).toBe(22);
    expect(ERRORS.UNKNOWN_MEMBER_ID.kafkaCode).toBe(25);
    expect(ERRORS.REBALANCE_IN_PROGRESS.kafkaCode).toBe(27);
    expect(ERRORS.GROUP_NOT_EMPTY.kafkaCode).toBe(68);
    expect(ERRORS.INVALID_GROUP_ID.kafkaCode).toBe(24);
    expect(ERRORS.GROUP_ID_NOT_FOUND.kafkaCode).toBe(69);
  });

  it('round-trips every class through the wire form into the same class', () => {
    for (const [key, s] of entries) {
      const original = errorFromWire({ code: s.code, message: 'm' });
      expect(original, key).toBeInstanceOf(s.cls);
      const back = errorFromWire(errorToWire(original));
      expect(back).toBeInstanceOf(StrataError);
      expect(back.constructor, key).toBe(original.constructor);
      expect([back.name, back.retriable, back.code, back.kafkaCode, back.message], key)
        .toEqual([s.name, s.retriable, s.code, s.kafkaCode, 'm']);
    }
  });

  it('maps classes and retriable flags as documented', () => {
    expect(new UnknownTopicError().retriable).toBe(false);
    expect(new NotEnoughSpaceError().retriable).toBe(true);
    expect(errorFromWire({ code: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION })).toBeInstanceOf(UnknownTopicError);
    const cause = new Error('below');
    const err = new NotLeaderOrFollowerError(undefined, { cause });
    expect([err.message, err.cause, kafkaErrorCode(err)]).toEqual([ERRORS.NOT_LEADER_OR_FOLLOWER.message, cause, 6]);
  });

  it('rebuilds OffsetOutOfRangeError with its range', () => {
    const err = errorFromWire({ code: ErrorCode.OFFSET_OUT_OF_RANGE }, {
      topic: 't', partition: 3, offset: 99, range: { logStartOffset: 10, logEndOffset: 50 },
    }) as OffsetOutOfRangeError;
    expect(err).toBeInstanceOf(OffsetOutOfRangeError);
    expect([err.topic, err.partition, err.offset, err.logStartOffset, err.logEndOffset]).toEqual(['t', 3, 99, 10, 50]);
    expect(err.message).toContain('[10, 50]');
  });

  it('hides the details of unexpected errors on the wire', () => {
    const wire = errorToWire(new Error('secret path /etc/x'));
    expect(wire.code).toBe(ErrorCode.UNKNOWN_SERVER_ERROR);
    expect(wire.message).not.toContain('secret');
    expect(kafkaErrorCode(new Error('x'))).toBe(-1);
  });

  it('keeps the code of an error this build does not know', () => {
    const err = errorFromWire({ code: 999, message: 'from the future' });
    expect(err.code).toBe(999);
    expect(err.message).toBe('from the future');
    expect(err.kafkaCode).toBe(-1);
  });
});
