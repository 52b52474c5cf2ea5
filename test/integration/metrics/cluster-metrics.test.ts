/**
 * The cluster metrics of real broker processes (`--cluster` with a real etcd): a leader reports
 * the partitions it leads, none under-replicated while its follower keeps up, and an ISR shrink
 * with an under-replicated partition once the follower is killed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Strata } from '../../../client/index.js';
import { startBrokerCluster, type BrokerCluster } from '../../cluster/harness/broker-cluster.js';
import { until } from '../../cluster/harness/nodes.js';
import { promtoolCheck, samplesOf, valueOf } from './prometheus-text.js';

let cluster: BrokerCluster;

beforeAll(async () => { cluster = await startBrokerCluster({ brokers: 2, args: ['--replica-lag-ms', '500'] }); }, 60_000);
afterAll(async () => { await cluster?.stop(); });

async function scrape(id: number) {
  const text = await (await fetch(`${cluster.url(id).replace(/^ws:/, 'http:')}/metrics`)).text();
  return { text, samples: samplesOf(text) };
}

describe('cluster metrics', () => {
  it('count led partitions, under-replicated ones and ISR shrinks on the leader', async () => {
    const client = new Strata({ brokers: cluster.bootstrap(), retry: { retries: 10 } });
    try {
      await client.admin().createTopic({ name: 'rf2', partitions: 1, replicationFactor: 2 });
      const [t] = await client.admin().describeTopics(['rf2']);
      const leader = t!.partitions[0]!.leader;
      const follower = cluster.ids.find((id) => id !== leader)!;
      await client.producer({ acks: 'all' }).send({ topic: 'rf2', messages: [{ value: 'replicated' }] });

      const before = await scrape(leader);
      expect((await promtoolCheck(before.text)).lines.filter((l) => l.startsWith('strata_') || /pars/i.test(l))).toEqual([]);
      expect(valueOf(before.samples, 'strata_leader_partitions')).toBeGreaterThanOrEqual(1);
      expect(valueOf(before.samples, 'strata_isr_shrinks_total')).toBe(0);
      const underBefore = valueOf(before.samples, 'strata_under_replicated_partitions')!;

      await cluster.kill(follower);
      // Writes the dead follower never fetches: it falls behind and leaves the ISR after --replica-lag-ms.
      await client.producer({ acks: 'leader' }).send({ topic: 'rf2', messages: [{ value: 'leader only' }] });
      await until(async () => valueOf((await scrape(leader)).samples, 'strata_isr_shrinks_total')! >= 1, 15_000, 'an ISR shrink on the leader');
      const after = await scrape(leader);
      expect(valueOf(after.samples, 'strata_under_replicated_partitions')).toBeGreaterThan(underBefore);
      expect(valueOf(after.samples, 'strata_under_min_isr_partitions')).toBeGreaterThanOrEqual(0);
    } finally {
      await client.close();
    }
  });
});
