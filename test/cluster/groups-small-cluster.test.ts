/**
 * A cluster smaller than the offsets topic's replication factor (one broker): the controller
 * does not create `__consumer_offsets`, the first FindCoordinator does, with every live broker a
 * replica, and a consumer group then works on it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Strata } from '../../client/index.js';
import { startBrokerCluster, type BrokerCluster } from './harness/broker-cluster.js';

let cluster: BrokerCluster;

beforeAll(async () => {
  cluster = await startBrokerCluster({ brokers: 1, args: ['--offsets-topic-partitions', '2'] });
}, 60_000);
afterAll(async () => { await cluster?.stop(); });

describe('consumer groups in a one-broker cluster', () => {
  it('creates the offsets topic (RF 1) on the first FindCoordinator; a group commits and reads back its offsets', async () => {
    const before = await cluster.cli(['cluster', 'info', '--format', 'json']);
    expect(before.code, before.stderr).toBe(0);
    expect((JSON.parse(before.stdout) as { topics: Array<{ name: string }> }).topics.map((t) => t.name)).not.toContain('__consumer_offsets');
    const client = new Strata({ brokers: cluster.bootstrap(), retry: { retries: 20 } });
    try {
      await client.admin().createTopic({ name: 'small', partitions: 1 });
      const producer = client.producer({ acks: 'all' });
      await producer.send({ topic: 'small', messages: Array.from({ length: 10 }, (_, i) => ({ value: `v${i}` })) });
      await producer.close();
      const member = client.consumer({ groupId: 'small-group', decode: 'utf8', autoOffsetReset: 'earliest', maxWaitMs: 100 });
      await member.subscribe('small');
      const it = member[Symbol.asyncIterator]();
      for (let i = 0; i < 10; i++) expect((await it.next()).value.value).toBe(`v${i}`);
      // Leaving the loop marks the last record processed.
      await it.return?.();
      await member.commit();
      expect((await member.committed()).map((c) => c.offset)).toEqual([10]);
      await member.close();
      const info = await cluster.cli(['cluster', 'info', '--topic', '__consumer_offsets', '--format', 'json']);
      const doc = JSON.parse(info.stdout) as { topics: Array<{ partitions: Array<{ replicas: number[]; leader: number }> }> };
      expect(doc.topics[0]!.partitions).toHaveLength(2);
      for (const p of doc.topics[0]!.partitions) expect(p.replicas).toEqual([1]);
      expect((await client.groupAdmin().fetchOffsets('small-group')).map((c) => c.offset)).toEqual([10]);
    } finally {
      await client.close();
    }
  }, 60_000);
});
