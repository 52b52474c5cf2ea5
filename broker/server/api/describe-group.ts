/**
 * DescribeGroup: state, generation, members with their partitions, and per partition the
 * committed offset, log end offset (high watermark), lag and owning member.
 * GroupIdNotFoundError when the group has neither members nor committed offsets.
 */
import type { GroupDescription } from '../../groups/group-coordinator.js';
import type { RequestContext } from '../request-context.js';

export interface DescribeGroupCommand {
  readonly groupId: string;
}

export type DescribeGroupResult = GroupDescription;

export async function handleDescribeGroup(ctx: RequestContext, cmd: DescribeGroupCommand): Promise<DescribeGroupResult> {
  return ctx.services.groups.describeGroup(cmd.groupId);
}
