/**
 * DescribeGroup: state, generation, members with their partitions, and per partition the
 * committed offset, log end offset (high watermark), lag and owning member.
 * GroupIdNotFoundError when the group has neither members nor committed offsets.
 */
import type { strata } from '../../../proto/gen/strata.js';
import { topicPartitionsToWire } from '../../groups/topic-partitions.js';
import type { RequestContext } from '../request-context.js';

export async function handleDescribeGroup(
  ctx: RequestContext,
  req: strata.v1.DescribeGroupRequest.$Properties,
): Promise<strata.v1.DescribeGroupResponse.$Properties> {
  const d = ctx.services.groups.describeGroup(req.groupId ?? '');
  return {
    groupId: d.groupId,
    state: d.state,
    strategy: d.strategy,
    generationId: d.generationId,
    members: d.members.map((m) => ({
      memberId: m.memberId, clientId: m.clientId, topics: [...m.topics], assignment: topicPartitionsToWire(m.assignment),
    })),
    partitions: d.partitions,
  };
}
