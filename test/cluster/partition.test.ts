/**
 * Network partitions through the project's fault proxy (harness/fault-proxy.ts), with real
 * broker processes and a real etcd. Every broker's links to etcd and its replication listener
 * go through proxies of their own; clients connect to the brokers directly, so a client can
 * still reach a broker cut off from everything else.
 *
 *  - Full isolation of the leader (its etcd links and its followers' fetches held, as TCP holds
 *    them through a partition): under idempotent acks=all load, the isolated broker acknowledges
 *    no acks=all produce once isolated; the majority elects a new leader; after the heal the old
 *    leader truncates what it appended alone and rejoins; every acknowledged record is present
 *    exactly once and the replicas are byte-identical.
 *  - Asymmetric: the leader still reaches etcd but not its followers. It shrinks the ISR to
 *    itself through etcd and refuses acks=all below min.insync.replicas; after the heal the
 *    followers catch up and the ISR grows back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Strata } from '../../client/index.js';
import { ErrorCode } from '../../proto/errors.js';
import { encodeRecordBatch } from '../../proto/record-batch.js';
import { RawClient } from '../integration/broker/raw-client.js';
import { startBrokerCluster, type BrokerCluster } from './harness/broker-cluster.js';
import { until } from './harness/nodes.js';

let cluster: BrokerCluster;

beforeAll(async () => { cluster = await startBrokerCluster({ brokers: 3, proxied: true, args: ['--replica-lag-ms', '1500'] }); }, 60_000);
afterAll(async () => { await cluster?.stop(); });

const RETRY = { retries: 40, initialRetryTimeMs: 50, maxRetryTimeMs: 500 };

interface PartitionInfo { leader: number; leaderEpoch: number; isr: number[] }

/** The partition as broker `askId` reports it (its own etcd view), or null when it does not answer. */
async function stateAt(askId: number, topic: string): Promise<PartitionInfo | null> {
  const c = new Strata({ brokers: cluster.url(askId), retry: { retries: 0 } });
  try {
    const p = (await c.admin().clusterInfo([topic])).topics[0]?.partitions[0];
    return p ? { leader: p.leader, leaderEpoch: p.leaderEpoch, isr: [...p.isr].sort() } : null;
  } catch {
    return null;
  } finally {
    await c.close().catch(() => undefined);
  }
}

/** Waits until every broker is registered (an earlier test's isolated broker has registered again). */
async function allLive(): Promise<void> {
  await until(async () => {
    const c = new Strata({ brokers: cluster.url(1), retry: { retries: 0 } });
    try {
      return (await c.admin().clusterInfo()).brokers.filter((b) => b.alive).length === cluster.ids.length;
    } catch {
      return false;
    } finally {
      await c.close().catch(() => undefined);
    }
  }, 20_000, 'every broker live');
}

async function replicasIdentical(topic: string): Promise<boolean> {
  const bytes = await Promise.all(cluster.ids.map((id) => cluster.segmentBytes(id, topic, 0)));
  return bytes.every((b) => b.equals(bytes[0]!));
}

/** An idempotent acks=all writer of unique values; `acked` maps offset → value. */
function startWriter(client: Strata, topic: string) {
  const producer = client.producer({ acks: 'all', idempotent: true, lingerMs: 1 });
  const acked = new Map<number, string>();
  const failed: string[] = [];
  let stop = false;
  const done = (async () => {
    for (let i = 0; !stop; i++) {
      const value = `${topic}-${i}`;
      try {
        const [m] = await producer.send({ topic, messages: [{ value }] });
        expect(acked.has(m!.offset), `offset ${m!.offset} acknowledged twice`).toBe(false);
        acked.set(m!.offset, value);
      } catch (err) {
        if (process.env.STRATA_TEST_BROKER_LOGS) process.stderr.write(`${new Date().toISOString()} ${value} failed: ${(err as Error).message}\n`);
        failed.push(value); // not acknowledged: may or may not be in the log, but never twice
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    await producer.close();
  })();
  return { acked, failed, stop: async () => { stop = true; await done; } };
}

/** One acks=all produce straight to broker `id`'s socket; the broker's answer (error code 0 = acknowledged). */
async function rawProduce(raw: RawClient, topic: string, value: string): Promise<{ code: number; offset: number } | 'no answer'> {
  const id = raw.send({
    produce: { acks: 0, timeoutMs: 1_500, topics: [{ name: topic, partitions: [{ partition: 0, records: encodeRecordBatch([{ value: new TextEncoder().encode(value) }]) }] }] },
  });
  try {
    const res = await raw.responseTo(id, 4_000);
    const part = res.produce?.topics?.[0]?.partitions?.[0];
    return { code: part?.error?.code ?? 0, offset: Number(part?.baseOffset ?? -1) };
  } catch {
    return 'no answer';
  }
}

/** Every record of the partition up to its end now, read through the leader, as offset → value; fails on an offset seen twice. */
async function readAll(topic: string, acked: Map<number, string>): Promise<Map<number, string>> {
  const reader = new Strata({ brokers: cluster.bootstrap(), retry: RETRY });
  // A leader elected a moment ago (the preferred one taking its partition back after the heal)
  // starts from its own high watermark and raises it as the followers fetch: wait until it covers
  // every acknowledged offset (an acknowledged record it never covers would be lost).
  const needed = Math.max(-1, ...acked.keys()) + 1;
  let expected = 0;
  await until(async () => {
    expected = (await reader.admin().listOffsets(topic, 0, 'latest')).offset;
    return expected >= needed;
  }, 15_000, `the high watermark to cover acknowledged offset ${needed - 1}`);
  const consumer = reader.consumer({ decode: 'utf8', maxWaitMs: 100 });
  await consumer.assign({ topic, partition: 0, offset: 'earliest' });
  const out = new Map<number, string>();
  const deadline = Date.now() + 20_000;
  if (expected > 0) for await (const r of consumer) {
    expect(out.has(r.offset)).toBe(false);
    out.set(r.offset, r.value!);
    if (out.size >= expected || Date.now() > deadline) break;
  }
  await consumer.close();
  await reader.close();
  expect(out.size).toBe(expected);
  return out;
}

/** The ledger check: every acknowledged record at its offset, no value twice, no holes. */
function checkLedger(read: Map<number, string>, acked: Map<number, string>): void {
  for (const [offset, value] of acked) expect(read.get(offset), `acknowledged offset ${offset}`).toBe(value);
  const values = [...read.values()];
  expect(new Set(values).size, 'a value written twice').toBe(values.length);
  expect([...read.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: read.size }, (_, i) => i));
}

describe('network partitions (fault proxy on every broker link)', () => {
  it('an isolated leader acknowledges nothing, the majority elects a new one, and the old leader truncates and rejoins', async () => {
    const topic = 'iso';
    await allLive();
    const client = new Strata({ brokers: cluster.bootstrap(), retry: RETRY });
    await client.admin().createTopic({ name: topic, partitions: 1, replicationFactor: 3, minInsyncReplicas: 2 });
    await until(async () => (await stateAt(1, topic))?.isr.length === 3, 15_000, 'a full ISR');
    const writer = startWriter(client, topic);
    await until(() => writer.acked.size >= 200, 20_000, '200 acknowledged records before the partition');
    const before = (await stateAt(1, topic))!;
    const old = before.leader;
    const majority = cluster.ids.filter((id) => id !== old);
    const raw = await RawClient.connect(cluster.url(old));

    // Isolate the leader: its etcd link and every follower's fetch from it are held.
    for (const p of cluster.links(old).etcd) p.hold();
    cluster.links(old).replication.hold();
    const isolatedAt = Date.now();
    const ackedAtIsolation = writer.acked.size;
    try {
      // Straight to the isolated leader while it still believes it leads: appended, never acknowledged.
      const rawAnswers = [await rawProduce(raw, topic, 'isolated-0')];
      await until(async () => {
        const s = await stateAt(majority[0]!, topic);
        return s !== null && s.leader > 0 && s.leader !== old && s.leaderEpoch > before.leaderEpoch;
      }, 20_000, 'a new leader on the majority side');
      const electedMs = Date.now() - isolatedAt;
      await until(() => writer.acked.size >= ackedAtIsolation + 200, 30_000, 'acknowledged records on the new leader');
      for (let i = 1; i <= 3; i++) rawAnswers.push(await rawProduce(raw, topic, `isolated-${i}`));
      for (const a of rawAnswers) expect(a === 'no answer' || a.code !== 0, `the isolated leader acknowledged ${JSON.stringify(a)}`).toBe(true);
      const [oldBytes, newBytes] = await Promise.all([cluster.segmentBytes(old, topic, 0), cluster.segmentBytes(majority[0]!, topic, 0)]);
      // The isolated leader holds a tail nobody else has (what it appended alone).
      expect(newBytes.subarray(0, oldBytes.length).equals(oldBytes)).toBe(false);
      process.stderr.write(`partition: new leader elected ${electedMs} ms after isolating broker ${old}; isolated answers ${JSON.stringify(rawAnswers)}\n`);
    } finally {
      for (const p of cluster.links(old).etcd) p.heal();
      cluster.links(old).replication.heal();
      raw.close();
    }
    await until(async () => (await stateAt(majority[0]!, topic))?.isr.length === 3, 30_000, 'the old leader back in the ISR');
    await writer.stop();
    await until(() => replicasIdentical(topic), 20_000, 'replicas byte-identical after the heal');
    const read = await readAll(topic, writer.acked);
    checkLedger(read, writer.acked);
    for (const v of read.values()) expect(v.startsWith('isolated-'), `${v} survived`).toBe(false);
    await client.close();
  }, 120_000);

  it('a leader that reaches etcd but not its followers shrinks the ISR and refuses acks=all below min ISR', async () => {
    const topic = 'asym';
    await allLive();
    const client = new Strata({ brokers: cluster.bootstrap(), retry: RETRY });
    await client.admin().createTopic({ name: topic, partitions: 1, replicationFactor: 3, minInsyncReplicas: 2 });
    await until(async () => (await stateAt(1, topic))?.isr.length === 3, 15_000, 'a full ISR');
    const writer = startWriter(client, topic);
    await until(() => writer.acked.size >= 100, 20_000, '100 acknowledged records before the partition');
    const before = (await stateAt(1, topic))!;
    const leader = before.leader;
    const follower = cluster.ids.find((id) => id !== leader)!;
    const raw = await RawClient.connect(cluster.url(leader));
    cluster.links(leader).replication.hold();
    let ackedWhileShrunk = 0;
    try {
      await until(async () => {
        const s = await stateAt(follower, topic);
        return s !== null && s.isr.length === 1 && s.isr[0] === leader;
      }, 15_000, 'the ISR shrunk to the leader in etcd');
      const s = (await stateAt(follower, topic))!;
      expect(s.leader).toBe(leader); // its lease is fine: nobody else leads
      expect(s.leaderEpoch).toBe(before.leaderEpoch);
      const ackedAtShrink = writer.acked.size;
      const answers = [];
      for (let i = 0; i < 3; i++) answers.push(await rawProduce(raw, topic, `below-min-isr-${i}`));
      // Refused before the append, or after it when the leader's own copy of the ISR had not
      // caught up with etcd yet when the produce arrived: either way not acknowledged.
      for (const a of answers) {
        expect([ErrorCode.NOT_ENOUGH_REPLICAS, ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND], `acks=all below min ISR: ${JSON.stringify(a)}`)
          .toContain(a === 'no answer' ? a : a.code);
      }
      ackedWhileShrunk = writer.acked.size - ackedAtShrink;
    } finally {
      cluster.links(leader).replication.heal();
      raw.close();
    }
    expect(ackedWhileShrunk).toBe(0);
    await until(async () => (await stateAt(follower, topic))?.isr.length === 3, 30_000, 'the followers back in the ISR');
    const ackedAtHeal = writer.acked.size;
    await until(() => writer.acked.size >= ackedAtHeal + 50, 20_000, 'acks=all succeeding again');
    await writer.stop();
    await until(() => replicasIdentical(topic), 20_000, 'replicas byte-identical after the heal');
    const read = await readAll(topic, writer.acked);
    checkLedger(read, writer.acked);
    await client.close();
  }, 120_000);
});
