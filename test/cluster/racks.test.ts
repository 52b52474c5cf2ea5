/**
 * Racks (`--rack`) in a cluster of four real brokers on a real etcd, two racks of two: every
 * broker's rack is in Metadata on both listeners (Kafka's `rack` field, the WebSocket
 * Metadata's), and a replicated topic's partitions each get a replica in both racks, as Kafka's
 * rack-aware assignment places them, for user topics and `__consumer_offsets` alike.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { Strata } from '../../client/index.js';
import { decodeResponse, encodeRequest } from '../../proto/kafka/index.js';
import { WireClient } from '../crash/harness/wire-client.js';
import { RawKafkaClient } from '../integration/kafka/raw-kafka-client.js';
import { startBrokerCluster, type BrokerCluster } from './harness/broker-cluster.js';
import { until } from './harness/nodes.js';

// Ids 1 and 2 share a rack, 3 and 4 the other: id order alone would put replicas 1,2 together.
const RACK: Record<number, string> = { 1: 'rack-a', 2: 'rack-a', 3: 'rack-b', 4: 'rack-b' };

let cluster: BrokerCluster;

beforeAll(async () => {
  cluster = await startBrokerCluster({
    brokers: 4, args: ['--kafka-listen', '127.0.0.1:0', '--offsets-topic-partitions', '4'], argsFor: (id) => ['--rack', RACK[id]!],
  });
}, 60_000);
afterAll(async () => { await cluster?.stop(); });

describe('racks', () => {
  it('are named in Metadata on the Kafka and the WebSocket listener', async () => {
    const kafka = await RawKafkaClient.connect(cluster.kafka(1));
    try {
      let brokers: Array<{ nodeId: number; rack: string | null }> = [];
      await until(async () => {
        kafka.send(encodeRequest('metadata', 9, 1, 't', { topics: null }));
        brokers = decodeResponse('metadata', 9, (await kafka.next())!).body.brokers;
        return brokers.length === 4;
      }, 20_000, 'Metadata to name all four brokers');
      expect(Object.fromEntries(brokers.map((b) => [b.nodeId, b.rack]))).toEqual(RACK);
    } finally {
      kafka.close();
    }
    const ws = await WireClient.handshake(cluster.url(3));
    try {
      const res = await ws.request({ metadata: { topics: [] } });
      expect(Object.fromEntries(res.metadata!.brokers!.map((b) => [b.nodeId, b.rack]))).toEqual(RACK);
    } finally {
      ws.close();
    }
  }, 40_000);

  it('put every partition of an RF 2 topic and of __consumer_offsets in both racks', async () => {
    const client = new Strata({ brokers: cluster.bootstrap(), retry: { retries: 20, initialRetryTimeMs: 100 } });
    try {
      await client.admin().createTopic({ name: 'racked', partitions: 8, replicationFactor: 2 });
      const member = client.consumer({ groupId: 'racked-group', autoOffsetReset: 'earliest' }); // makes sure the offsets topic exists
      await member.subscribe('racked');
      let info = await client.admin().clusterInfo(['racked', '__consumer_offsets']);
      await until(async () => {
        info = await client.admin().clusterInfo(['racked', '__consumer_offsets']);
        return info.topics.length === 2;
      }, 20_000, 'both topics in cluster info');
      await member.close();
      for (const t of info.topics) {
        for (const p of t.partitions) {
          const racks = new Set(p.replicas.map((id) => RACK[id]));
          expect(racks.size, `${t.name}-${p.partition} replicas ${p.replicas.join(',')}`).toBe(2);
        }
      }
      // Racks do not cost the spread: every broker leads some of the new topic's partitions (the
      // exact counts also balance against __consumer_offsets, placed when three brokers were up).
      const racked = info.topics.find((t) => t.name === 'racked')!;
      expect(new Set(racked.partitions.map((p) => p.replicas[0])).size).toBe(4);
    } finally {
      await client.close();
    }
  }, 60_000);

  it('refuses a bad rack name at start, clearly', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'strata-rack-'));
    let res;
    try {
      res = await runCli(['broker', 'start', '--node-id', '9', '--cluster', cluster.clusterUrl, '--rack', 'two words', '--port', '0', '--data-dir', dir]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(/rack/);
  }, 20_000);
});
