/**
 * How soon a producer follows a leader change (kill -9 of the leader, real broker processes on a
 * real etcd). The producer's retry backoff grows steeply to far beyond an election (6 s against
 * the ~2 s lease TTL), so the bound holds only if the producer does not spend its retries on the
 * dead broker while the election runs: batches for a leader whose connection failed wait unsent
 * (not queued on that connection through its reconnect backoff) while Metadata is asked again,
 * and go as soon as it names a reachable leader.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Strata } from '../../client/index.js';
import { startBrokerCluster, type BrokerCluster } from './harness/broker-cluster.js';

let cluster: BrokerCluster;

beforeAll(async () => { cluster = await startBrokerCluster({ brokers: 3 }); }, 60_000);
afterAll(async () => { await cluster?.stop(); });

/** Longest retry backoff of the producer under test. */
const BACKOFF_MS = 6_000;
/**
 * Bound on (first acknowledged send) - (a survivor first names the new leader). Half the
 * longest backoff: a producer that reached it during the election would be ~BACKOFF_MS - 2 s
 * late; a Metadata round, a produce round and a short first retry (the new leader may refuse
 * until it has applied its election) fit well inside, on a loaded machine too.
 */
const LATE_MS_MAX = BACKOFF_MS / 2;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls a survivor until it names a leader other than `dead`; resolves with when it first did. */
async function newLeaderNamedAt(survivorUrl: string, dead: number, untilMs: number): Promise<number> {
  const probe = new Strata({ brokers: survivorUrl, retry: { retries: 0 } });
  try {
    while (Date.now() < untilMs) {
      const leader = await probe.admin().describeTopic('wake').then((t) => t.partitions[0]!.leader, () => -1);
      if (leader > 0 && leader !== dead) return Date.now();
      await sleep(20);
    }
    throw new Error('no new leader named');
  } finally {
    await probe.close().catch(() => undefined);
  }
}

describe('producer after a leader dies', () => {
  it('sends to the new leader as soon as Metadata names it, without waiting out its retry backoff', async () => {
    const client = new Strata({
      brokers: cluster.bootstrap(),
      // The third attempt would wait BACKOFF_MS: a producer that keeps retrying against the dead
      // broker while the election runs reaches it, one that waits for a reachable leader does not.
      retry: { retries: 10, initialRetryTimeMs: 100, maxRetryTimeMs: BACKOFF_MS, multiplier: 8 },
    });
    try {
      await client.admin().createTopic({ name: 'wake', partitions: 1, replicationFactor: 3 });
      const producer = client.producer({ acks: 'all', idempotent: true, lingerMs: 0 });
      for (let i = 0; i < 20; i++) await producer.send({ topic: 'wake', messages: [{ value: `before${i}` }] });
      const leader = (await client.admin().describeTopic('wake')).partitions[0]!.leader;
      expect(leader).toBeGreaterThan(0);

      const survivor = cluster.ids.find((id) => id !== leader)!;
      const killedAt = Date.now();
      await cluster.kill(leader);
      const named = newLeaderNamedAt(cluster.url(survivor), leader, killedAt + 30_000);
      const [m] = await producer.send({ topic: 'wake', messages: [{ value: 'after' }] });
      const ackedAt = Date.now();
      const namedAt = await named;
      process.stderr.write(`failover with a ${BACKOFF_MS} ms retry backoff: new leader named ${namedAt - killedAt} ms, `
        + `first acknowledged send ${ackedAt - killedAt} ms after kill -9\n`);
      expect(m!.offset).toBe(20);
      expect(ackedAt - namedAt).toBeLessThan(LATE_MS_MAX);
      await producer.close();
    } finally {
      await client.close();
    }
  }, 60_000);
});
