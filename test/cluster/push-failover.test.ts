/**
 * Push delivery across a leader change, with real broker processes on a real etcd: a consumer
 * tails a partition by subscription at its leader; the leader is frozen (SIGSTOP) past its
 * lease, another is elected, the producer goes on there, and the old leader wakes up (SIGCONT)
 * with its connections intact. Its subscription must end with NOT_LEADER (found by the
 * subscription check), the consumer must fall back to fetching from the new leader, and every
 * acknowledged record must reach it once, in offset order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Strata, type ConsumerRecord } from '../../client/index.js';
import { startBrokerCluster, type BrokerCluster } from './harness/broker-cluster.js';
import { until } from './harness/nodes.js';

let cluster: BrokerCluster;

beforeAll(async () => { cluster = await startBrokerCluster({ brokers: 3 }); }, 60_000);
afterAll(async () => { await cluster?.stop(); });

async function leaderOf(topic: string, askId: number): Promise<number> {
  const client = new Strata({ brokers: cluster.url(askId), retry: { retries: 0 } });
  try {
    return (await client.admin().describeTopic(topic)).partitions[0]?.leader ?? -1;
  } catch {
    return -1;
  } finally {
    await client.close().catch(() => undefined);
  }
}

describe('push delivery when the partition leader moves', () => {
  it('ends the subscription at the old leader and falls back to the new one, losing and repeating nothing', async () => {
    const client = new Strata({ brokers: cluster.bootstrap(), retry: { retries: 30, initialRetryTimeMs: 50, maxRetryTimeMs: 500 } });
    await client.admin().createTopic({ name: 'pushmove', partitions: 1, replicationFactor: 3 });
    const consumer = client.consumer({ decode: 'utf8', maxWaitMs: 100 });
    await consumer.assign({ topic: 'pushmove', partition: 0, offset: 'earliest' });
    const got: ConsumerRecord<string>[] = [];
    const reading = (async () => {
      for await (const r of consumer) got.push(r);
    })();

    const producer = client.producer({ acks: 'all', idempotent: true, lingerMs: 0 });
    const acked = new Map<number, string>();
    let stop = false;
    const writer = (async () => {
      for (let i = 0; !stop; i++) {
        const [m] = await producer.send({ topic: 'pushmove', messages: [{ value: `r${i}` }] });
        acked.set(m!.offset, `r${i}`);
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    await until(() => got.length >= 200, 20_000, 'the consumer tailing 200 records');

    const leader = await leaderOf('pushmove', cluster.ids[0]!);
    const survivor = cluster.ids.find((id) => id !== leader)!;
    cluster.pause(leader);
    try {
      await until(async () => {
        const l = await leaderOf('pushmove', survivor);
        return l > 0 && l !== leader;
      }, 20_000, 'a new leader while the old one is frozen');
    } finally {
      cluster.resume(leader);
    }
    const ackedAtMove = acked.size;
    await until(() => acked.size >= ackedAtMove + 200, 30_000, '200 more acknowledged records on the new leader');
    stop = true;
    await writer;
    await producer.close();
    const last = Math.max(...acked.keys());
    await until(() => got.length > 0 && got.at(-1)!.offset >= last, 30_000, 'the consumer to reach the last acknowledged offset');
    await consumer.close();
    await reading;

    const offsets = got.map((r) => r.offset);
    expect(offsets).toEqual(Array.from({ length: offsets.length }, (_, i) => i)); // in order, no gap, none twice
    const byOffset = new Map(got.map((r) => [r.offset, r.value]));
    for (const [offset, value] of acked) expect(byOffset.get(offset), `offset ${offset}`).toBe(value);
    await client.close();
  }, 120_000);
});
