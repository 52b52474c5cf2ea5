/** OffsetFetch: committed offsets (-1 where none); all of the group's when no partition is named. */
import type { TopicPartition } from '../../groups/assignor.js';
import type { FetchedOffset } from '../../groups/group-coordinator.js';
import type { RequestContext } from '../request-context.js';

export interface OffsetFetchCommand {
  readonly groupId: string;
  /** Empty: every partition the group committed. */
  readonly partitions: readonly TopicPartition[];
}

export interface OffsetFetchResult {
  readonly offsets: FetchedOffset[];
}

export async function handleOffsetFetch(ctx: RequestContext, cmd: OffsetFetchCommand): Promise<OffsetFetchResult> {
  return { offsets: ctx.services.groups.fetchOffsets(cmd.groupId, cmd.partitions) };
}
