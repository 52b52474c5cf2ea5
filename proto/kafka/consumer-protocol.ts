/**
 * The "consumer" embedded protocol (ConsumerProtocolSubscription/Assignment.json): what Kafka
 * consumers put in JoinGroup metadata (the topics they subscribe to) and what the leader puts in
 * SyncGroup assignments (each member's partitions). Both are an int16 version followed by a
 * struct in the classic (never flexible) encoding. A version newer than this table is read with
 * the newest one known and its trailing bytes ignored, as Kafka's own reader does: new versions
 * only append fields.
 */
import { InvalidRequestError } from '../errors.js';
import { decodeStruct, encodeStruct } from './codec.js';
import { KafkaReader } from './reader.js';
import { array, field, type Decoded, type Input } from './schema.js';
import { KafkaWriter } from './writer.js';

/** The protocol type consumers join with; other types (connect, streams) are not read. */
export const CONSUMER_PROTOCOL_TYPE = 'consumer';
const SUBSCRIPTION_VERSION_MAX = 3;
const ASSIGNMENT_VERSION_MAX = 3;

const subscriptionFields = [
  array('topics', '0+', 'string'),
  field('userData', 'bytes', '0+', { nullable: '0+', default: null }),
  array('ownedPartitions', '1+', [
    field('topic', 'string', '1+'),
    array('partitions', '1+', 'int32'),
  ]),
  field('generationId', 'int32', '2+', { default: -1 }),
  field('rackId', 'string', '3+', { nullable: '3+', default: null }),
] as const;

const assignmentFields = [
  array('assignedPartitions', '0+', [
    field('topic', 'string', '0+'),
    array('partitions', '0+', 'int32'),
  ]),
  field('userData', 'bytes', '0+', { nullable: '0+', default: null }),
] as const;

export type ConsumerSubscription = Decoded<typeof subscriptionFields> & { version: number };
export type ConsumerAssignment = Decoded<typeof assignmentFields> & { version: number };

function readVersioned<S extends typeof subscriptionFields | typeof assignmentFields>(
  bytes: Buffer, fields: S, versionMax: number, what: string,
): Decoded<S> & { version: number } {
  const r = new KafkaReader(bytes);
  const version = r.int16();
  if (version < 0) throw new InvalidRequestError(`${what} version ${version} is negative`);
  const decoded = decodeStruct(r, fields, Math.min(version, versionMax), false);
  return Object.assign(decoded, { version });
}

export function decodeConsumerSubscription(bytes: Buffer): ConsumerSubscription {
  return readVersioned(bytes, subscriptionFields, SUBSCRIPTION_VERSION_MAX, 'consumer subscription') as ConsumerSubscription;
}

export function decodeConsumerAssignment(bytes: Buffer): ConsumerAssignment {
  return readVersioned(bytes, assignmentFields, ASSIGNMENT_VERSION_MAX, 'consumer assignment') as ConsumerAssignment;
}

export function encodeConsumerSubscription(version: number, value: Input<typeof subscriptionFields>): Buffer {
  const w = new KafkaWriter(128);
  const v = Math.min(version, SUBSCRIPTION_VERSION_MAX);
  w.int16(v);
  encodeStruct(w, subscriptionFields, v, false, value);
  return w.toBuffer();
}

export function encodeConsumerAssignment(version: number, value: Input<typeof assignmentFields>): Buffer {
  const w = new KafkaWriter(128);
  const v = Math.min(version, ASSIGNMENT_VERSION_MAX);
  w.int16(v);
  encodeStruct(w, assignmentFields, v, false, value);
  return w.toBuffer();
}
