/**
 * Producer epochs in a cluster of three real brokers on a real etcd: an epoch nobody issued is
 * refused by a partition's leader on both listeners (WebSocket and Kafka), whichever broker
 * issued the id, while an epoch raised through InitProducerId on another broker is accepted
 * there (the raise is in etcd before it is answered). Before this, only a broker alone refused
 * them: anyone could fence a producer in a cluster by sending its id with epoch + 1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Strata } from '../../client/index.js';
import { decodeResponse, encodeRequest } from '../../proto/kafka/index.js';
import { encodeRecordBatch, type EncodeBatchOptions } from '../../proto/record-batch.js';
import { produceBody, readPartition, WireClient } from '../crash/harness/wire-client.js';
import { RawKafkaClient } from '../integration/kafka/raw-kafka-client.js';
import { startBrokerCluster, type BrokerCluster } from './harness/broker-cluster.js';
import { until } from './harness/nodes.js';

const KAFKA_PRODUCE_VERSION = 7;
const KAFKA_INIT_PRODUCER_ID_VERSION = 1;
const KAFKA = { NONE: 0, NOT_LEADER_OR_FOLLOWER: 6, INVALID_PRODUCER_EPOCH: 47 } as const;

let cluster: BrokerCluster;

beforeAll(async () => {
  cluster = await startBrokerCluster({ brokers: 3, args: ['--kafka-listen', '127.0.0.1:0'] });
}, 60_000);
afterAll(async () => { await cluster?.stop(); });

/** Creates an RF 3 topic of one partition and returns its leader. */
async function topicLedBy(name: string): Promise<number> {
  const client = new Strata({ brokers: cluster.bootstrap(), retry: { retries: 20, initialRetryTimeMs: 100 } });
  try {
    await client.admin().createTopic({ name, partitions: 1, replicationFactor: 3 });
    let leader = -1;
    await until(async () => {
      const info = await client.admin().clusterInfo([name]);
      const p = info.topics[0]?.partitions[0];
      leader = p?.leader ?? -1;
      return leader > 0 && p!.isr.length === 3;
    }, 20_000, `a leader and a full ISR for ${name}`);
    return leader;
  } finally {
    await client.close();
  }
}

interface WireErr { name?: string | null; retriable?: boolean | null }

async function wsProduce(c: WireClient, topic: string, value: string, opts: EncodeBatchOptions): Promise<WireErr | null> {
  const res = await c.request(produceBody(topic, 0, encodeRecordBatch([{ value: Buffer.from(value) }], opts)));
  if (res.error) throw new Error(`request failed: ${res.error.name}`);
  const p = res.produce!.topics![0]!.partitions![0]!;
  return p.error?.code ? p.error : null;
}

async function wsInitProducerId(c: WireClient, current?: { producerId: number; producerEpoch: number }): Promise<{ producerId: number; producerEpoch: number }> {
  const res = await c.request({ initProducerId: current ? { current } : {} });
  if (res.error?.code) throw new Error(`InitProducerId failed: ${res.error.name}`);
  return { producerId: Number(res.initProducerId!.producerId), producerEpoch: res.initProducerId!.producerEpoch ?? 0 };
}

describe('producer epochs in a cluster', () => {
  it('the leader refuses an epoch above the issued one over the WebSocket listener, and accepts one raised on another broker', async () => {
    const leader = await topicLedBy('epochs-ws');
    const issuer = cluster.ids.find((id) => id !== leader)!;
    const atIssuer = await WireClient.handshake(cluster.url(issuer));
    const atLeader = await WireClient.handshake(cluster.url(leader));
    try {
      const { producerId } = await wsInitProducerId(atIssuer);
      // The leader may learn its role from etcd a moment after cluster info names it.
      await until(async () => (await wsProduce(atLeader, 'epochs-ws', 'a', { producerId, producerEpoch: 0, baseSequence: 0 }))?.name !== 'NotLeaderOrFollowerError',
        10_000, 'the leader to take its role');
      // A forger fencing the producer with epoch + 1: refused, not retriable, nothing appended.
      expect(await wsProduce(atLeader, 'epochs-ws', 'forged-1', { producerId, producerEpoch: 1, baseSequence: 0 }))
        .toMatchObject({ name: 'InvalidProducerEpochError', retriable: false });
      expect(await wsProduce(atLeader, 'epochs-ws', 'forged-7', { producerId, producerEpoch: 7, baseSequence: 0 }))
        .toMatchObject({ name: 'InvalidProducerEpochError', retriable: false });
      // The producer itself still writes at epoch 0.
      expect(await wsProduce(atLeader, 'epochs-ws', 'b', { producerId, producerEpoch: 0, baseSequence: 1 })).toBeNull();
      // Its holder raises the epoch at the broker that issued it; the leader accepts the new epoch at once.
      const raised = await wsInitProducerId(atIssuer, { producerId, producerEpoch: 0 });
      expect(raised).toEqual({ producerId, producerEpoch: 1 });
      expect(await wsProduce(atLeader, 'epochs-ws', 'c', { producerId, producerEpoch: 1, baseSequence: 0 })).toBeNull();
      expect(await wsProduce(atLeader, 'epochs-ws', 'forged-2', { producerId, producerEpoch: 2, baseSequence: 0 }))
        .toMatchObject({ name: 'InvalidProducerEpochError' });
      // The old epoch is fenced.
      expect(await wsProduce(atLeader, 'epochs-ws', 'stale', { producerId, producerEpoch: 0, baseSequence: 2 }))
        .toMatchObject({ name: 'InvalidProducerEpochError' });
      const contents = await readPartition(atLeader, 'epochs-ws', 0);
      expect(contents.records.map((r) => r.value?.toString())).toEqual(['a', 'b', 'c']);
    } finally {
      atIssuer.close();
      atLeader.close();
    }
  }, 60_000);

  it('the leader refuses an epoch nobody issued over the Kafka listener, for an id another broker issued', async () => {
    const leader = await topicLedBy('epochs-kafka');
    const issuer = cluster.ids.find((id) => id !== leader)!;
    let correlationId = 0;
    const atIssuer = await RawKafkaClient.connect(cluster.kafka(issuer));
    const atLeader = await RawKafkaClient.connect(cluster.kafka(leader));
    const produce = async (value: string, opts: EncodeBatchOptions): Promise<number> => {
      const id = ++correlationId;
      atLeader.send(encodeRequest('produce', KAFKA_PRODUCE_VERSION, id, 'forger', {
        transactionalId: null, acks: -1, timeoutMs: 5_000,
        topicData: [{ name: 'epochs-kafka', partitionData: [{ index: 0, records: encodeRecordBatch([{ value: Buffer.from(value) }], opts) }] }],
      }));
      const res = decodeResponse('produce', KAFKA_PRODUCE_VERSION, (await atLeader.next())!);
      return res.body.responses[0]!.partitionResponses[0]!.errorCode;
    };
    try {
      const id = ++correlationId;
      atIssuer.send(encodeRequest('initProducerId', KAFKA_INIT_PRODUCER_ID_VERSION, id, 'forger', { transactionalId: null, transactionTimeoutMs: 60_000 }));
      const init = decodeResponse('initProducerId', KAFKA_INIT_PRODUCER_ID_VERSION, (await atIssuer.next())!);
      expect(init.body.errorCode).toBe(KAFKA.NONE);
      const producerId = Number(init.body.producerId);
      let first = -1;
      await until(async () => (first = await produce('a', { producerId, producerEpoch: 0, baseSequence: 0 })) !== KAFKA.NOT_LEADER_OR_FOLLOWER,
        10_000, 'the leader to take its role');
      expect(first).toBe(KAFKA.NONE);
      expect(await produce('forged', { producerId, producerEpoch: 1, baseSequence: 0 })).toBe(KAFKA.INVALID_PRODUCER_EPOCH);
      expect(await produce('b', { producerId, producerEpoch: 0, baseSequence: 1 })).toBe(KAFKA.NONE);
      const ws = await WireClient.handshake(cluster.url(leader));
      try {
        expect((await readPartition(ws, 'epochs-kafka', 0)).records.map((r) => r.value?.toString())).toEqual(['a', 'b']);
      } finally {
        ws.close();
      }
    } finally {
      atIssuer.close();
      atLeader.close();
    }
  }, 60_000);
});
