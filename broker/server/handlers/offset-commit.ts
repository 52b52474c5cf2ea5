/**
 * OffsetCommit: answered once the offsets are durable in the offsets log (under the `always`
 * flush policy, after the fsync). A stale generation or unknown member fails the request;
 * a bad partition fails only its own entry.
 */
import { errorToWire } from '../../../proto/errors.js';
import type { strata } from '../../../proto/gen/strata.js';
import type { CommitInput } from '../../groups/group-coordinator.js';
import type { RequestContext } from '../request-context.js';

export async function handleOffsetCommit(
  ctx: RequestContext,
  req: strata.v1.OffsetCommitRequest.$Properties,
): Promise<strata.v1.OffsetCommitResponse.$Properties> {
  const offsets: CommitInput[] = [];
  for (const t of req.topics ?? []) {
    for (const p of t.partitions ?? []) {
      offsets.push({ topic: t.name ?? '', partition: p.partition ?? 0, offset: Number(p.offset ?? 0), metadata: p.metadata ?? '' });
    }
  }
  const outcomes = await ctx.services.groups.commit(req.groupId ?? '', req.memberId ?? '', req.generationId ?? 0, offsets);
  const byTopic = new Map<string, strata.v1.OffsetCommitPartitionResponse.$Properties[]>();
  for (const o of outcomes) {
    let list = byTopic.get(o.topic);
    if (!list) byTopic.set(o.topic, (list = []));
    list.push(o.error ? { partition: o.partition, error: errorToWire(o.error) } : { partition: o.partition });
  }
  return { topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })) };
}
