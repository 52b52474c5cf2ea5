/**
 * Issue 17, part 1: forged producer ids, forged epochs and control batches, sent over a real
 * WebSocket to a real broker process (the CLI), raw frames from an attacker next to a real SDK
 * producer. Before the fix an attacker could write under ids the broker had not issued yet; the
 * next producer was handed one of them and its first batch was answered as a "duplicate" of the
 * forger's: acknowledged at an offset that held the attacker's record, stored nowhere. Anyone
 * could also fence any producer by sending its id with epoch + 1, and append control batches.
 *
 * Every case here failed at 17a3b35. The property at the end throws forged headers at the
 * broker at random and checks that none is acknowledged and that the legitimate producers'
 * records stay exactly where they were acknowledged.
 *
 * STRATA_FUZZ_RUNS scales the number of property runs (`npm run test:fuzz:long`).
 */
import fc from 'fast-check';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Strata } from '../../client/index.js';
import { encodeRecordBatch, type EncodeBatchOptions } from '../../proto/record-batch.js';
import { startBroker, type BrokerChild } from '../crash/harness/broker-process.js';
import { produceBody, readPartition, WireClient } from '../crash/harness/wire-client.js';

const SCALE = Number(process.env.STRATA_FUZZ_RUNS ?? 1);
const RUNS = 60 * SCALE;
const TIMEOUT_MS = 60_000 * SCALE;
const TWO_53 = 2 ** 53;

let dataDir: string;
let broker: BrokerChild;
let admin: WireClient;

interface WireErr { name?: string | null; retriable?: boolean | null; code?: number | null }

/** Produces one batch on `c` and returns the partition's answer (error or base offset). */
async function produce(c: WireClient, topic: string, value: string, opts: EncodeBatchOptions): Promise<{ error: WireErr | null; baseOffset: number }> {
  const res = await c.request(produceBody(topic, 0, encodeRecordBatch([{ value: Buffer.from(value) }], opts)));
  if (res.error) throw new Error(`request failed: ${res.error.name}`);
  const p = res.produce!.topics![0]!.partitions![0]!;
  return { error: p.error?.code ? p.error : null, baseOffset: Number(p.baseOffset) };
}

async function initProducerId(c: WireClient, current?: { producerId: number; producerEpoch: number }): Promise<{ error: WireErr | null; producerId: number; producerEpoch: number }> {
  const res = await c.request({ initProducerId: current ? { current } : {} });
  if (res.error?.code) return { error: res.error, producerId: -1, producerEpoch: -1 };
  return { error: null, producerId: Number(res.initProducerId!.producerId), producerEpoch: res.initProducerId!.producerEpoch ?? 0 };
}

async function createTopic(name: string): Promise<void> {
  const res = await admin.request({ createTopics: { topics: [{ name, partitions: 1 }] } });
  expect(res.error ?? null).toBeNull();
}

/** Values of the partition's records by offset. */
async function valuesByOffset(topic: string): Promise<Map<number, string>> {
  const contents = await readPartition(admin, topic, 0);
  return new Map(contents.records.map((r) => [r.offset, r.value?.toString() ?? '']));
}

/** Sends one record with a new SDK producer (idempotent, acks=all); resolves with its offset. */
async function sdkSend(topic: string, value: string): Promise<number> {
  const strata = new Strata({ brokers: broker.url });
  try {
    const producer = strata.producer();
    const [meta] = await producer.send({ topic, messages: [{ value }] });
    await producer.close();
    return meta!.offset;
  } finally {
    await strata.close();
  }
}

async function restart(): Promise<void> {
  admin.close();
  expect(await broker.stop()).toBe(0);
  broker = await startBroker(dataDir, { logLevel: 'warn' });
  admin = await WireClient.handshake(broker.url);
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'strata-forged-'));
  broker = await startBroker(dataDir, { logLevel: 'warn' });
  admin = await WireClient.handshake(broker.url);
}, 30_000);

afterAll(async () => {
  admin?.close();
  await broker?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('forged producer ids', () => {
  it('the reproduction of issue 17: batches under ids not issued yet are refused, and the next SDK producer\'s record is stored at the offset it was told', async () => {
    await createTopic('spoof');
    const attacker = await WireClient.handshake(broker.url);
    const { producerId: x } = await initProducerId(attacker);
    for (let n = 1; n <= 3; n++) {
      const { error } = await produce(attacker, 'spoof', `EVIL-${n}`, { producerId: x + n, producerEpoch: 0, baseSequence: 0 });
      // Soft, so that a broker that accepts them also shows what that costs: the lost record below.
      expect.soft(error).toMatchObject({ name: 'UnknownProducerIdError', retriable: false });
    }
    attacker.close();
    const offset = await sdkSend('spoof', 'LEGIT-VALUE');
    const values = await valuesByOffset('spoof');
    expect(values.get(offset)).toBe('LEGIT-VALUE');
    expect([...values.values()].filter((v) => v.startsWith('EVIL'))).toEqual([]);
  });

  it('refuses ids never issued (987654, 2^53 - 1, -2) as unknown and an unsafe one (2^53) as malformed, appending nothing', async () => {
    await createTopic('never-issued');
    const c = await WireClient.handshake(broker.url);
    try {
      for (const producerId of [987_654, TWO_53 - 1, -2]) {
        const { error } = await produce(c, 'never-issued', `forged-${producerId}`, { producerId, producerEpoch: 0, baseSequence: 0 });
        expect(error, `producer id ${producerId}`).toMatchObject({ name: 'UnknownProducerIdError', retriable: false });
      }
      const unsafe = await produce(c, 'never-issued', 'forged-2^53', { producerId: TWO_53, producerEpoch: 0, baseSequence: 0 });
      expect(unsafe.error).toMatchObject({ name: 'InvalidRecordBatchError', retriable: false });
      // Non-idempotent batches (-1) are still welcome.
      const plain = await produce(c, 'never-issued', 'plain', {});
      expect(plain.error).toBeNull();
      expect([...(await valuesByOffset('never-issued')).values()]).toEqual(['plain']);
    } finally {
      c.close();
    }
  });

  it('refuses a forged epoch bump; only the holder raises its epoch, through InitProducerId, and the raise survives a restart', async () => {
    await createTopic('epochs');
    let holder = await WireClient.handshake(broker.url);
    const attacker = await WireClient.handshake(broker.url);
    const { producerId: y, producerEpoch } = await initProducerId(holder);
    expect(producerEpoch).toBe(0);
    expect((await produce(holder, 'epochs', 'a', { producerId: y, producerEpoch: 0, baseSequence: 0 })).error).toBeNull();
    // The attacker read y from a fetched batch header and tries to fence the holder.
    const forged = await produce(attacker, 'epochs', 'forged', { producerId: y, producerEpoch: 1, baseSequence: 0 });
    expect(forged.error).toMatchObject({ name: 'InvalidProducerEpochError', retriable: false });
    expect((await produce(holder, 'epochs', 'b', { producerId: y, producerEpoch: 0, baseSequence: 1 })).error).toBeNull();
    // Nor may it raise the epoch through InitProducerId: the id was not issued to it.
    expect((await initProducerId(attacker, { producerId: y, producerEpoch: 0 })).error).toMatchObject({ name: 'InvalidProducerIdMappingError' });
    expect((await initProducerId(holder, { producerId: y, producerEpoch: 1 })).error).toMatchObject({ name: 'InvalidProducerEpochError' });
    expect((await initProducerId(holder, { producerId: 987_654_321, producerEpoch: 0 })).error).toMatchObject({ name: 'UnknownProducerIdError' });
    // The holder's raise fences its own older epoch.
    expect(await initProducerId(holder, { producerId: y, producerEpoch: 0 })).toEqual({ error: null, producerId: y, producerEpoch: 1 });
    const stale = await produce(holder, 'epochs', 'stale', { producerId: y, producerEpoch: 0, baseSequence: 2 });
    expect(stale.error).toMatchObject({ name: 'InvalidProducerEpochError' });
    expect((await produce(holder, 'epochs', 'c', { producerId: y, producerEpoch: 1, baseSequence: 0 })).error).toBeNull();
    expect((await produce(attacker, 'epochs', 'forged-2', { producerId: y, producerEpoch: 2, baseSequence: 0 })).error)
      .toMatchObject({ name: 'InvalidProducerEpochError' });
    holder.close();
    attacker.close();

    await restart();
    holder = await WireClient.handshake(broker.url);
    const again = await produce(holder, 'epochs', 'forged-3', { producerId: y, producerEpoch: 2, baseSequence: 0 });
    expect(again.error).toMatchObject({ name: 'InvalidProducerEpochError' });
    expect((await produce(holder, 'epochs', 'd', { producerId: y, producerEpoch: 1, baseSequence: 1 })).error).toBeNull();
    holder.close();
    expect([...(await valuesByOffset('epochs')).values()]).toEqual(['a', 'b', 'c', 'd']);
  });

  it('refuses control batches from clients, idempotent or not', async () => {
    await createTopic('control');
    const c = await WireClient.handshake(broker.url);
    try {
      const { producerId } = await initProducerId(c);
      for (const opts of [{ isControl: true }, { isControl: true, isTransactional: true, producerId, producerEpoch: 0, baseSequence: 0 }]) {
        const { error } = await produce(c, 'control', 'marker', opts);
        expect(error).toMatchObject({ name: 'InvalidRecordBatchError', retriable: false });
      }
      expect((await produce(c, 'control', 'data', { producerId, producerEpoch: 0, baseSequence: 0 })).error).toBeNull();
      expect([...(await valuesByOffset('control')).values()]).toEqual(['data']);
    } finally {
      c.close();
    }
  });
});

describe('hostile producer headers (property)', () => {
  it('acknowledges no forged batch, and keeps every legitimate record at its acknowledged offset', async () => {
    await createTopic('hostile');
    const legit = await WireClient.handshake(broker.url);
    const attacker = await WireClient.handshake(broker.url);
    const { producerId: mine } = await initProducerId(legit);
    const { producerId: theirs } = await initProducerId(attacker);
    let seq = 0;
    const acked = new Map<number, string>();
    const forgery = fc.oneof(
      // Ids nobody was given: above the ones issued so far, negative, at the edge of 2^53.
      fc.record({ producerId: fc.integer({ min: theirs + 10, max: theirs + 1_000_000 }), producerEpoch: fc.integer({ min: 0, max: 5 }), isControl: fc.constant(false) }),
      fc.record({ producerId: fc.integer({ min: -1_000_000, max: -2 }), producerEpoch: fc.integer({ min: 0, max: 5 }), isControl: fc.constant(false) }),
      fc.record({ producerId: fc.constantFrom(TWO_53 - 1, TWO_53 - 2), producerEpoch: fc.constant(0), isControl: fc.constant(false) }),
      // Issued ids at epochs nobody raised them to.
      fc.record({ producerId: fc.constantFrom(mine, theirs), producerEpoch: fc.integer({ min: 1, max: 0x7fff }), isControl: fc.constant(false) }),
      // Control batches, with or without an id.
      fc.record({ producerId: fc.constantFrom(-1, theirs), producerEpoch: fc.constant(0), isControl: fc.constant(true) }),
    );
    await fc.assert(fc.asyncProperty(forgery, fc.integer({ min: 0, max: 100 }), async (f, baseSequence) => {
      const forged = await produce(attacker, 'hostile', `forged-${f.producerId}`, { ...f, baseSequence });
      expect(forged.error?.name).toMatch(/^(UnknownProducerIdError|InvalidProducerEpochError|InvalidRecordBatchError)$/);
      const value = `legit-${seq}`;
      const ok = await produce(legit, 'hostile', value, { producerId: mine, producerEpoch: 0, baseSequence: seq++ });
      expect(ok.error).toBeNull();
      acked.set(ok.baseOffset, value);
    }), { numRuns: RUNS });
    legit.close();
    attacker.close();
    // A fresh SDK producer after the storm is stored where it was told, too.
    acked.set(await sdkSend('hostile', 'after-the-storm'), 'after-the-storm');
    const values = await valuesByOffset('hostile');
    expect(values).toEqual(acked);
  }, TIMEOUT_MS);
});
