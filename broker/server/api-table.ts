/**
 * THE list of Strata's APIs: one entry { name, handler } per API, handlers under api/. The
 * router (dispatch) and ApiVersions read it; each listener's codec maps its own messages onto
 * these names (the WebSocket codec one protobuf oneof case per entry, a Kafka codec one API key
 * per entry it serves), so a second protocol adds a codec, not handlers.
 *
 * Order matters only to ApiVersions, which lists the APIs in this order.
 */
import { handleAlterTopicConfigs, type AlterTopicConfigsCommand, type AlterTopicConfigsResult } from './api/alter-topic-configs.js';
import { apiVersionsHandler, type ApiVersionsCommand, type ApiVersionsResult } from './api/api-versions.js';
import { handleBrokerStats, type BrokerStatsCommand, type BrokerStatsResult } from './api/broker-stats.js';
import { handleClusterInfo, type ClusterInfoCommand, type ClusterInfoResult } from './api/cluster-info.js';
import { handleCreateUser, type CreateUserCommand, type CreateUserResult } from './api/create-user.js';
import { handleDeleteUser, type DeleteUserCommand, type DeleteUserResult } from './api/delete-user.js';
import { handleSaslAuthenticate, type SaslAuthenticateCommand, type SaslAuthenticateResult } from './api/sasl-authenticate.js';
import { handleSaslHandshake, type SaslHandshakeCommand, type SaslHandshakeResult } from './api/sasl-handshake.js';
import {
  handleCreateAcls, handleDeleteAcls, handleDescribeAcls, type CreateAclsCommand, type CreateAclsResult, type DeleteAclsCommand,
  type DeleteAclsResult, type DescribeAclsCommand, type DescribeAclsResult,
} from './api/acls.js';
import {
  handleAlterQuotas, handleDescribeQuotas, type AlterQuotasCommand, type AlterQuotasResult, type DescribeQuotasCommand,
  type DescribeQuotasResult,
} from './api/quotas.js';
import { handleListUsers, type ListUsersCommand, type ListUsersResult } from './api/list-users.js';
import { handleCreateTopics, type CreateTopicsCommand, type CreateTopicsResult } from './api/create-topics.js';
import { handleDeleteGroups, type DeleteGroupsCommand, type DeleteGroupsResult } from './api/delete-groups.js';
import { handleDeleteTopics, type DeleteTopicsCommand, type DeleteTopicsResult } from './api/delete-topics.js';
import { handleDescribeTopicConfigs, type DescribeTopicConfigsCommand, type DescribeTopicConfigsResult } from './api/describe-topic-configs.js';
import { handleDescribeGroup, type DescribeGroupCommand, type DescribeGroupResult } from './api/describe-group.js';
import { handleFetch, type FetchCommand, type FetchResult } from './api/fetch.js';
import { handleFindCoordinator, type FindCoordinatorCommand, type FindCoordinatorResult } from './api/find-coordinator.js';
import { handleHeartbeat, type HeartbeatCommand, type HeartbeatResult } from './api/heartbeat.js';
import { handleInitProducerId, type InitProducerIdCommand, type InitProducerIdResult } from './api/init-producer-id.js';
import { handleJoinGroup, type JoinGroupCommand, type JoinGroupResult } from './api/join-group.js';
import { handleLeaveGroup, type LeaveGroupCommand, type LeaveGroupResult } from './api/leave-group.js';
import { handleListGroups, type ListGroupsCommand, type ListGroupsResult } from './api/list-groups.js';
import { handleListOffsets, type ListOffsetsCommand, type ListOffsetsResult } from './api/list-offsets.js';
import { handleListTopics, type ListTopicsCommand, type ListTopicsResult } from './api/list-topics.js';
import { handleMetadata, type MetadataCommand, type MetadataResult } from './api/metadata.js';
import { handleOffsetCommit, type OffsetCommitCommand, type OffsetCommitResult } from './api/offset-commit.js';
import { handleOffsetFetch, type OffsetFetchCommand, type OffsetFetchResult } from './api/offset-fetch.js';
import {
  handleOffsetsForLeaderEpoch, handleReplicaFetch, type EpochEndOffsetCommand, type EpochEndOffsetResult, type ReplicaFetchCommand,
  type ReplicaFetchResult,
} from './api/replica-fetch.js';
import { handleProduce, type ProduceCommand, type ProduceResult } from './api/produce.js';
import { handleResetOffsets, type ResetOffsetsCommand, type ResetOffsetsResult } from './api/reset-offsets.js';
import {
  handleSubscribe, handleSubscriptionCredit, handleUnsubscribe, type SubscribeCommand, type SubscribeResult, type SubscriptionCreditCommand,
  type SubscriptionCreditResult, type UnsubscribeCommand, type UnsubscribeResult,
} from './api/subscribe.js';
import type { NoResponse, RequestContext } from './request-context.js';

/** Each API's command and result types. */
export interface Apis {
  apiVersions: { command: ApiVersionsCommand; result: ApiVersionsResult };
  createTopics: { command: CreateTopicsCommand; result: CreateTopicsResult };
  deleteTopics: { command: DeleteTopicsCommand; result: DeleteTopicsResult };
  listTopics: { command: ListTopicsCommand; result: ListTopicsResult };
  metadata: { command: MetadataCommand; result: MetadataResult };
  produce: { command: ProduceCommand; result: ProduceResult };
  fetch: { command: FetchCommand; result: FetchResult };
  listOffsets: { command: ListOffsetsCommand; result: ListOffsetsResult };
  initProducerId: { command: InitProducerIdCommand; result: InitProducerIdResult };
  joinGroup: { command: JoinGroupCommand; result: JoinGroupResult };
  heartbeat: { command: HeartbeatCommand; result: HeartbeatResult };
  leaveGroup: { command: LeaveGroupCommand; result: LeaveGroupResult };
  offsetCommit: { command: OffsetCommitCommand; result: OffsetCommitResult };
  offsetFetch: { command: OffsetFetchCommand; result: OffsetFetchResult };
  listGroups: { command: ListGroupsCommand; result: ListGroupsResult };
  describeGroup: { command: DescribeGroupCommand; result: DescribeGroupResult };
  resetOffsets: { command: ResetOffsetsCommand; result: ResetOffsetsResult };
  deleteGroups: { command: DeleteGroupsCommand; result: DeleteGroupsResult };
  findCoordinator: { command: FindCoordinatorCommand; result: FindCoordinatorResult };
  clusterInfo: { command: ClusterInfoCommand; result: ClusterInfoResult };
  describeTopicConfigs: { command: DescribeTopicConfigsCommand; result: DescribeTopicConfigsResult };
  alterTopicConfigs: { command: AlterTopicConfigsCommand; result: AlterTopicConfigsResult };
  createUser: { command: CreateUserCommand; result: CreateUserResult };
  listUsers: { command: ListUsersCommand; result: ListUsersResult };
  deleteUser: { command: DeleteUserCommand; result: DeleteUserResult };
  replicaFetch: { command: ReplicaFetchCommand; result: ReplicaFetchResult };
  offsetsForLeaderEpoch: { command: EpochEndOffsetCommand; result: EpochEndOffsetResult };
  brokerStats: { command: BrokerStatsCommand; result: BrokerStatsResult };
  saslHandshake: { command: SaslHandshakeCommand; result: SaslHandshakeResult };
  saslAuthenticate: { command: SaslAuthenticateCommand; result: SaslAuthenticateResult };
  createAcls: { command: CreateAclsCommand; result: CreateAclsResult };
  describeAcls: { command: DescribeAclsCommand; result: DescribeAclsResult };
  deleteAcls: { command: DeleteAclsCommand; result: DeleteAclsResult };
  alterQuotas: { command: AlterQuotasCommand; result: AlterQuotasResult };
  describeQuotas: { command: DescribeQuotasCommand; result: DescribeQuotasResult };
  subscribe: { command: SubscribeCommand; result: SubscribeResult };
  subscriptionCredit: { command: SubscriptionCreditCommand; result: SubscriptionCreditResult };
  unsubscribe: { command: UnsubscribeCommand; result: UnsubscribeResult };
}

export type ApiName = keyof Apis;
export type ApiCommand<N extends ApiName> = Apis[N]['command'];
export type ApiResult<N extends ApiName> = Apis[N]['result'];
export type ApiHandler<N extends ApiName> = (ctx: RequestContext, command: ApiCommand<N>) => Promise<ApiResult<N> | NoResponse>;

export interface ApiEntry<N extends ApiName> {
  readonly name: N;
  readonly handler: ApiHandler<N>;
}
export type AnyApiEntry = { [N in ApiName]: ApiEntry<N> }[ApiName];

function entry<N extends ApiName>(name: N, handler: ApiHandler<N>): ApiEntry<N> {
  return { name, handler };
}

export const API_TABLE: readonly AnyApiEntry[] = Object.freeze([
  entry('apiVersions', apiVersionsHandler(() => API_NAMES)),
  entry('createTopics', handleCreateTopics),
  entry('deleteTopics', handleDeleteTopics),
  entry('listTopics', handleListTopics),
  entry('metadata', handleMetadata),
  entry('produce', handleProduce),
  entry('fetch', handleFetch),
  entry('listOffsets', handleListOffsets),
  entry('initProducerId', handleInitProducerId),
  entry('joinGroup', handleJoinGroup),
  entry('heartbeat', handleHeartbeat),
  entry('leaveGroup', handleLeaveGroup),
  entry('offsetCommit', handleOffsetCommit),
  entry('offsetFetch', handleOffsetFetch),
  entry('listGroups', handleListGroups),
  entry('describeGroup', handleDescribeGroup),
  entry('resetOffsets', handleResetOffsets),
  entry('deleteGroups', handleDeleteGroups),
  entry('findCoordinator', handleFindCoordinator),
  entry('clusterInfo', handleClusterInfo),
  entry('describeTopicConfigs', handleDescribeTopicConfigs),
  entry('alterTopicConfigs', handleAlterTopicConfigs),
  entry('createUser', handleCreateUser),
  entry('listUsers', handleListUsers),
  entry('deleteUser', handleDeleteUser),
  entry('replicaFetch', handleReplicaFetch),
  entry('offsetsForLeaderEpoch', handleOffsetsForLeaderEpoch),
  entry('brokerStats', handleBrokerStats),
  entry('saslHandshake', handleSaslHandshake),
  entry('saslAuthenticate', handleSaslAuthenticate),
  entry('createAcls', handleCreateAcls),
  entry('describeAcls', handleDescribeAcls),
  entry('deleteAcls', handleDeleteAcls),
  entry('alterQuotas', handleAlterQuotas),
  entry('describeQuotas', handleDescribeQuotas),
  entry('subscribe', handleSubscribe),
  entry('subscriptionCredit', handleSubscriptionCredit),
  entry('unsubscribe', handleUnsubscribe),
]);

export const API_NAMES: readonly ApiName[] = Object.freeze(API_TABLE.map((e) => e.name));

const HANDLERS: ReadonlyMap<string, AnyApiEntry['handler']> = new Map(API_TABLE.map((e) => [e.name, e.handler]));

/** The handler of `name`, or undefined for a name that is not in the table. */
export function handlerOf<N extends ApiName>(name: N): ApiHandler<N>;
export function handlerOf(name: string): ApiHandler<ApiName> | undefined;
export function handlerOf(name: string): ApiHandler<ApiName> | undefined {
  return HANDLERS.get(name) as ApiHandler<ApiName> | undefined;
}

/**
 * False for requests the client wants no answer to, not even an error: produce with acks
 * 'none', and subscription credit (it flows often; an answer would double its frames).
 */
export function expectsAnswer(api: string, command: unknown): boolean {
  return !((api === 'produce' && (command as ProduceCommand).acks === 'none') || api === 'subscriptionCredit');
}
