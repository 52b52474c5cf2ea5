/**
 * A partition leader frozen with its sockets open (SIGSTOP: a VM pause, a stop-the-world stall)
 * answers nothing and closes nothing. The producer's request to it times out; it must then drop
 * that socket and find the new leader, as Kafka's client does, instead of retrying into the
 * same silent socket until its delivery deadline (which it did: no ack for > 90 s).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Strata } from '../../client/index.js';
import { startBrokerCluster, type BrokerCluster } from './harness/broker-cluster.js';
import { until } from './harness/nodes.js';

const REQUEST_TIMEOUT_MS = 3_000;
/** The request timeout, the lease running out (2 s TTL) and an election, with room for a loaded box. */
const FIRST_ACK_MS_MAX = 20_000;

let cluster: BrokerCluster;
beforeAll(async () => { cluster = await startBrokerCluster({ brokers: 3 }); }, 60_000);
afterAll(async () => { await cluster?.stop(); });

describe('producer and a frozen leader', () => {
  it('moves to the new leader once its request to the frozen one times out, losing nothing', async () => {
    const client = new Strata({ brokers: cluster.bootstrap(), requestTimeoutMs: REQUEST_TIMEOUT_MS });
    try {
      await client.admin().createTopic({ name: 'frozen', partitions: 1, replicationFactor: 3 });
      const producer = client.producer({ acks: 'all', idempotent: true, lingerMs: 0 });
      await until(async () => {
        try { await producer.send({ topic: 'frozen', messages: [{ value: 'before' }] }); return true; } catch { return false; }
      }, 20_000, 'a first acknowledged send');
      const leader = (await client.admin().describeTopic('frozen')).partitions[0]!.leader;
      const frozenAt = Date.now();
      cluster.pause(leader);
      try {
        const [m] = await producer.send({ topic: 'frozen', messages: [{ value: 'after' }] });
        expect(Date.now() - frozenAt).toBeLessThan(FIRST_ACK_MS_MAX);
        expect(m!.offset).toBe(1);
        // Asked while the old leader is still frozen, of the brokers that answer: once it
        // resumes it may take the partition back at once as preferred leader (the full suite
        // at 21:04 saw that when this was asked after the resume).
        const others = new Strata({ brokers: cluster.ids.filter((id) => id !== leader).map((id) => cluster.url(id)).join(','), retry: { retries: 0 } });
        try {
          const d = await others.admin().describeTopic('frozen');
          expect(d.partitions[0]!.leader).not.toBe(leader);
          expect(d.partitions[0]!.leader).toBeGreaterThan(0);
        } finally {
          await others.close();
        }
      } finally {
        cluster.resume(leader);
      }
    } finally {
      await client.close();
    }
  }, 90_000);
});
