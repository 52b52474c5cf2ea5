import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { ErrorCode } from '../../../proto/errors.js';
import { startTestBroker, type TestBroker } from '../../helpers/broker.js';
import { RawClient } from './raw-client.js';

describe('broker on malformed input and limits', () => {
  let b: TestBroker;
  beforeEach(async () => {
    b = await startTestBroker({ limits: { frameBytesMax: 64 * 1024, maxInFlightRequestsPerConnection: 2, maxConnections: 4, idleTimeoutMs: 300, maxTopics: 2 } });
  });
  afterEach(async () => {
    await b?.stop();
  });

  it('answers a text frame with InvalidRequestError, closes with 1003, and other connections carry on', async () => {
    const bad = await RawClient.connect(b.url);
    const good = await RawClient.connect(b.url);
    bad.sendRaw('hello');
    const closed = await bad.closed;
    expect(closed.code).toBe(1003);
    expect(bad.received[0]?.error).toMatchObject({ code: ErrorCode.INVALID_REQUEST });
    expect((await good.request({ listTopics: {} })).listTopics).toBeTruthy();
    good.close();
  });

  it('answers undecodable protobuf with InvalidRequestError when the correlation id is readable', async () => {
    const c = await RawClient.connect(b.url);
    // Field 1 = 77, then a tag with wire type 7, which does not exist.
    c.sendRaw(Buffer.from([0x08, 77, 0x0f, 0x01, 0x02]));
    const res = await c.responseTo(77);
    expect(res.error).toMatchObject({ code: ErrorCode.INVALID_REQUEST, name: 'InvalidRequestError' });
    // The connection is still usable.
    expect((await c.request({ listTopics: {} })).listTopics).toBeTruthy();
    c.close();
  });

  it('closes with 1007 when nothing of the frame can be read, without hurting another connection', async () => {
    const bad = await RawClient.connect(b.url);
    const good = await RawClient.connect(b.url);
    bad.sendRaw(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]));
    expect((await bad.closed).code).toBe(1007);
    expect((await good.request({ listTopics: {} })).listTopics).toBeTruthy();
    good.close();
  });

  it('survives a burst of random frames', async () => {
    const good = await RawClient.connect(b.url);
    let seed = 12345;
    const rand = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    for (let i = 0; i < 50; i++) {
      const c = await RawClient.connect(b.url);
      const frame = Buffer.alloc(1 + Math.floor(rand() * 200));
      for (let j = 0; j < frame.length; j++) frame[j] = Math.floor(rand() * 256);
      c.sendRaw(frame);
      c.sendRaw(Buffer.from([0x08, 1]));
      await Promise.race([c.responseTo(1, 2000).catch(() => undefined), c.closed]);
      c.ws.terminate();
    }
    expect((await good.request({ listTopics: {} })).listTopics).toBeTruthy();
    good.close();
  });

  it('closes a connection that sends a frame over frameBytesMax with 1009', async () => {
    const c = await RawClient.connect(b.url);
    c.sendRaw(Buffer.alloc(100 * 1024));
    expect((await c.closed).code).toBe(1009);
  });

  it('answers requests beyond maxInFlightRequestsPerConnection with TooManyRequestsError', async () => {
    const c = await RawClient.connect(b.url);
    await c.request({ createTopics: { topics: [{ name: 'quiet' }] } });
    const longPoll = { fetch: { maxWaitMs: 500, minBytes: 1, topics: [{ name: 'quiet', partitions: [{ partition: 0, fetchOffset: 0 }] }] } };
    const ids = [c.send(longPoll), c.send(longPoll), c.send(longPoll)];
    const third = await c.responseTo(ids[2]!);
    expect(third.error).toMatchObject({ code: ErrorCode.TOO_MANY_REQUESTS, retriable: true });
    const first = await c.responseTo(ids[0]!);
    expect(first.error).toBeFalsy();
    c.close();
  });

  it('refuses connections past maxConnections', async () => {
    const open = await Promise.all(Array.from({ length: 4 }, () => RawClient.connect(b.url)));
    await expect(RawClient.connect(b.url)).rejects.toThrow(/503/);
    for (const c of open) c.close();
  });

  it('terminates a connection that stops answering pings', async () => {
    const ws = new WebSocket(b.url, { autoPong: false });
    await new Promise((resolve) => ws.once('open', resolve));
    const started = Date.now();
    const code = await new Promise<number>((resolve) => ws.once('close', resolve));
    expect(code).toBe(1006); // terminated, no closing handshake
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('keeps a connection that answers pings open past the idle timeout', async () => {
    const c = await RawClient.connect(b.url);
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(c.ws.readyState).toBe(WebSocket.OPEN);
    expect((await c.request({ listTopics: {} })).listTopics).toBeTruthy();
    c.close();
  });

  it('refuses topics past maxTopics with LimitExceededError', async () => {
    const c = await RawClient.connect(b.url);
    const res = await c.request({ createTopics: { topics: [{ name: 't1' }, { name: 't2' }, { name: 't3' }] } });
    expect(res.createTopics!.topics!.map((t) => t.error?.code ?? 0)).toEqual([0, 0, ErrorCode.LIMIT_EXCEEDED]);
    c.close();
  });

  it('answers plain HTTP to unknown paths with 404 (the port serves health, metrics and the console too)', async () => {
    const res = await fetch(`${b.url.replace('ws://', 'http://')}/no-such-thing`);
    expect(res.status).toBe(404);
  });
});
