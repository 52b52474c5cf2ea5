/**
 * The public surface of the Strata client SDK. Everything an application may use is listed
 * here explicitly: values first, then types. Anything not exported here is internal.
 *
 * ```ts
 * import { Strata } from 'strata';
 * const strata = new Strata({ brokers: 'ws://127.0.0.1:7171' });
 * await strata.admin().createTopic({ name: 'events', partitions: 3 });
 * const producer = strata.producer();
 * await producer.send({ topic: 'events', messages: [{ key: 'user-1', value: 'hello' }] });
 * const consumer = strata.consumer({ decode: 'utf8' });
 * await consumer.assign({ topic: 'events', offset: 'earliest' });
 * for await (const record of consumer) console.log(record.partition, record.offset, record.value);
 * ```
 */

// ---- values ------------------------------------------------------------------------------
export { Strata, createClient } from './client.js';
export { Producer } from './producer.js';
export { SendReceipt } from './send-receipt.js';
export { Consumer } from './consumer.js';
export { Admin } from './admin.js';
export { GroupConsumer } from './group/group-consumer.js';
export { GroupAdmin } from './group/group-admin.js';
export { SecurityAdmin } from './security-admin.js';
export { defaultSocketFactory, nodeSocketFactory, browserSocketFactory } from './socket.js';
export { murmur2, toPositive, partitionForKey } from './partitioner.js';
export { isRetriable } from './retry.js';
export { OFFSET_EARLIEST, OFFSET_LATEST } from '../proto/constants.js';
export {
  ErrorCode,
  StrataError,
  UnknownServerError,
  OffsetOutOfRangeError,
  InvalidRecordBatchError,
  UnknownTopicError,
  MessageTooLargeError,
  NotEnoughSpaceError,
  InvalidTopicNameError,
  TopicAlreadyExistsError,
  InvalidRequestError,
  UnsupportedVersionError,
  RequestTimedOutError,
  ConnectionClosedError,
  OutOfOrderSequenceError,
  InvalidProducerEpochError,
  UnknownProducerIdError,
  StorageError,
  TooManyRequestsError,
  InvalidConfigError,
  BrokerShuttingDownError,
  LimitExceededError,
  CorruptLogError,
  IllegalGenerationError,
  UnknownMemberIdError,
  RebalanceInProgressError,
  GroupNotEmptyError,
  InvalidGroupIdError,
  NoOffsetForPartitionError,
  GroupIdNotFoundError,
  CorruptMessageError,
  UnsupportedCompressionTypeError,
  UnsupportedForMessageFormatError,
  InvalidTimestampError,
  PolicyViolationError,
  InvalidProducerIdMappingError,
  DuplicateSequenceNumberError,
  InvalidPartitionsError,
  CoordinatorNotAvailableError,
  NotCoordinatorError,
  CoordinatorLoadInProgressError,
  InvalidSessionTimeoutError,
  InconsistentGroupProtocolError,
  MemberIdRequiredError,
  FencedInstanceIdError,
  GroupMaxSizeReachedError,
  NotLeaderOrFollowerError,
  LeaderNotAvailableError,
  FencedLeaderEpochError,
  UnknownLeaderEpochError,
  NotEnoughReplicasError,
  NotEnoughReplicasAfterAppendError,
  NotControllerError,
  InvalidReplicationFactorError,
  TopicAuthorizationFailedError,
  GroupAuthorizationFailedError,
  ClusterAuthorizationFailedError,
  SaslAuthenticationFailedError,
  UnsupportedSaslMechanismError,
  IllegalSaslStateError,
  ThrottlingQuotaExceededError,
  UnacceptableCredentialError,
  DuplicateResourceError,
  ResourceNotFoundError,
  TlsHandshakeError,
} from '../proto/errors.js';

// ---- types -------------------------------------------------------------------------------
export type { ClientOptions } from './client.js';
export type { BrokerStats } from './broker-stats.js';
export type { ThrottleStats } from './throttle-stats.js';
export type { AclEntry, AclFilter, CreateUserOptions, QuotaEntitySpec, QuotaKeyName, UserDescription } from './security-admin.js';
export type { SaslOptions } from './sasl/sasl-options.js';
export type { PemInput, TlsOptions } from './tls-options.js';
export type { ScramMechanism } from '../proto/sasl/scram-mechanisms.js';
export type { RetryOptions } from './retry.js';
export type { Logger, LogFields } from './logger.js';
export type { SocketFactory, SocketHandlers, SocketOptions, StrataSocket } from './socket.js';
export type { Acks, ProducerMessage, ProducerOptions, ProducerRecord } from './producer-options.js';
export type { RecordMetadata, RecordRun } from './send-receipt.js';
export type { RecordData, HeadersInput } from './values.js';
export type {
  Assignment, ConsumerBatch, ConsumerOptions, ConsumerRecord, TopicPartition,
} from './consumer-options.js';
export type { OffsetSpec } from './list-offsets.js';
export type { AssignmentStrategy, GroupConsumerOptions, RebalanceListener } from './group/group-options.js';
export type { CommittedOffset, OffsetToCommit } from './group/group-requests.js';
export type {
  DeleteGroupResult, GroupDescription, GroupListing, GroupMemberDescription, GroupPartitionLag, GroupState,
  ResetOffsetsResult, ResetOffsetsSpec,
} from './group/group-admin.js';
export type {
  ClusterInfo, ClusterMetadata, FlushPolicy, NewTopic, OffsetQuerySpec, PartitionDescription, TopicConfig, TopicDescription,
  TopicResult,
} from './admin.js';
export type { SettingSource, SettingSynonym, TopicConfigAlteration, TopicSettingDescription } from './topic-settings.js';
export type { RecordHeader } from '../proto/record-batch.js';
export type { OffsetRange, ErrorSpec, StrataErrorOptions } from '../proto/errors.js';
export type { CompressionName } from '../proto/compression.js';
