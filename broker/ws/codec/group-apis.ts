/** WebSocket codecs of the consumer-group APIs. */
import { InvalidRequestError } from '../../../proto/errors.js';
import { strata } from '../../../proto/gen/strata.js';
import type { ResetTarget } from '../../groups/group-coordinator.js';
import { byTopic, wireError, type WsApiCodec } from './api-codec.js';
import { topicPartitionsFromWire, topicPartitionsToWire } from './wire-shapes.js';

const RESET_TARGETS: Readonly<Record<number, ResetTarget>> = {
  [strata.v1.OffsetResetTarget.OFFSET_RESET_TARGET_EARLIEST]: 'earliest',
  [strata.v1.OffsetResetTarget.OFFSET_RESET_TARGET_LATEST]: 'latest',
  [strata.v1.OffsetResetTarget.OFFSET_RESET_TARGET_OFFSET]: 'offset',
  [strata.v1.OffsetResetTarget.OFFSET_RESET_TARGET_TIMESTAMP]: 'timestamp',
};

const empty = (): Record<string, never> => ({});

export const joinGroup: WsApiCodec<'joinGroup'> = {
  command: (b: strata.v1.JoinGroupRequest) => ({
    groupId: b.groupId ?? '',
    memberId: b.memberId ?? '',
    clientId: b.clientId ?? '',
    topics: b.topics ?? [],
    strategy: b.strategy ?? '',
    sessionTimeoutMs: b.sessionTimeoutMs ?? 0,
    rebalanceTimeoutMs: b.rebalanceTimeoutMs ?? 0,
    owned: topicPartitionsFromWire(b.owned),
    groupInstanceId: b.groupInstanceId ?? '',
  }),
  response: (r) => ({
    memberId: r.memberId,
    generationId: r.generationId,
    strategy: r.strategy,
    assignment: topicPartitionsToWire(r.assignment),
    memberCount: r.memberCount,
    revocationsPending: r.revocationsPending,
  }),
};

export const heartbeat: WsApiCodec<'heartbeat'> = {
  command: (b: strata.v1.HeartbeatRequest) => ({
    groupId: b.groupId ?? '', memberId: b.memberId ?? '', generationId: b.generationId ?? 0, maxWaitMs: b.maxWaitMs ?? 0,
  }),
  response: empty,
};

export const leaveGroup: WsApiCodec<'leaveGroup'> = {
  command: (b: strata.v1.LeaveGroupRequest) => ({ groupId: b.groupId ?? '', memberId: b.memberId ?? '' }),
  response: empty,
};

export const offsetCommit: WsApiCodec<'offsetCommit'> = {
  command: (b: strata.v1.OffsetCommitRequest) => ({
    groupId: b.groupId ?? '',
    memberId: b.memberId ?? '',
    generationId: b.generationId ?? 0,
    offsets: (b.topics ?? []).flatMap((t) => (t.partitions ?? []).map((p) => ({
      topic: t.name ?? '', partition: p.partition ?? 0, offset: Number(p.offset ?? 0), metadata: p.metadata ?? '',
    }))),
  }),
  response: (r) => ({
    topics: r.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => (p.error ? { partition: p.partition, error: wireError(p.error) } : { partition: p.partition })),
    })),
  }),
};

export const offsetFetch: WsApiCodec<'offsetFetch'> = {
  command: (b: strata.v1.OffsetFetchRequest) => ({ groupId: b.groupId ?? '', partitions: topicPartitionsFromWire(b.topics) }),
  response: (r) => ({
    topics: byTopic(r.offsets, (f) => ({ partition: f.partition, offset: f.offset, metadata: f.metadata, commitTimestamp: f.commitTimestamp })),
  }),
};

export const listGroups: WsApiCodec<'listGroups'> = {
  command: empty,
  response: (r) => r,
};

export const describeGroup: WsApiCodec<'describeGroup'> = {
  command: (b: strata.v1.DescribeGroupRequest) => ({ groupId: b.groupId ?? '' }),
  response: (d) => ({
    groupId: d.groupId,
    state: d.state,
    strategy: d.strategy,
    generationId: d.generationId,
    members: d.members.map((m) => ({
      memberId: m.memberId, clientId: m.clientId, topics: [...m.topics], assignment: topicPartitionsToWire(m.assignment),
    })),
    partitions: d.partitions,
  }),
};

export const resetOffsets: WsApiCodec<'resetOffsets'> = {
  command: (b: strata.v1.ResetOffsetsRequest) => {
    const target = RESET_TARGETS[b.target ?? 0];
    if (!target) throw new InvalidRequestError(`unknown offset reset target ${b.target}`);
    return {
      groupId: b.groupId ?? '', topic: b.topic ?? '', partitions: b.partitions ?? [], target, value: Number(b.value ?? 0), dryRun: b.dryRun ?? false,
    };
  },
  response: (r) => ({
    topic: r.topic,
    partitions: r.partitions.map((o) => ({
      partition: o.partition, previousOffset: o.previousOffset, offset: o.offset, ...(o.error ? { error: wireError(o.error) } : {}),
    })),
  }),
};

export const deleteGroups: WsApiCodec<'deleteGroups'> = {
  command: (b: strata.v1.DeleteGroupsRequest) => ({ groupIds: b.groupIds ?? [] }),
  response: (r) => ({ groups: r.groups.map((g) => (g.error ? { groupId: g.groupId, error: wireError(g.error) } : { groupId: g.groupId })) }),
};
