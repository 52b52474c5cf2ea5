/**
 * Issue 17, part 1, on the Kafka listener: the same forged producer ids, forged epochs and
 * control batches as test/fuzz/forged-producers.test.ts, in raw Kafka Produce requests over TCP
 * to a real broker process. They must be refused with Kafka's codes (UNKNOWN_PRODUCER_ID 59,
 * INVALID_PRODUCER_EPOCH 47, INVALID_RECORD 87), and a kafkajs idempotent producer that comes
 * next must find its record at the offset it was told.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeResponse, encodeRequest } from '../../../proto/kafka/index.js';
import { encodeRecordBatch, type EncodeBatchOptions } from '../../../proto/record-batch.js';
import { readPartition, WireClient } from '../../crash/harness/wire-client.js';
import { runCli } from '../../helpers/cli.js';
import { kafkajs, startKafkaBroker, type KafkaBroker } from '../../integration/kafka/harness.js';
import { RawKafkaClient } from '../../integration/kafka/raw-kafka-client.js';

const PRODUCE_VERSION = 7;
const INIT_PRODUCER_ID_VERSION = 1;
const KAFKA = { NONE: 0, INVALID_PRODUCER_EPOCH: 47, UNKNOWN_PRODUCER_ID: 59, INVALID_RECORD: 87 } as const;

let broker: KafkaBroker;
let client: RawKafkaClient;
let correlationId = 1;

async function produce(topic: string, value: string, opts: EncodeBatchOptions): Promise<{ errorCode: number; baseOffset: number }> {
  const id = ++correlationId;
  const records = encodeRecordBatch([{ value: Buffer.from(value) }], opts);
  client.send(encodeRequest('produce', PRODUCE_VERSION, id, 'forger', {
    transactionalId: null, acks: -1, timeoutMs: 5_000, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }],
  }));
  const res = decodeResponse('produce', PRODUCE_VERSION, (await client.next())!);
  expect(res.correlationId).toBe(id);
  const p = res.body.responses[0]!.partitionResponses[0]!;
  return { errorCode: p.errorCode, baseOffset: Number(p.baseOffset) };
}

async function initProducerId(): Promise<number> {
  const id = ++correlationId;
  client.send(encodeRequest('initProducerId', INIT_PRODUCER_ID_VERSION, id, 'forger', { transactionalId: null, transactionTimeoutMs: 60_000 }));
  const res = decodeResponse('initProducerId', INIT_PRODUCER_ID_VERSION, (await client.next())!);
  expect(res.body.errorCode).toBe(KAFKA.NONE);
  return Number(res.body.producerId);
}

async function values(topic: string): Promise<Map<number, string>> {
  const c = await WireClient.handshake(broker.url);
  try {
    const contents = await readPartition(c, topic, 0);
    return new Map(contents.records.map((r) => [r.offset, r.value?.toString() ?? '']));
  } finally {
    c.close();
  }
}

beforeAll(async () => {
  broker = await startKafkaBroker();
  for (const topic of ['spoof', 'epochs']) {
    const res = await runCli(['topic', 'create', topic, '--partitions', '1', '--broker', broker.url]);
    expect(res.code).toBe(0);
  }
  client = await RawKafkaClient.connect(broker.bootstrap);
}, 30_000);

afterAll(async () => {
  client?.close();
  await broker?.close();
});

describe('forged producers on the Kafka listener', () => {
  it('refuses ids not issued, and a kafkajs idempotent producer finds its record at its offset', async () => {
    const x = await initProducerId();
    for (const producerId of [x + 1, x + 2, x + 3, 987_654, 2 ** 53 - 1, -2]) {
      const { errorCode } = await produce('spoof', `EVIL-${producerId}`, { producerId, producerEpoch: 0, baseSequence: 0 });
      expect(errorCode, `producer id ${producerId}`).toBe(KAFKA.UNKNOWN_PRODUCER_ID);
    }
    expect((await produce('spoof', 'EVIL-2^53', { producerId: 2 ** 53, producerEpoch: 0, baseSequence: 0 })).errorCode).toBe(KAFKA.INVALID_RECORD);
    const producer = kafkajs(broker.bootstrap).producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      const [meta] = await producer.send({ topic: 'spoof', acks: -1, messages: [{ value: 'LEGIT-VALUE' }] });
      const stored = await values('spoof');
      expect(stored.get(Number(meta!.baseOffset))).toBe('LEGIT-VALUE');
      expect([...stored.values()]).toEqual(['LEGIT-VALUE']);
    } finally {
      await producer.disconnect();
    }
  });

  it('refuses epochs nobody issued and control batches', async () => {
    const y = await initProducerId();
    expect((await produce('epochs', 'a', { producerId: y, producerEpoch: 0, baseSequence: 0 })).errorCode).toBe(KAFKA.NONE);
    expect((await produce('epochs', 'forged', { producerId: y, producerEpoch: 1, baseSequence: 0 })).errorCode).toBe(KAFKA.INVALID_PRODUCER_EPOCH);
    expect((await produce('epochs', 'marker', { isControl: true })).errorCode).toBe(KAFKA.INVALID_RECORD);
    expect((await produce('epochs', 'marker', { isControl: true, producerId: y, producerEpoch: 0, baseSequence: 1 })).errorCode).toBe(KAFKA.INVALID_RECORD);
    expect((await produce('epochs', 'b', { producerId: y, producerEpoch: 0, baseSequence: 1 })).errorCode).toBe(KAFKA.NONE);
    expect([...(await values('epochs')).values()]).toEqual(['a', 'b']);
  });
});
