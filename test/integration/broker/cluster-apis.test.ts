/**
 * The cluster-facing protocol on a broker running alone: Metadata names every broker and each
 * partition's leader, epoch, replicas and ISR; FindCoordinator and ClusterInfo answer; fetches
 * carrying a leader epoch are checked against the partition's (KIP-320); CreateTopics refuses
 * replication a lone broker cannot give.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../proto/errors.js';
import { encodeRecordBatch } from '../../../proto/record-batch.js';
import { startTestBroker, type TestBroker } from '../../helpers/broker.js';
import { RawClient } from './raw-client.js';

const NODE_ID = 7;

describe('cluster metadata APIs on a single node', () => {
  let b: TestBroker;
  let c: RawClient;
  beforeAll(async () => {
    b = await startTestBroker({ nodeId: NODE_ID });
    c = await RawClient.connect(b.url);
    const created = await c.request({ createTopics: { topics: [{ name: 'routes', partitions: 2 }] } });
    expect(created.createTopics!.topics![0]!.error ?? null).toBeNull();
  });
  afterAll(async () => {
    c?.close();
    await b?.stop();
  });

  it('lists itself as the only broker and the controller, leading every partition at its epoch with ISR = [self]', async () => {
    const res = await c.request({ metadata: { topics: ['routes'] } });
    const meta = res.metadata!;
    expect(meta.nodeId).toBe(NODE_ID);
    expect(meta.brokers).toEqual([{ nodeId: NODE_ID, url: b.url }]);
    expect(meta.controllerId).toBe(NODE_ID);
    const topic = meta.topics![0]!;
    expect(topic).toMatchObject({ name: 'routes', replicationFactor: 1, minInsyncReplicas: 1 });
    expect(topic.partitions!.map((p) => [p.partition, p.leader, p.leaderEpoch, p.replicas, p.isr])).toEqual([
      [0, NODE_ID, 0, [NODE_ID], [NODE_ID]],
      [1, NODE_ID, 0, [NODE_ID], [NODE_ID]],
    ]);
  });

  it('names itself the coordinator of any group, and refuses invalid group ids', async () => {
    for (const groupId of ['billing', 'a', 'x'.repeat(200)]) {
      const res = await c.request({ findCoordinator: { groupId } });
      expect(res.error ?? null, groupId).toBeNull();
      expect(res.findCoordinator).toEqual({ nodeId: NODE_ID, url: b.url });
    }
    for (const groupId of ['', 'bad\u0001id']) {
      const res = await c.request({ findCoordinator: { groupId } });
      expect(res.error?.code, JSON.stringify(groupId)).toBe(ErrorCode.INVALID_GROUP_ID);
    }
  });

  it('describes the cluster: mode, brokers alive, per partition leader, epoch, replicas, ISR and high watermark', async () => {
    const records = await produceOne(c, 'routes', 1);
    expect(records).toBe(0);
    const res = await c.request({ clusterInfo: {} });
    const info = res.clusterInfo!;
    expect(info).toMatchObject({ nodeId: NODE_ID, mode: 'single-node', controllerId: NODE_ID });
    expect(info.brokers).toEqual([{ nodeId: NODE_ID, url: b.url, alive: true }]);
    const topic = info.topics!.find((t) => t.name === 'routes')!;
    expect(topic.partitions!.map((p) => [p.partition, p.leader, p.leaderEpoch, p.replicas, p.isr, p.highWatermark])).toEqual([
      [0, NODE_ID, 0, [NODE_ID], [NODE_ID], 0],
      [1, NODE_ID, 0, [NODE_ID], [NODE_ID], 1],
    ]);
    const missing = await c.request({ clusterInfo: { topics: ['nope', '../bad'] } });
    expect(missing.clusterInfo!.topics!.map((t) => t.error?.code)).toEqual([ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.INVALID_TOPIC_NAME]);
  });

  it('checks the leader epoch a fetch carries: older is fenced, newer unknown, equal or absent served', async () => {
    await produceOne(c, 'routes', 0);
    // A new leadership of partition 0 at epoch 3, as a cluster's election would make it.
    await b.broker.topics!.getPartition('routes', 0)!.makeLeader(3);
    const meta = await c.request({ metadata: { topics: ['routes'] } });
    expect(meta.metadata!.topics![0]!.partitions![0]!.leaderEpoch).toBe(3);
    const fetchAt = async (epoch: number | undefined) => {
      const res = await c.request({ fetch: { maxWaitMs: 0, topics: [{ name: 'routes', partitions: [
        { partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20, ...(epoch === undefined ? {} : { currentLeaderEpoch: epoch }) },
      ] }] } });
      return res.fetch!.topics![0]!.partitions![0]!;
    };
    expect((await fetchAt(2)).error?.code).toBe(ErrorCode.FENCED_LEADER_EPOCH);
    expect((await fetchAt(0)).error).toMatchObject({ code: ErrorCode.FENCED_LEADER_EPOCH, retriable: true });
    expect((await fetchAt(4)).error).toMatchObject({ code: ErrorCode.UNKNOWN_LEADER_EPOCH, retriable: true });
    for (const epoch of [3, undefined]) {
      const ok = await fetchAt(epoch);
      expect(ok.error ?? null, String(epoch)).toBeNull();
      expect(ok.records!.length).toBeGreaterThan(0);
    }
  });

  it('refuses a replication factor or min.insync.replicas above 1 with typed errors, per topic', async () => {
    const res = await c.request({ createTopics: { topics: [
      { name: 'rf3', partitions: 1, replicationFactor: 3 },
      { name: 'misr2', partitions: 1, minInsyncReplicas: 2 },
      { name: 'rf1', partitions: 1, replicationFactor: 1, minInsyncReplicas: 1 },
    ] } });
    expect(res.createTopics!.topics!.map((t) => [t.name, t.error?.code ?? 0])).toEqual([
      ['rf3', ErrorCode.INVALID_REPLICATION_FACTOR], ['misr2', ErrorCode.INVALID_CONFIG], ['rf1', 0],
    ]);
    expect((await c.request({ listTopics: {} })).listTopics!.names).not.toContain('rf3');
  });
});

/** Produces one record through the raw protocol; returns its offset. */
async function produceOne(c: RawClient, topic: string, partition: number): Promise<number> {
  const records = encodeRecordBatch([{ value: Buffer.from('x') }]);
  const res = await c.request({ produce: { acks: 0, timeoutMs: 5000, topics: [{ name: topic, partitions: [{ partition, records }] }] } });
  const p = res.produce!.topics![0]!.partitions![0]!;
  expect(p.error ?? null).toBeNull();
  return Number(p.baseOffset);
}
