/**
 * Kafka clients' consumer groups across kill -9 of their coordinator, in a cluster of three real
 * brokers on a real etcd. Two kcat (librdkafka) members: librdkafka looks for the coordinator
 * again and goes on heartbeating with its member id and generation, and the new coordinator,
 * which restored the group from its metadata record, answers them in that generation — the same
 * member ids, the same generation, every record read once. (kafkajs, by contrast, restarts its
 * consumer when its coordinator's broker dies and comes back as a new member: one rebalance.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OffsetStore } from '../../broker/groups/offset-store.js';
import { Strata } from '../../client/index.js';
import { kcatProcess, type KcatProcess } from '../integration/kafka/harness.js';
import { startBrokerCluster, type BrokerCluster } from './harness/broker-cluster.js';
import { until } from './harness/nodes.js';

const OFFSETS_PARTITIONS = 3;
const TOPIC = 'kgf';
const GROUP = 'kgf-group';
const PARTITIONS = 4;
const N = 400;

let cluster: BrokerCluster;

beforeAll(async () => {
  cluster = await startBrokerCluster({ brokers: 3, args: ['--kafka-listen', '127.0.0.1:0', '--offsets-topic-partitions', String(OFFSETS_PARTITIONS)] });
}, 60_000);
afterAll(async () => { await cluster?.stop(); });

describe('a Kafka consumer group in a cluster', () => {
  it('two kcat members keep their member ids and generation across kill -9 of their coordinator; every record read once', async () => {
    const client = new Strata({ brokers: cluster.bootstrap(), retry: { retries: 50 } });
    const members: KcatProcess[] = [];
    try {
      await client.admin().createTopic({ name: TOPIC, partitions: PARTITIONS, replicationFactor: 3 });
      const produce = async (from: number, to: number): Promise<void> => {
        const producer = client.producer({ acks: 'all', idempotent: true, lingerMs: 2 });
        const sends = [];
        for (let i = from; i < to; i++) sends.push(producer.send({ topic: TOPIC, messages: [{ value: `v${i}`, partition: i % PARTITIONS }] }));
        await Promise.all(sends);
        await producer.close();
      };
      await produce(0, N);
      const coordinator = async (): Promise<number> => {
        const info = await client.admin().clusterInfo(['__consumer_offsets']);
        return info.topics[0]?.partitions.find((p) => p.partition === OffsetStore.partitionFor(GROUP, OFFSETS_PARTITIONS))?.leader ?? -1;
      };
      await until(async () => (await coordinator().catch(() => -1)) > 0, 20_000, 'the offsets topic to have leaders');
      const dead = await coordinator();
      // Bootstrap through the brokers that stay up, so a restarted kcat could find the cluster.
      const bootstrap = cluster.ids.filter((id) => id !== dead).map((id) => cluster.kafka(id)).join(',');
      const args = ['-u', '-G', GROUP, '-X', 'auto.offset.reset=earliest', '-X', 'session.timeout.ms=15000', '-X', 'heartbeat.interval.ms=500',
        '-X', 'auto.commit.interval.ms=100', '-q', '-f', '%s\\n', TOPIC];
      for (let m = 0; m < 2; m++) members.push(kcatProcess(bootstrap, args));
      const seen = (): Map<string, number> => {
        const out = new Map<string, number>();
        for (const k of members) for (const v of k.output().split('\n').filter((x) => x !== '')) out.set(v, (out.get(v) ?? 0) + 1);
        return out;
      };
      const admin = client.groupAdmin();
      await until(async () => {
        const d = await admin.describeGroup(GROUP).catch(() => null);
        return d !== null && d.state === 'stable' && d.members.length === 2 && seen().size === N;
      }, 60_000, 'both kcat members in one stable generation, every record read');
      await until(async () => (await admin.describeGroup(GROUP)).partitions.every((p) => p.committedOffset === N / PARTITIONS), 20_000, 'offsets committed');
      const before = await admin.describeGroup(GROUP);

      await cluster.kill(dead);
      const killedAt = Date.now();
      await until(async () => ![dead, -1].includes(await coordinator().catch(() => -1)), 30_000, 'a new coordinator');
      await produce(N, 2 * N);
      await until(() => seen().size === 2 * N, 60_000, 'the records produced after the kill');
      await until(async () => (await admin.describeGroup(GROUP)).partitions.every((p) => p.committedOffset === (2 * N) / PARTITIONS), 30_000,
        'offsets committed at the new coordinator');
      const after = await admin.describeGroup(GROUP);
      expect(after.generationId).toBe(before.generationId);
      expect(after.members.map((m) => m.memberId).sort()).toEqual(before.members.map((m) => m.memberId).sort());
      const duplicates = [...seen().values()].reduce((a, n) => a + n - 1, 0);
      expect(duplicates).toBe(0);
      console.log(`kcat group failover: coordinator ${dead} killed; generation ${after.generationId} and both member ids kept, `
        + `${2 * N} records read once, committed ${Date.now() - killedAt} ms after the kill`);
    } finally {
      for (const k of members) await k.stop().catch(() => undefined);
      await client.close();
    }
  }, 180_000);
});
