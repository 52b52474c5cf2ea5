/**
 * Retries and idempotence against the real broker. Faults are injected through the SDK's
 * socket seam: a socket factory that wraps the real `ws` socket and, on chosen produce
 * responses, drops the response and kills the connection - the batch was written but the
 * producer never hears of it, the exact case idempotence exists for.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker } from '../../helpers/broker.js';
import { losingProduceResponses } from '../../helpers/lossy-socket.js';
import { MessageTooLargeError, Strata, type RecordMetadata } from '../../../client/index.js';

let broker: TestBroker;

beforeAll(async () => { broker = await startTestBroker(); });
afterAll(async () => { await broker?.stop(); });

async function produceWithLostResponses(topic: string, idempotent: boolean): Promise<{ metas: RecordMetadata[]; dropped: number }> {
  const faults = losingProduceResponses((n) => n === 2 || n === 5 || n === 9);
  const strata = new Strata({ brokers: broker.url, socketFactory: faults.factory, retry: { retries: 10, initialRetryTimeMs: 10 } });
  await strata.admin().createTopic({ name: topic, partitions: 3 });
  // Small batches and linger so there are many requests, several in flight at once.
  const producer = strata.producer({ idempotent, lingerMs: 1, batchBytesMax: 4096 });
  const sends: Promise<RecordMetadata[]>[] = [];
  for (let s = 0; s < 40; s++) {
    sends.push(producer.send({
      topic, messages: Array.from({ length: 250 }, (_, i) => ({ key: `k${(s * 250 + i) % 31}`, value: `v${s * 250 + i}` })),
    }));
  }
  const metas = (await Promise.all(sends)).flat();
  await strata.close();
  return { metas, dropped: faults.dropped() };
}

async function readAll(topic: string, expected: number): Promise<Array<{ partition: number; offset: number; value: string }>> {
  const strata = new Strata({ brokers: broker.url });
  const admin = strata.admin();
  const d = await admin.describeTopic(topic);
  const total = d.partitions.reduce((n, p) => n + p.logEndOffset, 0);
  const consumer = strata.consumer({ decode: 'utf8' });
  await consumer.assign({ topic, offset: 'earliest' });
  const out: Array<{ partition: number; offset: number; value: string }> = [];
  if (total > 0) {
    for await (const r of consumer) {
      out.push({ partition: r.partition, offset: r.offset, value: r.value! });
      if (out.length >= total) break;
    }
  }
  await strata.close();
  expect(total).toBeGreaterThanOrEqual(expected);
  return out;
}

describe('idempotent producer', () => {
  it('writes each record exactly once when responses are lost and batches retried', async () => {
    const { metas, dropped } = await produceWithLostResponses('exactly-once', true);
    expect(dropped).toBe(3);
    expect(metas).toHaveLength(10_000);
    const records = await readAll('exactly-once', 10_000);
    expect(records).toHaveLength(10_000);
    expect(new Set(records.map((r) => r.value)).size).toBe(10_000);
    // The offsets the producer reported are where the records really are.
    const where = new Map(records.map((r) => [r.value, `${r.partition}:${r.offset}`]));
    const wrong = metas.filter((m, i) => where.get(`v${i}`) !== `${m.partition}:${m.offset}`);
    expect(wrong).toHaveLength(0);
    // Per partition, the records are in the order they were sent.
    for (let p = 0; p < 3; p++) {
      const seq = records.filter((r) => r.partition === p).map((r) => Number(r.value.slice(1)));
      expect(seq).toEqual([...seq].sort((a, b) => a - b));
    }
  });

  it('without idempotence the same faults write duplicates (the check above can fail)', async () => {
    const { dropped } = await produceWithLostResponses('at-least-once', false);
    expect(dropped).toBe(3);
    const records = await readAll('at-least-once', 10_000);
    expect(records.length).toBeGreaterThan(10_000);
    expect(new Set(records.map((r) => r.value)).size).toBe(10_000);
  });

  it('keeps a partition going after one batch is refused for good, under a new producer id', async () => {
    const strata = new Strata({ brokers: broker.url });
    const topic = 'refused-batch';
    // Batches larger than a segment are refused by the broker with MessageTooLargeError.
    await strata.admin().createTopic({ name: topic, partitions: 1, config: { segmentBytes: 4096 } });
    // Small batches: the big record gets a batch of its own, sent with the others in flight.
    const producer = strata.producer({ lingerMs: 0, batchBytesMax: 4096 });
    await producer.connect();
    const firstId = producer.id.producerId;
    const a = producer.send({ topic, messages: [{ value: 'a' }] });
    const big = producer.send({ topic, messages: [{ value: Buffer.alloc(6000, 1) }] });
    const c = producer.send({ topic, messages: [{ value: 'c' }] });
    const d = producer.send({ topic, messages: [{ value: 'd' }] });
    await expect(big).rejects.toBeInstanceOf(MessageTooLargeError);
    const [[ma], [mc], [md]] = await Promise.all([a, c, d]);
    expect([ma!.offset, mc!.offset, md!.offset]).toEqual([0, 1, 2]);
    expect(producer.id.producerId).not.toBe(firstId);
    // And it keeps working afterwards.
    const [me] = await producer.send({ topic, messages: [{ value: 'e' }] });
    expect(me!.offset).toBe(3);
    await strata.close();
    const values = (await readAll(topic, 4)).map((r) => r.value);
    expect(values).toEqual(['a', 'c', 'd', 'e']);
  });

  // A closed client made the producer-id reset fail at once and drain again in a microtask, for
  // ever: timers never fired and the process hung. The producer runs in a child process so a
  // regression fails this test on its timeout instead of hanging the test worker.
  it('does not starve the event loop when the client closes while a failed batch forces a new producer id', async () => {
    const sdk = fileURLToPath(new URL('../../../dist/client/index.js', import.meta.url));
    const script = `
      const { Strata } = await import(${JSON.stringify(sdk)});
      const strata = new Strata({ brokers: process.argv[1] });
      await strata.admin().createTopic({ name: 'reset-on-close', partitions: 1 });
      // A compacted topic refuses records without a key for good (InvalidRecordBatchError).
      await strata.admin().alterTopicConfig('reset-on-close', { set: { 'cleanup.policy': 'compact' } });
      const producer = strata.producer();
      await producer.send({ topic: 'reset-on-close', messages: [{ key: 'a', value: 'a' }] });
      const refused = producer.send({ topic: 'reset-on-close', messages: [{ value: 'no key' }] }).catch((e) => e.name);
      const next = producer.send({ topic: 'reset-on-close', messages: [{ key: 'b', value: 'b' }] }).catch((e) => e.name);
      console.log('refused', await refused);
      await strata.close();
      const t0 = Date.now();
      await new Promise((r) => setTimeout(r, 50));
      console.log('timer', Date.now() - t0 < 5000 ? 'fired' : 'late', 'next', await next);
      await producer.close();
    `;
    const out = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      execFile(process.execPath, ['--input-type=module', '-e', script, broker.url], { timeout: 20_000 },
        (err, stdout) => resolve({ code: err ? (err as { code?: number }).code ?? -1 : 0, stdout }));
    });
    expect(out.stdout).toContain('refused InvalidRecordBatchError');
    expect(out.stdout).toContain('timer fired');
    expect(out.code).toBe(0);
  }, 30_000);
});
