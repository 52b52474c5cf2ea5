/**
 * SDK throughput against an in-process broker (client and broker share one event loop and
 * this machine's cores): 100-byte records without keys, one producer, then one consumer from
 * offset 0. Prints Kafka perf-test style lines; the figures are measurements, not assertions
 * (only completeness is checked). STRATA_SDK_BENCH_RECORDS sets the record count (the suite
 * default stays small so the suite stays fast).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker } from '../../helpers/broker.js';
import { Strata } from '../../../client/index.js';

const RECORDS = Number(process.env.STRATA_SDK_BENCH_RECORDS ?? 200_000);
const RECORD_BYTES = 100;
const SEND_SIZE = 1_000;
/** send() calls kept outstanding: enough to fill many batches, bounded like an application would. */
const SENDS_IN_FLIGHT = 64;

let broker: TestBroker;
let strata: Strata;

beforeAll(async () => {
  broker = await startTestBroker();
  strata = new Strata({ brokers: broker.url });
});

afterAll(async () => {
  await strata?.close();
  await broker?.stop();
});

function perfLine(what: string, records: number, seconds: number, cpuMicros: number): string {
  const rate = records / seconds;
  return `${what}: ${records} records, ${rate.toFixed(1)} records/sec (${(rate * RECORD_BYTES / 1024 / 1024).toFixed(2)} MB/sec), `
    + `${(cpuMicros * 1000 / records).toFixed(0)} ns CPU/record (client + broker)`;
}

async function produce(topic: string, partitions: number): Promise<void> {
  await strata.admin().createTopic({ name: topic, partitions, config: { flushPolicy: 'never' } });
  const producer = strata.producer();
  await producer.connect();
  const value = Buffer.alloc(RECORD_BYTES, 'x');
  const messages = Array.from({ length: SEND_SIZE }, () => ({ value }));
  const cpu = process.cpuUsage();
  const started = performance.now();
  const inFlight: Promise<unknown>[] = [];
  for (let sent = 0; sent < RECORDS; sent += SEND_SIZE) {
    inFlight.push(producer.send({ topic, messages }));
    if (inFlight.length >= SENDS_IN_FLIGHT) await inFlight.shift();
  }
  await Promise.all(inFlight);
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  console.log(perfLine(`produce (${partitions} partition${partitions > 1 ? 's' : ''}, acks=all, flush never)`, RECORDS, seconds, used.user + used.system));
  await producer.close();
  const d = await strata.admin().describeTopic(topic);
  expect(d.partitions.reduce((n, p) => n + p.logEndOffset, 0)).toBe(RECORDS);
}

async function consume(topic: string, perRecord: boolean): Promise<void> {
  const consumer = strata.consumer();
  await consumer.assign({ topic, offset: 0 });
  const cpu = process.cpuUsage();
  const started = performance.now();
  let count = 0;
  let bytes = 0;
  if (perRecord) {
    for await (const r of consumer) {
      bytes += (r.value as Buffer).length;
      if (++count >= RECORDS) break;
    }
  } else {
    for await (const batch of consumer.batches()) {
      for (const r of batch.records) bytes += (r.value as Buffer).length;
      count += batch.records.length;
      if (count >= RECORDS) break;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  console.log(perfLine(`consume (${perRecord ? 'for await per record' : 'batches()'})`, count, seconds, used.user + used.system));
  expect(count).toBe(RECORDS);
  expect(bytes).toBe(RECORDS * RECORD_BYTES);
  await consumer.close();
}

describe('SDK throughput, in-process broker, 100-byte records', () => {
  it('produces to one partition and consumes it back', async () => {
    await produce('bench-1', 1);
    await consume('bench-1', false);
    await consume('bench-1', true);
  }, 120_000);

  it('produces to four partitions and consumes them back', async () => {
    await produce('bench-4', 4);
    await consume('bench-4', false);
  }, 120_000);
});
