/**
 * A consumer that stops reading (its TCP socket paused) while pipelining fetches of a large
 * backlog: the broker's memory stays bounded, the slow connection is cut off after
 * --slow-consumer-drop-ms, and a well-behaved client is served normally meanwhile. Broker RSS
 * is read from /proc while it happens.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pb } from '../../../proto/messages.js';
import { encodeRecordBatch } from '../../../proto/record-batch.js';
import { startBroker, type BrokerChild } from '../../crash/harness/broker-process.js';
import { produceBody, readPartition, WireClient } from '../../crash/harness/wire-client.js';

const MiB = 1024 * 1024;
const BACKLOG_BATCHES = 48; // 48 MiB of 1 MiB batches
const SLOW_BYTES_MAX = 4 * MiB;
const DROP_MS = 600;
const FETCHES = 64; // the default in-flight limit
const FETCH_BYTES = 16 * MiB;
/** RSS growth allowed while the slow consumer holds on: well under FETCHES x FETCH_BYTES (1 GiB). */
const RSS_GROWTH_MAX = 320 * MiB;

let dir: string;
let broker: BrokerChild;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strata-slow-'));
  broker = await startBroker(dir, { flush: 'never', logLevel: 'warn', args: [
    '--slow-consumer-bytes-max', String(SLOW_BYTES_MAX), '--slow-consumer-drop-ms', String(DROP_MS),
  ] });
  const c = await WireClient.handshake(broker.url);
  await c.request({ createTopics: { topics: [{ name: 'backlog' }, { name: 'other' }] } });
  const value = Buffer.alloc(MiB - 200, 0x61);
  for (let i = 0; i < BACKLOG_BATCHES; i++) {
    const res = await c.request(produceBody('backlog', 0, encodeRecordBatch([{ value }]), pb.Acks.ACKS_LEADER));
    expect(res.produce!.topics![0]!.partitions![0]!.error ?? null).toBeNull();
  }
  c.close();
}, 60_000);
afterAll(async () => {
  await broker?.kill();
  await rm(dir, { recursive: true, force: true });
});

describe('a slow consumer', () => {
  it('is cut off after the deadline with bounded broker memory, while other clients are served', async () => {
    const rssBefore = await broker.rssBytes();
    const slow = await WireClient.handshake(broker.url);
    (slow.ws as unknown as { _socket: Socket })._socket.pause();
    for (let i = 0; i < FETCHES; i++) {
      slow.send({ fetch: { maxWaitMs: 0, minBytes: 0, maxBytes: FETCH_BYTES,
        topics: [{ name: 'backlog', partitions: [{ partition: 0, fetchOffset: (i * 7) % BACKLOG_BATCHES, partitionMaxBytes: FETCH_BYTES }] }] } });
    }
    const good = await WireClient.handshake(broker.url);
    let rssPeak = rssBefore;
    let goodRoundTrips = 0;
    const started = Date.now();
    // While the slow one is held back, the good client produces and reads; RSS is sampled.
    while (Date.now() - started < DROP_MS + 1_500) {
      rssPeak = Math.max(rssPeak, await broker.rssBytes());
      const value = `good-${goodRoundTrips}`;
      const res = await good.request(produceBody('other', 0, encodeRecordBatch([{ value: Buffer.from(value) }])), 2_000);
      const offset = Number(res.produce!.topics![0]!.partitions![0]!.baseOffset);
      expect((await readPartition(good, 'other', 0, offset)).records[0]!.value!.toString()).toBe(value);
      goodRoundTrips++;
      await new Promise((r) => setTimeout(r, 20));
    }
    // The slow connection was terminated: resuming it finds it closed, having got few answers.
    (slow.ws as unknown as { _socket: Socket })._socket.resume();
    const closed = await Promise.race([slow.closed, new Promise<null>((r) => setTimeout(() => r(null), 3_000))]);
    expect(closed, 'slow connection closed by the broker').not.toBeNull();
    expect(slow.received.length).toBeLessThan(FETCHES);
    const growth = rssPeak - rssBefore;
    console.log(`[slow-consumer] broker RSS ${Math.round(rssBefore / MiB)} MiB -> peak ${Math.round(rssPeak / MiB)} MiB `
      + `(+${Math.round(growth / MiB)} MiB for ${FETCHES} pipelined ${FETCH_BYTES / MiB} MiB fetches); `
      + `${slow.received.length} answers reached the slow client; good client did ${goodRoundTrips} round trips`);
    expect(growth).toBeLessThan(RSS_GROWTH_MAX);
    expect(goodRoundTrips).toBeGreaterThan(5);
    expect(good.isOpen).toBe(true);
    good.close();
  });
});
