import { describe, expect, it } from 'vitest';
import { partitionMetricsText, SCRAPE_SERIES_PER_SLICE } from '../../../broker/metrics/partition-metrics-text.js';
import type { GroupCoordinator } from '../../../broker/groups/group-coordinator.js';
import type { TopicManager } from '../../../broker/topics/topic-manager.js';
import { promtoolCheck, samplesOf, valueOf } from '../../integration/metrics/prometheus-text.js';

function fakePartitions(n: number) {
  return Array.from({ length: n }, (_, i) => ({
    topic: `t${i}`, index: 0, logEndOffset: 10 + i, logStartOffset: i, highWatermark: 9 + i, sizeBytes: 100 * i, segmentCount: 1,
    log: { isClosed: false },
  }));
}

function sources(n: number, offsets: Record<string, Array<{ topic: string; partition: number; offset: number }>>) {
  const parts = fakePartitions(n);
  const topics = { allPartitions: () => parts, getPartition: (t: string) => parts.find((p) => p.topic === t) } as unknown as TopicManager;
  const groups = { offsets: { groups: () => Object.keys(offsets), groupOffsets: (g: string) => offsets[g]! } } as unknown as GroupCoordinator;
  return { topics, groups };
}

describe('partition metrics text', () => {
  it('writes every partition and group series, escaping group names, in text promtool accepts', async () => {
    const weird = 'g "quoted" \\ back\nslash';
    const { topics, groups } = sources(3, { [weird]: [{ topic: 't1', partition: 0, offset: 4 }], plain: [{ topic: 'gone', partition: 0, offset: 1 }] });
    const text = await partitionMetricsText(topics, groups);
    const lint = await promtoolCheck(text);
    expect(lint.code, lint.lines.join('\n')).toBe(0);
    const samples = samplesOf(text);
    expect(valueOf(samples, 'strata_partition_log_end_offset', { topic: 't2', partition: '0' })).toBe(12);
    expect(valueOf(samples, 'strata_partition_size_bytes', { topic: 't2', partition: '0' })).toBe(200);
    expect(text).toContain('strata_consumer_group_lag{group="g \\"quoted\\" \\\\ back\\nslash",topic="t1",partition="0"} 6');
    // A committed offset of a partition that no longer exists has no lag, but stays visible.
    expect(text).toContain('strata_consumer_group_committed_offset{group="plain",topic="gone",partition="0"} 1');
    expect(text).not.toContain('strata_consumer_group_lag{group="plain"');
  });

  it('yields to the event loop while walking many partitions', async () => {
    const { topics, groups } = sources(SCRAPE_SERIES_PER_SLICE * 4, {});
    let ranDuring = false;
    let done = false;
    setImmediate(() => { ranDuring = !done; });
    await partitionMetricsText(topics, groups);
    done = true;
    expect(ranDuring).toBe(true);
  });
});
