/**
 * End to end through the SDK against the real broker (in-process, port 0, temp dir): 100k
 * records over several partitions, read back from the start, a middle offset, a timestamp and
 * the log end, and again after a broker restart on the same data directory. The oracle is the
 * list of records produced, with the offsets the producer reported.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker } from '../../helpers/broker.js';
import { take } from '../../helpers/take.js';
import {
  partitionForKey, Strata, type ConsumerRecord, type RecordMetadata,
} from '../../../client/index.js';

const TOPIC = 'orders';
const PARTITIONS = 4;
const RECORDS = 100_000;
const SEND_SIZE = 1_000;
/** Explicit timestamps make the timestamp lookup checkable: record i has BASE_TS + i. */
const BASE_TS = 1_700_000_000_000;

interface Produced {
  key: string;
  value: string;
  timestamp: number;
  meta: RecordMetadata;
}

let broker: TestBroker;
let strata: Strata;
const produced: Produced[] = [];
/** produced, split by partition, in offset order. */
const byPartition: Produced[][] = Array.from({ length: PARTITIONS }, () => []);

function valueOf(i: number): string {
  // 100-byte values, as in the throughput figures.
  return `value-${i}-`.padEnd(100, 'x');
}

/**
 * Checks `got` against the oracle with plain comparisons (an expect() per record would cost
 * more than the I/O) and asserts once on the list of differences.
 */
function expectSameRecords(got: ConsumerRecord<string>[], want: Produced[]): void {
  const problems: string[] = [];
  const key = (p: number, o: number) => p * 1e9 + o;
  const wanted = new Map(want.map((w) => [key(w.meta.partition, w.meta.offset), w]));
  for (const r of got) {
    const w = wanted.get(key(r.partition, r.offset));
    if (!w) problems.push(`unexpected or duplicate record ${r.partition}:${r.offset}`);
    else if (r.value !== w.value || r.key !== w.key || r.timestamp !== w.timestamp || r.topic !== TOPIC) {
      problems.push(`record ${r.partition}:${r.offset} differs: ${r.key}/${r.value?.slice(0, 16)}/${r.timestamp}`);
    }
    wanted.delete(key(r.partition, r.offset));
    if (problems.length > 10) break;
  }
  if (wanted.size > 0) problems.push(`${wanted.size} records missing`);
  expect(problems).toEqual([]);
  expect(got.length).toBe(want.length);
}

function expectOffsetOrder(got: ConsumerRecord<string>[]): void {
  const last = new Map<number, number>();
  const problems: string[] = [];
  for (const r of got) {
    const prev = last.get(r.partition);
    if (prev !== undefined && r.offset !== prev + 1) problems.push(`partition ${r.partition}: ${r.offset} after ${prev}`);
    last.set(r.partition, r.offset);
  }
  expect(problems.slice(0, 10)).toEqual([]);
}

beforeAll(async () => {
  broker = await startTestBroker();
  strata = new Strata({ brokers: broker.url, clientId: 'e2e' });
  await strata.admin().createTopic({ name: TOPIC, partitions: PARTITIONS, config: { flushPolicy: 'never' } });

  const producer = strata.producer();
  const sends: Promise<RecordMetadata[]>[] = [];
  const started = performance.now();
  for (let base = 0; base < RECORDS; base += SEND_SIZE) {
    const messages = [];
    for (let i = base; i < base + SEND_SIZE; i++) {
      messages.push({ key: `customer-${i % 997}`, value: valueOf(i), timestamp: BASE_TS + i });
    }
    sends.push(producer.send({ topic: TOPIC, messages }));
  }
  const metas = (await Promise.all(sends)).flat();
  const seconds = (performance.now() - started) / 1000;
  console.log(`SDK produce (in-process broker, 100-byte values, keyed, acks=all, ${PARTITIONS} partitions): `
    + `${RECORDS} records in ${seconds.toFixed(2)} s = ${Math.round(RECORDS / seconds)} records/s`);
  await producer.close();
  metas.forEach((meta, i) => {
    produced.push({ key: `customer-${i % 997}`, value: valueOf(i), timestamp: BASE_TS + i, meta });
  });
  for (const p of produced) byPartition[p.meta.partition]!.push(p);
  for (const list of byPartition) list.sort((a, b) => a.meta.offset - b.meta.offset);
}, 60_000);

afterAll(async () => {
  await strata?.close();
  await broker?.stop();
});

describe('SDK against a real broker', () => {
  it('places keyed records like Kafka and gives each partition contiguous offsets from 0', () => {
    const misplaced = produced.filter((p) => p.meta.partition !== partitionForKey(Buffer.from(p.key), PARTITIONS));
    expect(misplaced).toHaveLength(0);
    for (const list of byPartition) {
      expect(list.length).toBeGreaterThan(0);
      expect(list.every((p, i) => p.meta.offset === i)).toBe(true);
    }
  });

  it('reports per-partition log end offsets equal to the records produced', async () => {
    const d = await strata.admin().describeTopic(TOPIC);
    expect(d.partitions.map((p) => p.logEndOffset)).toEqual(byPartition.map((l) => l.length));
    expect(d.partitions.every((p) => p.logStartOffset === 0 && p.sizeBytes > 0)).toBe(true);
  });

  it('reads every record back from offset 0, in offset order per partition', async () => {
    const consumer = strata.consumer({ decode: 'utf8' });
    await consumer.assign({ topic: TOPIC, offset: 0 });
    const started = performance.now();
    const got = await take(consumer, RECORDS);
    const seconds = (performance.now() - started) / 1000;
    console.log(`SDK consume (for await per record): ${got.length} records in ${seconds.toFixed(2)} s = ${Math.round(got.length / seconds)} records/s`);
    expectOffsetOrder(got);
    expectSameRecords(got, produced);
    for (let p = 0; p < PARTITIONS; p++) expect(consumer.position({ topic: TOPIC, partition: p })).toBe(byPartition[p]!.length);
    await consumer.close();
  });

  it('reads batches with batches(), the same records', async () => {
    const consumer = strata.consumer({ decode: 'utf8' });
    await consumer.assign({ topic: TOPIC, offset: 'earliest' });
    const got: ConsumerRecord<string>[] = [];
    const started = performance.now();
    let mislabelled = 0;
    for await (const batch of consumer.batches()) {
      for (const r of batch.records) if (r.topic !== batch.topic || r.partition !== batch.partition) mislabelled++;
      for (const r of batch.records) got.push(r);
      if (got.length >= RECORDS) break;
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(`SDK consume (batches()): ${got.length} records in ${seconds.toFixed(2)} s = ${Math.round(got.length / seconds)} records/s`);
    expect(mislabelled).toBe(0);
    expectOffsetOrder(got);
    expectSameRecords(got, produced);
    await consumer.close();
  });

  it('starts from a middle offset, skipping the records before it inside the first batch', async () => {
    const list = byPartition[1]!;
    const middle = Math.floor(list.length / 2) + 3; // unlikely to fall on a batch boundary
    const consumer = strata.consumer({ decode: 'utf8' });
    await consumer.assign([{ topic: TOPIC, partition: 1, offset: middle }]);
    const got = await take(consumer, list.length - middle);
    expect(got[0]!.offset).toBe(middle);
    expectSameRecords(got, list.slice(middle));
    await consumer.close();
  });

  it('starts from a timestamp at the first record at or after it in each partition', async () => {
    const ts = BASE_TS + 61_234;
    const consumer = strata.consumer({ decode: 'utf8' });
    await consumer.assign({ topic: TOPIC, offset: { timestamp: ts } });
    const want = produced.filter((p) => p.timestamp >= ts);
    for (let p = 0; p < PARTITIONS; p++) {
      const first = byPartition[p]!.find((x) => x.timestamp >= ts)!;
      expect(consumer.position({ topic: TOPIC, partition: p })).toBe(first.meta.offset);
    }
    const got = await take(consumer, want.length);
    expectSameRecords(got, want);
    await consumer.close();
  });

  it('starts at the log end with latest and then receives only new records', async () => {
    const consumer = strata.consumer({ decode: 'utf8', maxWaitMs: 200 });
    await consumer.assign({ topic: TOPIC, offset: 'latest' });
    for (let p = 0; p < PARTITIONS; p++) expect(consumer.position({ topic: TOPIC, partition: p })).toBe(byPartition[p]!.length);
    const reading = take(consumer, 20);
    await new Promise((r) => setTimeout(r, 300)); // the consumer is parked in a long poll
    const producer = strata.producer({ lingerMs: 0 });
    const metas = await producer.send({
      topic: TOPIC, messages: Array.from({ length: 20 }, (_, i) => ({ key: `new-${i}`, value: `fresh-${i}` })),
    });
    await producer.close();
    const got = await reading;
    expect(got.map((r) => r.value).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `fresh-${i}`).sort());
    for (const r of got) {
      const m = metas[Number(r.value!.slice(6))]!;
      expect([r.partition, r.offset]).toEqual([m.partition, m.offset]);
      expect(Math.abs(r.timestamp - Date.now())).toBeLessThan(60_000);
    }
    await consumer.close();
    // Keep the oracle in step for the restart test below.
    metas.forEach((meta, i) => {
      const p: Produced = { key: `new-${i}`, value: `fresh-${i}`, timestamp: got.find((r) => r.value === `fresh-${i}`)!.timestamp, meta };
      produced.push(p);
      byPartition[meta.partition]!.push(p);
    });
  });

  it('replays the same records after the broker restarts on the same data directory', async () => {
    await strata.close();
    broker = await broker.restart();
    strata = new Strata({ brokers: broker.url });
    const consumer = strata.consumer({ decode: 'utf8' });
    await consumer.assign({ topic: TOPIC, offset: 'earliest' });
    const got = await take(consumer, produced.length);
    expectOffsetOrder(got);
    expectSameRecords(got, produced);
    await consumer.close();
  });
});
