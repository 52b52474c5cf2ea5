/**
 * OffsetForLeaderEpoch answers from the partition's leader-epoch cache, over raw Kafka requests
 * to a real broker's Kafka listener. The log gets three epochs the way a cluster leader gets
 * them (Partition.makeLeader at each election), with kafkajs producing between them:
 *
 *   epoch 0: offsets 0-2, epoch 1: offsets 3-4, epoch 3: offsets 5-7 (log end 8)
 *
 * Expected, as Kafka's LeaderEpochFileCache answers: 0 → (0, 3), 1 → (1, 5), 2 (never a leader
 * epoch here) → (1, 5), 3 (latest) → (3, 8), 4 → (-1, -1); a stale current_leader_epoch is
 * FENCED_LEADER_EPOCH, a future one UNKNOWN_LEADER_EPOCH. The same answers after a restart, from
 * the checkpoint file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeResponse, encodeRequest } from '../../../proto/kafka/index.js';
import { startTestBroker, type TestBroker } from '../../helpers/broker.js';
import { kafkajs } from './harness.js';
import { RawKafkaClient } from './raw-kafka-client.js';

const TOPIC = 'epochs';
const KAFKA_FENCED_LEADER_EPOCH = 74;
const KAFKA_UNKNOWN_LEADER_EPOCH = 75;

let b: TestBroker;

function bootstrap(): string {
  const { host, port } = b.broker.kafkaAddress!.bound;
  return `${host}:${port}`;
}

async function produce(count: number): Promise<void> {
  const producer = kafkajs(bootstrap()).producer();
  await producer.connect();
  try {
    await producer.send({ topic: TOPIC, acks: -1, messages: Array.from({ length: count }, (_, i) => ({ value: `v${i}` })) });
  } finally {
    await producer.disconnect();
  }
}

async function ask(version: number, partitions: Array<{ leaderEpoch: number; currentLeaderEpoch?: number }>) {
  const c = await RawKafkaClient.connect(bootstrap());
  try {
    c.send(encodeRequest('offsetForLeaderEpoch', version, 9, 'epochs-test', {
      replicaId: -1,
      topics: [{ topic: TOPIC, partitions: partitions.map((p) => ({ partition: 0, currentLeaderEpoch: p.currentLeaderEpoch ?? -1, leaderEpoch: p.leaderEpoch })) }],
    }));
    const res = decodeResponse('offsetForLeaderEpoch', version, (await c.next())!);
    expect(res.correlationId).toBe(9);
    return res.body.topics[0]!.partitions.map((p) => ({ errorCode: p.errorCode, leaderEpoch: p.leaderEpoch, endOffset: Number(p.endOffset) }));
  } finally {
    c.close();
  }
}

beforeAll(async () => {
  b = await startTestBroker({ kafka: { port: 0 } });
  await b.broker.topics!.createTopic(TOPIC, 1, {});
  const partition = () => b.broker.topics!.partition(TOPIC, 0);
  await produce(3);
  await partition().makeLeader(1);
  await produce(2);
  await partition().makeLeader(3);
  await produce(3);
  expect(partition().logEndOffset).toBe(8);
}, 30_000);

afterAll(async () => {
  await b?.stop();
});

const EXPECTED = [
  { errorCode: 0, leaderEpoch: 0, endOffset: 3 },
  { errorCode: 0, leaderEpoch: 1, endOffset: 5 },
  { errorCode: 0, leaderEpoch: 1, endOffset: 5 },
  { errorCode: 0, leaderEpoch: 3, endOffset: 8 },
  { errorCode: 0, leaderEpoch: -1, endOffset: -1 },
];

describe('OffsetForLeaderEpoch on the Kafka listener', () => {
  it('answers each epoch\'s real end offset from the leader-epoch cache, at the lowest and highest version', async () => {
    const asked = [0, 1, 2, 3, 4].map((leaderEpoch) => ({ leaderEpoch }));
    expect(await ask(4, asked)).toEqual(EXPECTED);
    // v0 has no epoch in its answer (it reads back as -1): the end offsets alone.
    expect((await ask(0, asked)).map((p) => p.endOffset)).toEqual(EXPECTED.map((p) => p.endOffset));
  });

  it('fences a stale current leader epoch and refuses a future one, as a fetch does', async () => {
    expect(await ask(3, [
      { leaderEpoch: 1, currentLeaderEpoch: 3 },
      { leaderEpoch: 1, currentLeaderEpoch: 1 },
      { leaderEpoch: 1, currentLeaderEpoch: 4 },
    ])).toEqual([
      { errorCode: 0, leaderEpoch: 1, endOffset: 5 },
      { errorCode: KAFKA_FENCED_LEADER_EPOCH, leaderEpoch: -1, endOffset: -1 },
      { errorCode: KAFKA_UNKNOWN_LEADER_EPOCH, leaderEpoch: -1, endOffset: -1 },
    ]);
  });

  it('answers the same after a restart, from the checkpoint file', async () => {
    b = await b.restart();
    // The single-node broker leads at epoch 0 again after a restart; the older epochs' ends stay.
    const answers = await ask(4, [0, 1, 2].map((leaderEpoch) => ({ leaderEpoch })));
    expect(answers).toEqual(EXPECTED.slice(0, 3));
  });
});
