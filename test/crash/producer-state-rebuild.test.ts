/**
 * After a crash the broker rebuilds idempotent-producer state from the batch headers in the log,
 * so a producer retrying a batch that was written just before the kill (its answer lost) gets
 * the original offsets back instead of a second copy. Checked with exact bytes over the wire
 * against a real broker process, across SIGKILL and across a clean restart.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../proto/errors.js';
import { pb, type Response } from '../../proto/messages.js';
import { encodeRecordBatch } from '../../proto/record-batch.js';
import { startBroker, type BrokerChild } from './harness/broker-process.js';
import { produceBody, readPartition, WireClient } from './harness/wire-client.js';

const TOPIC = 'idem';

function batch(producerId: number, baseSequence: number, tag: string, count = 3): Buffer {
  const records = Array.from({ length: count }, (_, i) => ({ value: Buffer.from(`${tag}-${i}`) }));
  return encodeRecordBatch(records, { producerId, producerEpoch: 0, baseSequence });
}

function answer(res: Response): { code: number; baseOffset: number; lastOffset: number } {
  const p = res.produce!.topics![0]!.partitions![0]!;
  return { code: p.error?.code ?? 0, baseOffset: Number(p.baseOffset), lastOffset: Number(p.lastOffset) };
}

describe('producer state after a restart', () => {
  let dataDir: string;
  const brokers: BrokerChild[] = [];
  const clients: WireClient[] = [];

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'strata-idem-'));
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.terminate();
    for (const b of brokers.splice(0)) await b.kill();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function boot(): Promise<{ broker: BrokerChild; client: WireClient }> {
    const broker = await startBroker(dataDir);
    brokers.push(broker);
    const client = await WireClient.handshake(broker.url);
    clients.push(client);
    return { broker, client };
  }

  for (const how of ['SIGKILL', 'SIGTERM'] as const) {
    it(`answers retries of the last five batches with their original offsets after a ${how} restart`, async () => {
      let { broker, client } = await boot();
      await client.request({ createTopics: { topics: [{ name: TOPIC }] } });
      const init = await client.request({ initProducerId: {} });
      const pid = Number(init.initProducerId!.producerId);
      // Another producer's batches interleave, so offsets and sequences differ.
      const other = Number((await client.request({ initProducerId: {} })).initProducerId!.producerId);
      expect(other).not.toBe(pid);

      const batches: Buffer[] = [];
      const offsets: Array<{ baseOffset: number; lastOffset: number }> = [];
      for (let i = 0; i < 7; i++) {
        batches.push(batch(pid, i * 3, `p-${i}`));
        const a = answer(await client.request(produceBody(TOPIC, 0, batches[i]!)));
        expect(a.code).toBe(0);
        offsets.push(a);
        expect(answer(await client.request(produceBody(TOPIC, 0, batch(other, i * 2, `o-${i}`, 2)))).code).toBe(0);
      }
      const endBefore = (await readPartition(client, TOPIC, 0)).highWatermark;

      if (how === 'SIGKILL') await broker.kill();
      else expect(await broker.stop()).toBe(0);
      ({ broker, client } = await boot());

      // The five most recent batches are remembered: each retry gets its original offsets.
      for (let i = 2; i < 7; i++) {
        const a = answer(await client.request(produceBody(TOPIC, 0, batches[i]!)));
        expect(a, `retry of batch ${i}`).toEqual({ code: 0, ...offsets[i]! });
      }
      // A retry older than those is refused, never appended again.
      const old = answer(await client.request(produceBody(TOPIC, 0, batches[0]!)));
      expect(old.code).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE);
      // A gap is refused; the next sequence is appended at the end.
      expect(answer(await client.request(produceBody(TOPIC, 0, batch(pid, 22, 'gap')))).code).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE);
      const next = answer(await client.request(produceBody(TOPIC, 0, batch(pid, 21, 'next'))));
      expect(next).toEqual({ code: 0, baseOffset: endBefore, lastOffset: endBefore + 2 });

      const contents = await readPartition(client, TOPIC, 0);
      const values = contents.records.map((r) => r.value!.toString());
      expect(values.length).toBe(endBefore + 3);
      expect(new Set(values).size).toBe(values.length);
      for (let i = 0; i < 7; i++) {
        expect(values.slice(offsets[i]!.baseOffset, offsets[i]!.lastOffset + 1)).toEqual([`p-${i}-0`, `p-${i}-1`, `p-${i}-2`]);
      }
    });
  }

  it('recognises a retry of a batch whose answer was lost in the kill itself', async () => {
    let { broker, client } = await boot();
    await client.request({ createTopics: { topics: [{ name: TOPIC }] } });
    const pid = Number((await client.request({ initProducerId: {} })).initProducerId!.producerId);
    // Pipeline many acks=all batches and kill the broker without waiting for the answers.
    const batches = Array.from({ length: 40 }, (_, i) => batch(pid, i * 3, `b-${i}`));
    for (const b of batches) client.send(produceBody(TOPIC, 0, b, pb.Acks.ACKS_ALL));
    await new Promise((r) => setTimeout(r, 5));
    await broker.kill();
    const answered = client.received.filter((r) => r.produce).length;
    ({ broker, client } = await boot());

    // Whatever made it to disk is a prefix of the batches; retry them all in order, like the SDK.
    const written = (await readPartition(client, TOPIC, 0)).highWatermark / 3;
    expect(Number.isInteger(written)).toBe(true);
    expect(written).toBeGreaterThanOrEqual(answered);
    for (let i = Math.max(0, written - 5); i < batches.length; i++) {
      const a = answer(await client.request(produceBody(TOPIC, 0, batches[i]!)));
      expect(a, `retry of batch ${i} (${written} written before the kill)`).toEqual({ code: 0, baseOffset: i * 3, lastOffset: i * 3 + 2 });
    }
    const values = (await readPartition(client, TOPIC, 0)).records.map((r) => r.value!.toString());
    expect(values).toEqual(batches.flatMap((_, i) => [`b-${i}-0`, `b-${i}-1`, `b-${i}-2`]));
  });
});
