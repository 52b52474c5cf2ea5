/**
 * producer.sendMany() against a real broker: the receipt's runs place every record where the
 * consumer finds it, for key-less records (sticky partition, written in runs), keyed ones,
 * explicit partitions and records with headers mixed in one call; and send() still answers
 * one RecordMetadata per record.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker } from '../../helpers/broker.js';
import { Strata, type ProducerMessage, type SendReceipt } from '../../../client/index.js';

const TOPIC = 'receipts';
const PARTITIONS = 3;

let broker: TestBroker;
let strata: Strata;

beforeAll(async () => {
  broker = await startTestBroker();
  strata = new Strata({ brokers: broker.url, clientId: 'send-many' });
  await strata.admin().createTopic({ name: TOPIC, partitions: PARTITIONS, config: { flushPolicy: 'never' } });
});

afterAll(async () => {
  await strata?.close();
  await broker?.stop();
});

function messageFor(call: number, i: number): ProducerMessage {
  const value = `c${call}-r${i}`.padEnd(100, '.');
  switch (i % 7) {
    case 3: return { key: `k${i % 5}`, value };
    case 5: return { value, partition: i % PARTITIONS };
    case 6: return { value, headers: { h: 'x' } };
    default: return { value };
  }
}

describe('producer.sendMany()', () => {
  it('resolves with runs that place every record where a consumer reads it', async () => {
    // Small batches so calls span several batches and partitions.
    const producer = strata.producer({ batchBytesMax: 8 * 1024, lingerMs: 1 });
    const calls = 20;
    const perCall = 500;
    const receipts: Promise<SendReceipt>[] = [];
    for (let c = 0; c < calls; c++) {
      receipts.push(producer.sendMany({ topic: TOPIC, messages: Array.from({ length: perCall }, (_, i) => messageFor(c, i)) }));
    }
    const done = await Promise.all(receipts);
    const meta = await producer.send({ topic: TOPIC, messages: [{ value: 'last', partition: 2 }, { value: 'last-keyed', key: 'k1' }] });
    await producer.close();

    const where = new Map<string, string>();
    done.forEach((r, c) => {
      expect(r.topic).toBe(TOPIC);
      expect(r.recordCount).toBe(perCall);
      expect(r.runs.reduce((n, run) => n + run.count, 0)).toBe(perCall);
      for (let i = 0; i < perCall; i++) where.set(`${r.partitionOf(i)}/${r.offsetOf(i)}`, `c${c}-r${i}`);
    });
    expect(meta).toHaveLength(2);
    expect(meta[0]).toMatchObject({ topic: TOPIC, partition: 2 });
    where.set(`${meta[0]!.partition}/${meta[0]!.offset}`, 'last');
    where.set(`${meta[1]!.partition}/${meta[1]!.offset}`, 'last-keyed');
    expect(where.size).toBe(calls * perCall + 2);

    const consumer = strata.consumer({ decode: 'utf8' });
    await consumer.assign({ topic: TOPIC, offset: 'earliest' });
    let seen = 0;
    const wrong: string[] = [];
    for await (const rec of consumer) {
      const want = where.get(`${rec.partition}/${rec.offset}`);
      if (want === undefined || !String(rec.value).startsWith(want)) wrong.push(`${rec.partition}/${rec.offset}: ${String(rec.value).slice(0, 12)} != ${want}`);
      if (++seen === where.size) break;
    }
    await consumer.close();
    expect(wrong.slice(0, 5)).toEqual([]);
  }, 30_000);

  it('answers an empty call with an empty receipt, and rejects a bad call whole', async () => {
    const producer = strata.producer();
    const empty = await producer.sendMany({ topic: TOPIC, messages: [] });
    expect(empty.recordCount).toBe(0);
    expect(empty.runs).toEqual([]);
    await expect(producer.sendMany({ topic: TOPIC, messages: [{ value: 'ok' }, { value: 42 as unknown as string }] })).rejects.toThrow(/value/);
    await producer.close();
  });
});
