/**
 * Every broker limit is a CLI option of `strata broker start` and is enforced: frame size (before
 * the frame is buffered), in-flight requests per connection, connections, topics, partitions per
 * topic, the fetch long-poll cap, and the idle timeout with ping/pong. Each runs against a broker
 * child process started with that option.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { ErrorCode } from '../../../proto/errors.js';
import { startBroker, type BrokerChild } from '../../crash/harness/broker-process.js';
import { WireClient } from '../../crash/harness/wire-client.js';
import { encodeFrame, openRawWebSocket } from '../../fuzz/harness/raw-websocket.js';

const FRAME_BYTES_MAX = 64 * 1024;
const IN_FLIGHT_MAX = 4;
const TOPICS_MAX = 3;
const PARTITIONS_MAX = 4;
const FETCH_WAIT_MS_MAX = 200;
const IDLE_TIMEOUT_MS = 400;
const CONNECTIONS_MAX = 3;

let dir: string;
let broker: BrokerChild;
const clients: WireClient[] = [];

async function client(url = broker.url): Promise<WireClient> {
  const c = await WireClient.handshake(url);
  clients.push(c);
  return c;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strata-limits-'));
  broker = await startBroker(dir, { logLevel: 'warn', args: [
    '--frame-bytes-max', String(FRAME_BYTES_MAX), '--max-in-flight', String(IN_FLIGHT_MAX), '--max-topics', String(TOPICS_MAX),
    '--max-partitions', String(PARTITIONS_MAX), '--fetch-wait-ms-max', String(FETCH_WAIT_MS_MAX),
    '--idle-timeout-ms', String(IDLE_TIMEOUT_MS),
  ] });
  const c = await client();
  await c.request({ createTopics: { topics: [{ name: 'limits' }] } });
}, 30_000);
afterAll(async () => {
  for (const c of clients) c.terminate();
  await broker?.kill();
  await rm(dir, { recursive: true, force: true });
});

describe('broker limits', () => {
  it('closes with 1009 a frame over --frame-bytes-max as soon as its header declares it, without waiting for the bytes', async () => {
    const raw = await openRawWebSocket(broker.url);
    // Declares 1 GiB, sends 10 bytes: a broker that buffered before checking would wait forever.
    raw.socket.write(encodeFrame({ opcode: 2, payload: Buffer.alloc(10), declaredLength: 1n << 30n }).subarray(0, 24));
    expect(await raw.closed).toBe(1009);
    expect(raw.closedAfterMs()).toBeLessThan(2_000);
    // A real frame one byte over the limit is refused the same way; one at the limit is read.
    const c = await client();
    c.sendRaw(Buffer.alloc(FRAME_BYTES_MAX + 1, 0));
    expect((await c.closed).code).toBe(1009);
    const ok = await client();
    ok.sendRaw(Buffer.concat([Buffer.from([0x08, 0x2a]), Buffer.alloc(FRAME_BYTES_MAX - 2, 0)]));
    expect((await ok.responseTo(42)).error?.code).toBe(ErrorCode.INVALID_REQUEST);
  });

  it('answers requests past --max-in-flight with TooManyRequestsError (retriable)', async () => {
    const c = await client();
    const ids = Array.from({ length: 12 }, () => c.send({ fetch: {
      maxWaitMs: FETCH_WAIT_MS_MAX, minBytes: 1, topics: [{ name: 'limits', partitions: [{ partition: 0, fetchOffset: 0 }] }],
    } }));
    const answers = await Promise.all(ids.map((id) => c.responseTo(id)));
    const refused = answers.filter((r) => r.error?.code === ErrorCode.TOO_MANY_REQUESTS);
    expect(refused.length).toBe(12 - IN_FLIGHT_MAX);
    expect(refused[0]!.error!.retriable).toBe(true);
    expect(answers.filter((r) => r.fetch).length).toBe(IN_FLIGHT_MAX);
  });

  it('refuses topics past --max-topics and partitions past --max-partitions', async () => {
    const c = await client();
    const res = await c.request({ createTopics: { topics: [
      { name: 'too-many-parts', partitions: PARTITIONS_MAX + 1 }, { name: 't2', partitions: PARTITIONS_MAX }, { name: 't3' }, { name: 't4' },
    ] } });
    const codes = res.createTopics!.topics!.map((t) => t.error?.code ?? 0);
    expect(codes).toEqual([ErrorCode.INVALID_CONFIG, 0, 0, ErrorCode.LIMIT_EXCEEDED]);
  });

  it('caps a fetch long poll at --fetch-wait-ms-max', async () => {
    const c = await client();
    const end = Number((await c.request({ listOffsets: { topics: [{ name: 'limits', partitions: [{ partition: 0, timestamp: -1 }] }] } }))
      .listOffsets!.topics![0]!.partitions![0]!.offset);
    const started = performance.now();
    const res = await c.request({ fetch: { maxWaitMs: 60_000, minBytes: 1, topics: [{ name: 'limits', partitions: [{ partition: 0, fetchOffset: end }] }] } });
    const tookMs = performance.now() - started;
    expect(res.fetch!.topics![0]!.partitions![0]!.records?.length ?? 0).toBe(0);
    expect(tookMs).toBeGreaterThanOrEqual(FETCH_WAIT_MS_MAX - 20);
    expect(tookMs).toBeLessThan(FETCH_WAIT_MS_MAX + 1_500);
  });

  it('drops a connection that answers no ping within --idle-timeout-ms, and keeps one that does', async () => {
    const silent = await openRawWebSocket(broker.url); // never answers pings
    const polite = await client(); // ws answers pings by itself
    expect(await silent.closed).toBeGreaterThan(0);
    expect(silent.closedAfterMs()).toBeLessThan(IDLE_TIMEOUT_MS * 3 + 1_000);
    expect(silent.closedAfterMs()).toBeGreaterThanOrEqual(IDLE_TIMEOUT_MS / 2);
    await new Promise((r) => setTimeout(r, IDLE_TIMEOUT_MS * 3));
    expect(polite.isOpen).toBe(true);
    expect((await polite.request({ listTopics: {} })).listTopics).toBeTruthy();
  });
});

describe('connection limit', () => {
  it('refuses WebSocket upgrades past --max-connections with HTTP 503, and accepts again once one closes', async () => {
    const d = await mkdtemp(join(tmpdir(), 'strata-conns-'));
    const b = await startBroker(d, { logLevel: 'warn', args: ['--max-connections', String(CONNECTIONS_MAX)] });
    const open: WireClient[] = [];
    try {
      for (let i = 0; i < CONNECTIONS_MAX; i++) open.push(await WireClient.handshake(b.url));
      const refused = await new Promise<string>((resolve) => {
        const ws = new WebSocket(b.url);
        ws.on('unexpected-response', (_req, res) => resolve(String(res.statusCode)));
        ws.on('open', () => resolve('open'));
        ws.on('error', (err) => resolve(err.message));
      });
      expect(refused).toBe('503');
      open.pop()!.close();
      await new Promise((r) => setTimeout(r, 100));
      open.push(await WireClient.handshake(b.url));
    } finally {
      for (const c of open) c.terminate();
      await b.kill();
      await rm(d, { recursive: true, force: true });
    }
  });
});
