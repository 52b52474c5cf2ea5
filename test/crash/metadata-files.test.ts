/**
 * Damaged broker-level metadata files, through a real broker process:
 *   - a stray topics.json temp file from an interrupted topic creation is removed, and the topic
 *     it described does not appear;
 *   - producer-ids.json deleted, truncated or garbled after a crash: the broker must never hand
 *     out a producer id that already has batches in a log, or a new producer's first batches
 *     would be taken for retries of the old one's and silently dropped.
 */
import { cp, mkdtemp, readFile, rm, truncate, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { encodeRecordBatch } from '../../proto/record-batch.js';
import { startBroker, waitFor, type BrokerChild } from './harness/broker-process.js';
import { produceBody, readPartition, WireClient } from './harness/wire-client.js';

const PRODUCER_IDS = 'producer-ids.json';

describe('broker metadata files', () => {
  let dir: string;
  const brokers: BrokerChild[] = [];
  const clients: WireClient[] = [];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'strata-meta-'));
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.terminate();
    for (const b of brokers.splice(0)) await b.kill();
    await rm(dir, { recursive: true, force: true });
  });

  async function boot(): Promise<{ broker: BrokerChild; client: WireClient }> {
    const broker = await startBroker(dir);
    brokers.push(broker);
    const client = await WireClient.handshake(broker.url);
    clients.push(client);
    return { broker, client };
  }

  it('removes a stray topics.json temp file left by an interrupted topic creation', async () => {
    let { broker, client } = await boot();
    await client.request({ createTopics: { topics: [{ name: 'kept' }] } });
    await client.request(produceBody('kept', 0, encodeRecordBatch([{ value: Buffer.from('v') }])));
    await broker.kill();
    const half = '{ "version": 1, "topics": [ { "name": "kept", "partitions": 1 }, { "name": "half-created", "parti';
    await writeFile(join(dir, 'topics.json.tmp'), half);
    ({ broker, client } = await boot());
    await waitFor(() => broker.find('removing leftover from an interrupted operation').length > 0
      || broker.find('removed temp file of an interrupted topics.json write').length > 0, 5_000, 'temp file removal log line');
    const topics = await client.request({ listTopics: {} });
    expect(topics.listTopics!.names).toEqual(['kept']);
    expect((await readPartition(client, 'kept', 0)).records.map((r) => r.value!.toString())).toEqual(['v']);
    await expect(readFile(join(dir, 'topics.json.tmp'))).rejects.toThrow(/ENOENT/);
  });

  /**
   * What every producer-ids.json case damages: a log with batches of three producers (ids the
   * broker handed out) and the broker killed, made once; each case damages its own copy.
   */
  let crashed: { dir: string; used: number[] } | null = null;
  beforeAll(async () => {
    const at = await mkdtemp(join(tmpdir(), 'strata-meta-ids-'));
    crashed = { dir: at, used: [] };
    const broker = await startBroker(at);
    const client = await WireClient.handshake(broker.url);
    try {
      await client.request({ createTopics: { topics: [{ name: 'ids' }] } });
      for (let i = 0; i < 3; i++) {
        const pid = Number((await client.request({ initProducerId: {} })).initProducerId!.producerId);
        crashed.used.push(pid);
        const batch = encodeRecordBatch([{ value: Buffer.from(`old-${pid}-0`) }, { value: Buffer.from(`old-${pid}-1`) }],
          { producerId: pid, producerEpoch: 0, baseSequence: 0 });
        const res = await client.request(produceBody('ids', 0, batch));
        expect(res.produce!.topics![0]!.partitions![0]!.error ?? null).toBeNull();
      }
    } finally {
      client.terminate();
      await broker.kill();
    }
  }, 30_000);
  afterAll(async () => {
    if (crashed) await rm(crashed.dir, { recursive: true, force: true });
  });

  const damages: Record<string, (path: string) => Promise<void>> = {
    deleted: (p) => unlink(p),
    'truncated to nothing': (p) => truncate(p, 0),
    'cut in half': async (p) => truncate(p, Math.floor((await readFile(p)).length / 2)),
    garbled: (p) => writeFile(p, '{"version":1,"reservedUpTo":"lots"}'),
  };
  for (const [how, damage] of Object.entries(damages)) {
    it(`never hands out a producer id already in a log when producer-ids.json is ${how}`, async () => {
      const used = crashed!.used;
      await cp(crashed!.dir, dir, { recursive: true });
      await damage(join(dir, PRODUCER_IDS));

      let { broker, client } = await boot();
      const res = await client.request({ initProducerId: {} });
      expect(res.error ?? null).toBeNull();
      const fresh = Number(res.initProducerId!.producerId);
      expect(used).not.toContain(fresh);
      expect(fresh).toBeGreaterThan(Math.max(...used));
      // The new producer's first batch has the same shape as the old ones' first batches: it
      // must be appended, not answered as a duplicate of theirs.
      const batch = encodeRecordBatch([{ value: Buffer.from('new-0') }, { value: Buffer.from('new-1') }],
        { producerId: fresh, producerEpoch: 0, baseSequence: 0 });
      const appended = (await client.request(produceBody('ids', 0, batch))).produce!.topics![0]!.partitions![0]!;
      expect(appended.error ?? null).toBeNull();
      expect(Number(appended.baseOffset)).toBe(6);
      const values = (await readPartition(client, 'ids', 0)).records.map((r) => r.value!.toString());
      expect(values.slice(6)).toEqual(['new-0', 'new-1']);
      await waitFor(() => broker.find('producer id').length > 0, 5_000, 'a log line about the producer id file repair');
      // The repaired file is valid again: a clean restart keeps ids moving forward.
      expect(await broker.stop()).toBe(0);
      ({ broker, client } = await boot());
      const later = Number((await client.request({ initProducerId: {} })).initProducerId!.producerId);
      expect(later).toBeGreaterThan(fresh);
    });
  }
});
