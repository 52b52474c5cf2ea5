/**
 * The connection against the real broker: pipelining bounds, timeouts, and what happens to
 * requests when the socket goes away. Long-poll fetches on an empty partition are the tool for
 * keeping requests outstanding on demand.
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker } from '../../helpers/broker.js';
import { Connection, type ConnectionOptions } from '../../../client/connection.js';
import {
  ConnectionClosedError, RequestTimedOutError, Strata, TooManyRequestsError,
} from '../../../client/index.js';

let broker: TestBroker;

beforeAll(async () => {
  broker = await startTestBroker();
  const strata = new Strata({ brokers: broker.url });
  await strata.admin().createTopic({ name: 'empty', partitions: 1 });
  await strata.close();
});

afterAll(async () => { await broker?.stop(); });

function connection(overrides: Partial<ConnectionOptions> = {}): Connection {
  return new Connection({
    url: broker.url, clientId: 'test', connectTimeoutMs: 2_000, requestTimeoutMs: 10_000,
    inFlightRequestsMax: 32, queuedRequestsMax: 1_000, ...overrides,
  });
}

/** A fetch the broker parks for `waitMs` (the partition is empty). */
function longPoll(conn: Connection, waitMs: number, timeoutMs?: number) {
  return conn.request('fetch', {
    maxWaitMs: waitMs, minBytes: 1, maxBytes: 1024,
    topics: [{ name: 'empty', partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1024 }] }],
  }, { timeoutMs });
}

describe('Connection', () => {
  it('handshakes with ApiVersions and learns the broker limits', async () => {
    const conn = connection();
    await conn.connect();
    expect(conn.brokerInfo!.frameBytesMax).toBeGreaterThan(0);
    expect(conn.brokerInfo!.apis.has('produce')).toBe(true);
    await conn.close();
  });

  it('matches responses that arrive out of order to their requests', async () => {
    const conn = connection();
    const slow = longPoll(conn, 300);
    const fast = conn.request('listTopics', {});
    const order: string[] = [];
    await Promise.all([slow.then((r) => order.push(`fetch:${r.topics![0]!.name}`)), fast.then((r) => order.push(`topics:${r.names!.includes('empty')}`))]);
    expect(order).toEqual(['topics:true', 'fetch:empty']);
    await conn.close();
  });

  it('rejects every pending request with ConnectionClosedError when the socket dies, instead of hanging', async () => {
    const conn = connection();
    await conn.connect();
    const pending = [longPoll(conn, 10_000), longPoll(conn, 10_000), longPoll(conn, 10_000)];
    await new Promise((r) => setTimeout(r, 50));
    expect(conn.inFlightCount).toBe(3);
    const started = Date.now();
    conn.terminateSocket();
    for (const p of pending) {
      const err = await p.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConnectionClosedError);
      expect((err as ConnectionClosedError).retriable).toBe(true);
    }
    expect(Date.now() - started).toBeLessThan(1_000);
    // And the next request reconnects, handshake included.
    const res = await conn.request('listTopics', {});
    expect(res.names).toContain('empty');
    await conn.close();
  });

  it('rejects pending and queued requests on close(), and every later one', async () => {
    const conn = connection({ inFlightRequestsMax: 1 });
    await conn.connect();
    const inFlight = longPoll(conn, 10_000);
    const queued = longPoll(conn, 10_000);
    await new Promise((r) => setTimeout(r, 20));
    expect([conn.inFlightCount, conn.queuedCount]).toEqual([1, 1]);
    await conn.close();
    await expect(inFlight).rejects.toBeInstanceOf(ConnectionClosedError);
    await expect(queued).rejects.toBeInstanceOf(ConnectionClosedError);
    await expect(conn.request('listTopics', {})).rejects.toBeInstanceOf(ConnectionClosedError);
  });

  it('keeps at most inFlightRequestsMax outstanding, queues the rest in order, and refuses past the queue bound', async () => {
    const conn = connection({ inFlightRequestsMax: 2, queuedRequestsMax: 2 });
    await conn.connect();
    const polls = [longPoll(conn, 300), longPoll(conn, 300), longPoll(conn, 300), longPoll(conn, 300)];
    const overflow = longPoll(conn, 300);
    await expect(overflow).rejects.toBeInstanceOf(TooManyRequestsError);
    expect([conn.inFlightCount, conn.queuedCount]).toEqual([2, 2]);
    const order: number[] = [];
    await Promise.all(polls.map((p, i) => p.then(() => order.push(i))));
    expect(order.slice(0, 2).sort()).toEqual([0, 1]);
    expect(order.slice(2).sort()).toEqual([2, 3]);
    await conn.close();
  });

  it('fails a request with RequestTimedOutError after its deadline, and a late answer is ignored', async () => {
    const conn = connection();
    const started = Date.now();
    await expect(longPoll(conn, 1_000, 150)).rejects.toBeInstanceOf(RequestTimedOutError);
    expect(Date.now() - started).toBeLessThan(900);
    await new Promise((r) => setTimeout(r, 1_000)); // the broker answers now; nothing breaks
    expect((await conn.request('listTopics', {})).names).toContain('empty');
    await conn.close();
  });

  it('reports a broker that cannot be reached as ConnectionClosedError with the cause, and backs off', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    await new Promise((r) => server.close(r)); // a port nobody listens on
    const conn = connection({ url: `ws://127.0.0.1:${port}` });
    const first = await conn.request('listTopics', {}).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(ConnectionClosedError);
    expect((first as Error).cause).toBeDefined();
    const started = Date.now();
    await conn.request('listTopics', {}).catch(() => {});
    await conn.request('listTopics', {}).catch(() => {});
    // Second and third attempts wait ~100 ms and ~200 ms (±20%).
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    await conn.close();
  });
});

describe('clients across a broker restart', () => {
  it('a consumer parked in a long poll keeps reading after the broker restarts on the same port', async () => {
    const local = await startTestBroker();
    const port = local.port;
    const dataDir = local.dataDir;
    const strata = new Strata({ brokers: local.url, retry: { initialRetryTimeMs: 20, maxRetryTimeMs: 200 } });
    await strata.admin().createTopic({ name: 'durable', partitions: 1 });
    const producer = strata.producer({ lingerMs: 0 });
    await producer.send({ topic: 'durable', messages: [{ value: 'before' }] });
    const consumer = strata.consumer({ decode: 'utf8', maxWaitMs: 200 });
    await consumer.assign({ topic: 'durable', offset: 'earliest' });
    const values: string[] = [];
    const reading = (async () => {
      for await (const r of consumer) {
        values.push(r.value!);
        if (values.length === 2) break;
      }
    })();
    await new Promise((r) => setTimeout(r, 200));
    await local.stop({ keepDir: true });
    const again = await startTestBroker({ dataDir, port });
    try {
      await producer.send({ topic: 'durable', messages: [{ value: 'after' }] });
      await reading;
      expect(values).toEqual(['before', 'after']);
    } finally {
      await strata.close();
      await again.stop();
    }
  });
});
