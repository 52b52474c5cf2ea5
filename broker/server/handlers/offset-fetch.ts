/** OffsetFetch: committed offsets (-1 where none); all of the group's when no topic is named. */
import type { strata } from '../../../proto/gen/strata.js';
import { topicPartitionsFromWire } from '../../groups/topic-partitions.js';
import type { RequestContext } from '../request-context.js';

export async function handleOffsetFetch(
  ctx: RequestContext,
  req: strata.v1.OffsetFetchRequest.$Properties,
): Promise<strata.v1.OffsetFetchResponse.$Properties> {
  const fetched = ctx.services.groups.fetchOffsets(req.groupId ?? '', topicPartitionsFromWire(req.topics));
  const byTopic = new Map<string, strata.v1.OffsetFetchPartition.$Properties[]>();
  for (const f of fetched) {
    let list = byTopic.get(f.topic);
    if (!list) byTopic.set(f.topic, (list = []));
    list.push({ partition: f.partition, offset: f.offset, metadata: f.metadata, commitTimestamp: f.commitTimestamp });
  }
  return { topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })) };
}
