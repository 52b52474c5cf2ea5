/**
 * Which ACL each request needs, for every API of both listeners, checked by the security hook
 * before the handler runs (connection-core.ts) — Kafka's model, as KafkaApis checks it:
 *
 *   produce                    WRITE on each topic (*)      fetch, offsetCommit  READ on each topic (*) (+ READ on the group)
 *   listOffsets                DESCRIBE on each topic (*)   createTopics        CREATE on the cluster or each topic
 *   deleteTopics               DELETE on each topic         *TopicConfigs       DESCRIBE_CONFIGS / ALTER_CONFIGS per topic
 *   join/sync/heartbeat/leave  READ on the group            offsetFetch         DESCRIBE on the group (+ each topic)
 *   describeGroup(s), findCoordinator  DESCRIBE on the group   deleteGroups     DELETE on each group
 *   resetOffsets               READ on the group and topic  listGroups, clusterInfo, brokerStats  DESCRIBE on the cluster
 *   initProducerId             IDEMPOTENT_WRITE on the cluster, or WRITE on some topic
 *   metadata, listTopics       nothing here: the handlers leave out (or refuse) topics the caller may not describe
 *   user administration        checked in its handlers (ALTER / DESCRIBE on the cluster)
 *
 * (*) Checked per topic in the handlers, as Kafka's KafkaApis does for these four APIs: a request
 * naming several topics answers TopicAuthorizationFailedError (Kafka's code 29) for each partition
 * of a topic the caller may not use and serves the others (topicRefusal below, on both listeners).
 * The check comes before any existence check, so a refused topic looks the same whether it exists
 * or not. OffsetCommit's group right is still checked here, for the whole request.
 *
 * Every other check refuses the request whole with the first failing check's error
 * (TopicAuthorizationFailedError, GroupAuthorizationFailedError, ClusterAuthorizationFailedError;
 * Kafka's codes 29, 30, 31 on the Kafka listener, in each API's own layout). Anything not listed
 * here (replication between brokers, APIs added later) is for super users only: the table fails
 * closed.
 *
 * Commands come in two shapes: the wire-neutral commands of the shared handlers, and on the Kafka
 * listener the decoded Kafka request (`{ body }`) for the APIs it answers itself. Names are read
 * defensively; a shape that cannot be read refuses.
 */
import { ClusterAuthorizationFailedError, GroupAuthorizationFailedError, TopicAuthorizationFailedError, type StrataError } from '../../proto/errors.js';
import type { RequestContext } from '../server/request-context.js';
import { CLUSTER_RESOURCE_NAME, type AclOperation, type ResourceType } from './acl.js';
import type { Authorizer } from './authorizer.js';

interface Check {
  readonly type: ResourceType;
  readonly name: string;
  readonly op: AclOperation;
}

type Rule = (command: Record<string, unknown>) => Check[] | 'any-topic-write';

/** APIs that need no ACL (the login itself) or check in their handlers. */
export const UNCHECKED_APIS: ReadonlySet<string> = new Set([
  'apiVersions', 'saslHandshake', 'saslAuthenticate', 'metadata', 'listTopics', 'createUser', 'listUsers', 'deleteUser',
  'createAcls', 'describeAcls', 'deleteAcls', 'alterQuotas', 'describeQuotas',
]);

const str = (v: unknown): string => (typeof v === 'string' ? v : '\u0000unreadable');
const list = (v: unknown): Array<Record<string, unknown>> => (Array.isArray(v) ? v as Array<Record<string, unknown>> : []);
const body = (c: Record<string, unknown>): Record<string, unknown> => (c.body && typeof c.body === 'object' ? c.body as Record<string, unknown> : c);
const topic = (name: unknown, op: AclOperation): Check => ({ type: 'topic', name: str(name), op });
const group = (name: unknown, op: AclOperation): Check => ({ type: 'group', name: str(name), op });
const cluster = (op: AclOperation): Check => ({ type: 'cluster', name: CLUSTER_RESOURCE_NAME, op });
const topicNames = (topics: unknown): unknown[] => list(topics).map((t) => t.name ?? t.topic);
const unique = (checks: Check[]): Check[] => [...new Map(checks.map((c) => [`${c.type}\u0000${c.name}\u0000${c.op}`, c])).values()];

const RULES: Readonly<Record<string, Rule>> = {
  // Topics per item, in the handlers (topicRefusal).
  produce: () => [],
  fetch: () => [],
  // Push delivery: READ per topic in the subscribe handler, and again on every check of a subscription.
  subscribe: () => [],
  subscriptionCredit: () => [],
  unsubscribe: () => [],
  listOffsets: () => [],
  offsetForLeaderEpoch: (c) => topicNames(body(c).topics).map((n) => topic(n, 'describe')),
  createTopics: (c) => topicNames(body(c).topics).map((n) => topic(n, 'create')),
  deleteTopics: (c) => (Array.isArray(c.names) ? c.names : topicNames(body(c).topics ?? body(c).topicNames)).map((n) => topic(n, 'delete')),
  // No topics named: all of them, so the cluster-wide right.
  describeTopicConfigs: (c) => (Array.isArray(c.topics) && c.topics.length > 0
    ? (c.topics as unknown[]).map((n) => topic(n, 'describe-configs')) : [cluster('describe-configs')]),
  alterTopicConfigs: (c) => (Array.isArray(c.topics) ? (c.topics as Array<Record<string, unknown> | string>).map((t) => topic(typeof t === 'string' ? t : t.name, 'alter-configs')) : [topic(c.topic, 'alter-configs')]),
  describeConfigs: (c) => list(body(c).resources).map((r) => topic(r.resourceName, 'describe-configs')),
  alterConfigs: (c) => list(body(c).resources).map((r) => topic(r.resourceName, 'alter-configs')),
  incrementalAlterConfigs: (c) => list(body(c).resources).map((r) => topic(r.resourceName, 'alter-configs')),
  joinGroup: (c) => [group(body(c).groupId, 'read')],
  syncGroup: (c) => [group(body(c).groupId, 'read')],
  heartbeat: (c) => [group(body(c).groupId, 'read')],
  leaveGroup: (c) => [group(body(c).groupId, 'read')],
  offsetCommit: (c) => [group(body(c).groupId, 'read')],
  offsetFetch: (c) => {
    const b = body(c);
    const topics = Array.isArray(c.partitions) ? (c.partitions as Array<Record<string, unknown>>).map((p) => p.topic) : topicNames(b.topics);
    return [group(b.groupId, 'describe'), ...topics.map((n) => topic(n, 'describe'))];
  },
  resetOffsets: (c) => [group(c.groupId, 'read'), topic(c.topic, 'read')],
  describeGroup: (c) => [group(c.groupId, 'describe')],
  describeGroups: (c) => (Array.isArray(body(c).groups) ? (body(c).groups as unknown[]) : []).map((g) => group(g, 'describe')),
  deleteGroups: (c) => (Array.isArray(c.groupIds) ? c.groupIds as unknown[] : (body(c).groupsNames as unknown[] ?? [])).map((g) => group(g, 'delete')),
  findCoordinator: (c) => {
    const b = body(c);
    if (typeof c.groupId === 'string') return [group(c.groupId, 'describe')];
    const keys = Array.isArray(b.coordinatorKeys) && b.coordinatorKeys.length > 0 ? b.coordinatorKeys as unknown[] : [b.key];
    // keyType 1 is a transactional id: there is no transaction coordinator to find.
    return b.keyType === 1 ? [cluster('describe')] : keys.map((k) => group(k, 'describe'));
  },
  listGroups: () => [cluster('describe')],
  clusterInfo: () => [cluster('describe')],
  brokerStats: () => [cluster('describe')],
  initProducerId: () => 'any-topic-write',
};

function denial(check: Check, principal: string): StrataError {
  const what = `${principal} may not ${check.op} ${check.type} ${check.name}`;
  if (check.type === 'topic') return new TopicAuthorizationFailedError(what);
  if (check.type === 'group') return new GroupAuthorizationFailedError(what);
  return new ClusterAuthorizationFailedError(what);
}

/** The error refusing this request, or null when the principal may make it. */
export function requestDenial(authorizer: Authorizer, ctx: RequestContext, api: string, command: unknown): StrataError | null {
  const principal = ctx.principal;
  if (UNCHECKED_APIS.has(api) || authorizer.isSuperUser(principal)) return null;
  const rule = RULES[api];
  if (!rule) return new ClusterAuthorizationFailedError(`${api} is for super users only`);
  const checks = command !== null && typeof command === 'object' ? rule(command as Record<string, unknown>) : [cluster('all')];
  if (checks === 'any-topic-write') {
    const ok = authorizer.authorize(principal, 'idempotent-write', 'cluster', CLUSTER_RESOURCE_NAME)
      || authorizer.authorizeAny(principal, 'write', 'topic');
    return ok ? null : new ClusterAuthorizationFailedError(`${principal} may not get a producer id: it needs idempotent-write on the cluster or write on a topic`);
  }
  for (const check of unique(checks)) {
    // createTopics: CREATE on the cluster covers every topic, as in Kafka.
    if (check.type === 'topic' && check.op === 'create' && authorizer.authorize(principal, 'create', 'cluster', CLUSTER_RESOURCE_NAME)) continue;
    if (!authorizer.authorize(principal, check.op, check.type, check.name)) return denial(check, principal);
  }
  return null;
}

/** Whether the caller may see the topic in listings (Metadata, ListTopics): DESCRIBE on it. */
export function mayDescribeTopic(ctx: RequestContext, name: string): boolean {
  const security = ctx.services.security;
  if (!security?.enforcing) return true;
  return security.authorizer.authorize(ctx.principal, 'describe', 'topic', name);
}

/**
 * Per-topic refusal inside a handler (the (*) APIs above): TopicAuthorizationFailedError when the
 * caller may not `op` the topic, null when it may or nothing is enforced. Called once per topic of
 * a request, not per partition or record; the authorizer answers from its decision cache.
 */
export function topicRefusal(ctx: Pick<RequestContext, 'services' | 'principal'>, op: AclOperation, name: string): StrataError | null {
  const security = ctx.services.security;
  if (!security?.enforcing || security.authorizer.authorize(ctx.principal, op, 'topic', name)) return null;
  security.stats.authorizationsDenied++;
  return new TopicAuthorizationFailedError(`${ctx.principal} may not ${op} topic ${name}`);
}
