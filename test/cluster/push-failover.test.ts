/**
 * Push delivery across leader changes, with real broker processes on a real etcd: a consumer
 * tails a partition by subscription at its leader. The leader is frozen (SIGSTOP) past its
 * lease with its sockets open and another is elected: the consumer's probe of the silent
 * subscription goes unanswered, it drops that socket and fetches from the new leader. The old
 * leader wakes (SIGCONT) and takes the partition back as preferred leader while the second one
 * stays up: that subscription ends with NOT_LEADER and the consumer follows. Every acknowledged
 * record must reach it once, in offset order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Strata, type ConsumerRecord } from '../../client/index.js';
import { startBrokerCluster, type BrokerCluster } from './harness/broker-cluster.js';
import { until } from './harness/nodes.js';

let cluster: BrokerCluster;
/** Records per send: one record per send cost ~40 ms each at load 10 (12 s for the first 300). */
const SEND_RECORDS = 10;

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
  it('falls back from a frozen leader and from one that lost its leadership, losing and repeating nothing', async () => {
    const admin = new Strata({ brokers: cluster.bootstrap(), retry: { retries: 30, initialRetryTimeMs: 50, maxRetryTimeMs: 500 } });
    await admin.admin().createTopic({ name: 'pushmove', partitions: 1, replicationFactor: 3 });
    await until(async () => (await leaderOf('pushmove', cluster.ids[0]!)) > 0, 20_000, 'a leader');
    const leader = await leaderOf('pushmove', cluster.ids[0]!);
    const survivors = cluster.ids.filter((id) => id !== leader);
    // Both clients bootstrap from the other brokers: their metadata lookups must not hang on the
    // frozen one (the SDK's failover of metadata requests is not what this test is about). They
    // still produce to and subscribe at the leader, which metadata names.
    const bootstrap = survivors.map((id) => cluster.url(id)).join(',');
    const retry = { retries: 30, initialRetryTimeMs: 50, maxRetryTimeMs: 500 };
    const client = new Strata({ brokers: bootstrap, retry });
    const consumer = client.consumer({ decode: 'utf8', maxWaitMs: 100 });
    await consumer.assign({ topic: 'pushmove', partition: 0, offset: 'earliest' });
    const got: ConsumerRecord<string>[] = [];
    const reading = (async () => {
      for await (const r of consumer) got.push(r);
    })();

    const acked = new Map<number, string>();
    /**
     * Sends `n` records through `producer`, SEND_RECORDS to a send and one send at a time (so the
     * consumer is pushed many small appends), remembering what was acknowledged where.
     */
    const write = async (producer: ReturnType<Strata['producer']>, prefix: string, n: number): Promise<void> => {
      for (let i = 0; i < n; i += SEND_RECORDS) {
        const values = Array.from({ length: Math.min(SEND_RECORDS, n - i) }, (_, j) => `${prefix}${i + j}`);
        const metas = await producer.send({ topic: 'pushmove', messages: values.map((value) => ({ value })) });
        expect(metas.length).toBe(values.length);
        metas.forEach((m, j) => acked.set(m.offset, values[j]!));
      }
    };
    const lastAcked = (): number => Math.max(...acked.keys());
    const first = new Strata({ brokers: bootstrap, retry });
    await write(first.producer({ acks: 'all', idempotent: true, lingerMs: 0 }), 'a', 300);
    await first.close();
    await until(() => got.length > 0 && got.at(-1)!.offset >= lastAcked(), 20_000, 'the consumer tailing the first 300 records');

    // 1. The leader freezes with its sockets open: the consumer's subscription there goes silent,
    //    its probe goes unanswered, it drops that socket and fetches from the new leader. (A
    //    producer created now finds the new leader through the other brokers: the producer's own
    //    failover from a frozen broker is not what this test is about.)
    cluster.pause(leader);
    const second = new Strata({ brokers: bootstrap, retry });
    try {
      await until(async () => {
        const l = await leaderOf('pushmove', survivors[0]!);
        return l > 0 && l !== leader;
      }, 20_000, 'a new leader while the old one is frozen');
      await write(second.producer({ acks: 'all', idempotent: true, lingerMs: 0 }), 'b', 100);
      await until(() => got.at(-1)!.offset >= lastAcked(), 30_000, 'the consumer to read the new leader while the old one is still frozen');
    } finally {
      cluster.resume(leader);
    }
    // 2. The old leader returns, catches up and takes its partition back (preferred leader
    //    election) while the broker the consumer now tails stays up: that one ends the
    //    subscription with NOT_LEADER, and the consumer follows the partition back.
    await until(async () => (await leaderOf('pushmove', survivors[0]!)) === leader, 30_000, 'the preferred leader to lead again');
    await write(second.producer({ acks: 'all', idempotent: true, lingerMs: 0 }), 'c', 100);
    await until(() => got.at(-1)!.offset >= lastAcked(), 30_000, 'the consumer to read the returned leader');
    await second.close();
    await consumer.close();
    await reading;

    const offsets = got.map((r) => r.offset);
    expect(offsets).toEqual(Array.from({ length: offsets.length }, (_, i) => i)); // in order, no gap, none twice
    const byOffset = new Map(got.map((r) => [r.offset, r.value]));
    for (const [offset, value] of acked) expect(byOffset.get(offset), `offset ${offset}`).toBe(value);
    await client.close();
    await admin.close();
  }, 120_000);
});
