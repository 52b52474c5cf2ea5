/**
 * Failover with real broker processes (kill -9) on a real etcd: an idempotent acks=all producer
 * keeps writing through a leader's death; every acknowledged record is readable at its offset
 * afterwards, none twice; the dead leader comes back, truncates what it wrote alone, and its
 * replica converges on the new leader's bytes (Kafka's KIP-101 divergence).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Strata } from '../../client/index.js';
import { ErrorCode } from '../../proto/errors.js';
import { encodeRecordBatch } from '../../proto/record-batch.js';
import { RawClient } from '../integration/broker/raw-client.js';
import { startBrokerCluster, type BrokerCluster } from './harness/broker-cluster.js';
import { until } from './harness/nodes.js';

let cluster: BrokerCluster;

// A short replica lag, so a follower that is down leaves the ISR within the test's time.
beforeAll(async () => { cluster = await startBrokerCluster({ brokers: 3, args: ['--replica-lag-ms', '1500'] }); }, 60_000);
afterAll(async () => { await cluster?.stop(); });

/** The partition's leader as a live broker reports it (-1 while there is none). */
async function leaderOf(topic: string, partition: number, askId: number): Promise<number> {
  const client = new Strata({ brokers: cluster.url(askId), retry: { retries: 0 } });
  try {
    const t = await client.admin().describeTopic(topic);
    return t.partitions[partition]?.leader ?? -1;
  } catch {
    return -1;
  } finally {
    await client.close().catch(() => undefined);
  }
}

/** Every record of the partition up to its high watermark, as offset → value. */
async function readAll(client: Strata, topic: string, partition: number, expected: number): Promise<Map<number, string>> {
  const consumer = client.consumer({ decode: 'utf8', maxWaitMs: 100 });
  await consumer.assign({ topic, partition, offset: 'earliest' });
  const out = new Map<number, string>();
  const deadline = Date.now() + 20_000;
  for await (const r of consumer) {
    expect(out.has(r.offset)).toBe(false);
    out.set(r.offset, r.value!);
    if (out.size >= expected || Date.now() > deadline) break;
  }
  await consumer.close();
  return out;
}

describe('failover of a partition leader (kill -9)', () => {
  it('loses no acknowledged record, duplicates none, and the returning leader converges', async () => {
    const client = new Strata({ brokers: cluster.bootstrap(), retry: { retries: 30, initialRetryTimeMs: 50, maxRetryTimeMs: 500 } });
    await client.admin().createTopic({ name: 'fo', partitions: 1, replicationFactor: 3 });
    const producer = client.producer({ acks: 'all', idempotent: true, lingerMs: 1 });
    const acked = new Map<number, string>(); // offset → value
    let stop = false;
    let firstAckAfterKill = 0;
    let killedAt = 0;
    const writer = (async () => {
      for (let i = 0; !stop; i++) {
        const value = `r${i}`;
        const sentAt = Date.now();
        const [m] = await producer.send({ topic: 'fo', messages: [{ value }] });
        expect(acked.has(m!.offset)).toBe(false);
        acked.set(m!.offset, value);
        // Only a send made after the kill counts: earlier ones may have been answered by the old leader.
        if (killedAt > 0 && sentAt > killedAt && firstAckAfterKill === 0) firstAckAfterKill = Date.now();
      }
    })();
    await until(() => acked.size >= 300, 20_000, '300 acknowledged records before the kill');
    const oldLeader = await leaderOf('fo', 0, cluster.ids[0]!);
    expect(oldLeader).toBeGreaterThan(0);
    killedAt = Date.now();
    await cluster.kill(oldLeader);
    const survivor = cluster.ids.find((id) => id !== oldLeader)!;
    await until(() => firstAckAfterKill > 0 && acked.size >= 600, 30_000, 'acknowledged records on the new leader');
    const failoverMs = firstAckAfterKill - killedAt;
    const newLeader = await leaderOf('fo', 0, survivor);
    expect(newLeader).not.toBe(oldLeader);
    expect(newLeader).toBeGreaterThan(0);
    stop = true;
    await writer;
    await producer.close();
    process.stderr.write(`failover: kill -9 of broker ${oldLeader} to the first acknowledged produce on broker ${newLeader}: ${failoverMs} ms\n`);

    // Every acknowledged record is readable at its offset, and the offsets have no holes.
    const reader = new Strata({ brokers: cluster.url(survivor) });
    const read = await readAll(reader, 'fo', 0, acked.size);
    for (const [offset, value] of acked) expect(read.get(offset), `offset ${offset}`).toBe(value);
    expect([...read.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: read.size }, (_, i) => i));

    // The old leader returns on its data dir, follows, and holds the new leader's bytes.
    await cluster.restart(oldLeader);
    await until(async () => {
      const bytes = await Promise.all(cluster.ids.map((id) => cluster.segmentBytes(id, 'fo', 0)));
      return bytes.every((b) => b.equals(bytes[0]!));
    }, 20_000, 'the returning replica to converge');
    await reader.close();
    await client.close();
  }, 90_000);

  it('truncates the tail a leader wrote alone before it died (KIP-101)', async () => {
    const client = new Strata({ brokers: cluster.bootstrap(), retry: { retries: 30, initialRetryTimeMs: 50, maxRetryTimeMs: 500 } });
    await client.admin().createTopic({ name: 'div', partitions: 1, replicationFactor: 3 });
    // Idempotent, so a retry across the leader change cannot write a record twice.
    const producer = client.producer({ acks: 'all', idempotent: true, lingerMs: 0 });
    for (let i = 0; i < 50; i++) await producer.send({ topic: 'div', messages: [{ value: `a${i}` }] });
    const leader = await leaderOf('div', 0, cluster.ids[0]!);
    const followers = cluster.ids.filter((id) => id !== leader);
    await until(async () => {
      const bytes = await Promise.all(cluster.ids.map((id) => cluster.segmentBytes(id, 'div', 0)));
      return bytes.every((b) => b.equals(bytes[0]!));
    }, 10_000, 'replicas in step before the fault');
    // Followers frozen (for less than their lease): the leader appends records no one else has
    // (acks=leader answers once its own file has them), then dies. The first record after the
    // freeze still reaches the followers' socket buffers (it answers the fetch each one had
    // parked at the leader), so it is replicated; the ones after it are not.
    for (const id of followers) cluster.pause(id);
    // Straight to the leader: the frozen followers would not answer a bootstrap.
    const direct = new Strata({ brokers: cluster.url(leader), retry: { retries: 0 } });
    const alone = direct.producer({ acks: 'leader', lingerMs: 0 });
    await alone.send({ topic: 'div', messages: [{ value: 'parked' }] });
    await new Promise((r) => setTimeout(r, 100));
    await alone.send({ topic: 'div', messages: Array.from({ length: 20 }, (_, i) => ({ value: `lost${i}` })) });
    await direct.close();
    await cluster.kill(leader);
    for (const id of followers) cluster.resume(id);
    // A follower leads now and takes other writes at the offsets the dead leader had used.
    const after = Array.from({ length: 30 }, (_, i) => `b${i}`);
    for (const value of after) await producer.send({ topic: 'div', messages: [{ value }] });
    await producer.close();
    await cluster.restart(leader);
    await until(async () => {
      const bytes = await Promise.all(cluster.ids.map((id) => cluster.segmentBytes(id, 'div', 0)));
      return bytes.every((b) => b.equals(bytes[0]!));
    }, 20_000, 'the returning replica to drop its divergent tail');
    const reader = new Strata({ brokers: cluster.bootstrap() });
    const read = await readAll(reader, 'div', 0, 81);
    const values = [...read.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v);
    expect(values).toEqual([...Array.from({ length: 50 }, (_, i) => `a${i}`), 'parked', ...after]);
    await reader.close();
    await client.close();
  }, 90_000);

  it('a zombie leader (SIGSTOP past its lease, then SIGCONT) acknowledges nothing and rejoins as a follower', async () => {
    const client = new Strata({ brokers: cluster.bootstrap(), retry: { retries: 30, initialRetryTimeMs: 50, maxRetryTimeMs: 500 } });
    await client.admin().createTopic({ name: 'zombie', partitions: 1, replicationFactor: 3 });
    // Idempotent: leadership moves twice here (away from the frozen broker, and back to it as
    // preferred leader once it is in sync), and a retry across a move must not write twice.
    const producer = client.producer({ acks: 'all', idempotent: true, lingerMs: 0 });
    for (let i = 0; i < 20; i++) await producer.send({ topic: 'zombie', messages: [{ value: `a${i}` }] });
    const leader = await leaderOf('zombie', 0, cluster.ids[0]!);
    const survivor = cluster.ids.find((id) => id !== leader)!;
    const raw = await RawClient.connect(cluster.url(leader));
    cluster.pause(leader);
    try {
      // Its lease (TTL 2 s) expires; the controller elects another leader at a higher epoch.
      await until(async () => {
        const l = await leaderOf('zombie', 0, survivor);
        return l > 0 && l !== leader;
      }, 15_000, 'a new leader while the old one is frozen');
      // A produce waits in the frozen broker's socket; it wakes up believing it leads.
      const id = raw.send({
        produce: { acks: 0, timeoutMs: 5_000, topics: [{ name: 'zombie', partitions: [{ partition: 0, records: encodeRecordBatch([{ value: new TextEncoder().encode('zombie') }]) }] }] },
      });
      cluster.resume(leader);
      const res = await raw.responseTo(id, 15_000);
      const part = res.produce?.topics?.[0]?.partitions?.[0];
      expect(part?.error?.code).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    } finally {
      cluster.resume(leader);
      raw.close();
    }
    for (let i = 0; i < 20; i++) await producer.send({ topic: 'zombie', messages: [{ value: `b${i}` }] });
    await producer.close();
    await until(async () => {
      const bytes = await Promise.all(cluster.ids.map((id) => cluster.segmentBytes(id, 'zombie', 0)));
      return bytes.every((b) => b.equals(bytes[0]!));
    }, 20_000, 'the woken broker to converge as a follower');
    const reader = new Strata({ brokers: cluster.bootstrap() });
    const read = await readAll(reader, 'zombie', 0, 40);
    const values = [...read.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v);
    expect(values).toEqual([...Array.from({ length: 20 }, (_, i) => `a${i}`), ...Array.from({ length: 20 }, (_, i) => `b${i}`)]);
    await reader.close();
    await client.close();
  }, 90_000);

  it('a follower down for a while leaves the ISR, catches up when it returns and rejoins it', async () => {
    const client = new Strata({ brokers: cluster.bootstrap(), retry: { retries: 30, initialRetryTimeMs: 50, maxRetryTimeMs: 500 } });
    await client.admin().createTopic({ name: 'rejoin', partitions: 1, replicationFactor: 3, minInsyncReplicas: 2 });
    const producer = client.producer({ acks: 'all', lingerMs: 0 });
    for (let i = 0; i < 20; i++) await producer.send({ topic: 'rejoin', messages: [{ value: `a${i}` }] });
    const leader = await leaderOf('rejoin', 0, cluster.ids[0]!);
    const follower = cluster.ids.find((id) => id !== leader)!;
    const isrOf = async (): Promise<number[]> => {
      const c = new Strata({ brokers: cluster.url(leader), retry: { retries: 0 } });
      try {
        return (await c.admin().clusterInfo(['rejoin'])).topics[0]?.partitions[0]?.isr ?? [];
      } finally {
        await c.close();
      }
    };
    await cluster.kill(follower);
    await until(async () => !(await isrOf()).includes(follower), 15_000, 'the dead follower to leave the ISR');
    // acks=all still succeeds: the ISR has min.insync.replicas (2) members.
    for (let i = 0; i < 20; i++) await producer.send({ topic: 'rejoin', messages: [{ value: `b${i}` }] });
    await cluster.restart(follower);
    await until(async () => (await isrOf()).includes(follower), 20_000, 'the returning follower to rejoin the ISR');
    await until(async () => {
      const bytes = await Promise.all(cluster.ids.map((id) => cluster.segmentBytes(id, 'rejoin', 0)));
      return bytes.every((b) => b.equals(bytes[0]!));
    }, 10_000, 'the returning follower to hold every record');
    await producer.close();
    await client.close();
  }, 90_000);
});
