/**
 * The connection core driven through real handlers of the API table with an in-memory
 * transport and a JSON codec: answer order (ordered and unordered), in-flight policies, requests
 * without answers, and the security, throttle and observer hooks at their call sites.
 */
import { describe, expect, it } from 'vitest';
import { ClusterAuthorizationFailedError, ErrorCode, StrataError, UnsupportedVersionError } from '../../../proto/errors.js';
import { silentLogger } from '../../../broker/logger.js';
import { ConnectionCore, type ConnectionCoreOptions } from '../../../broker/server/connection-core.js';
import { withDefaultHooks, type RequestCompletion, type ServerHooks } from '../../../broker/server/hooks.js';
import type { BrokerServices, RequestContext } from '../../../broker/server/request-context.js';
import { newServerStats } from '../../../broker/server/server-stats.js';
import type { CloseReason, DecodeOutcome, DecodedRequest, OutgoingFrame, Transport, WireCodec } from '../../../broker/server/transport.js';

/** A transport that keeps what is sent; `bufferedAmount` and completion are under the test's control. */
class MemoryTransport implements Transport {
  readonly sent: unknown[] = [];
  bufferedAmount = 0;
  paused = 0;
  resumed = 0;
  isOpen = true;
  closedWith: CloseReason | null = null;
  readonly remoteAddress = '10.0.0.7:4242';
  send(frame: Uint8Array | readonly Uint8Array[], done: (err?: Error) => void): void {
    this.sent.push(JSON.parse(Buffer.from(frame as Uint8Array).toString('utf8')));
    queueMicrotask(() => done());
  }
  pauseReading(): void { this.paused++; }
  resumeReading(): void { this.resumed++; }
  close(reason: CloseReason): void { this.closedWith = reason; this.isOpen = false; }
  terminate(): void { this.isOpen = false; }
}

/** Frames are JSON: {id, api, command} in; {id, result} or {id, error: code} out. */
const jsonCodec: WireCodec = {
  decode(frame: Buffer): DecodeOutcome {
    const { id, api, command } = JSON.parse(frame.toString('utf8')) as { id: number; api: string; command: unknown };
    if (api === 'unknown-api') {
      return { refusal: {
        error: new UnsupportedVersionError(), response: jsonFrame({ id, error: ErrorCode.UNSUPPORTED_VERSION }),
        close: { reason: 'unsupported-data', message: 'unknown API' },
      } };
    }
    return { request: { correlationId: id, api, command, clientId: 'json-client' } };
  },
  encodeResult(req: DecodedRequest, result: unknown): OutgoingFrame {
    return frame({ id: req.correlationId, result });
  },
  encodeError(req: DecodedRequest, err: StrataError): OutgoingFrame {
    return frame({ id: req.correlationId, error: err.code });
  },
};

const jsonFrame = (value: unknown): OutgoingFrame => frame(value);

function frame(value: unknown): OutgoingFrame {
  const bytes = Buffer.from(JSON.stringify(value));
  return { bytes, byteLength: bytes.length };
}

function request(id: number, api: string, command: unknown = {}): Buffer {
  return Buffer.from(JSON.stringify({ id, api, command }));
}

/** Just enough services for listTopics, initProducerId and produce; producer ids come when the test says. */
function services() {
  const pendingIds: Array<(id: number) => void> = [];
  const stopping = new AbortController();
  const svc = {
    config: { limits: { fetchWaitMsMax: 1000 } },
    topics: {
      listTopics: () => ['a', 'b'],
      partition: () => ({
        appendAsLeader: () => ({ baseOffset: 0, lastOffset: 0, logAppendTimeMs: -1, written: Promise.resolve(), committed: null }),
        logStartOffset: 0,
      }),
    },
    producerIds: { next: () => new Promise<number>((resolve) => pendingIds.push(resolve)) },
    logger: silentLogger(),
    stopping: stopping.signal,
    brokerUrl: () => '',
  } as unknown as BrokerServices;
  return { svc, pendingIds, stopping };
}

function core(opts: Partial<ConnectionCoreOptions> & { hooks?: Partial<ServerHooks> } = {}) {
  const transport = new MemoryTransport();
  const { svc, pendingIds, stopping } = services();
  const conn = new ConnectionCore({
    id: 1, listener: 'ws', transport, codec: jsonCodec, services: svc,
    limits: { maxInFlight: 4, slowConsumerBufferedBytesMax: 1 << 20, slowConsumerDropMs: 1000, idleTimeoutMs: 1000 },
    ordered: false, inFlightPolicy: 'reject', stats: newServerStats(), logger: silentLogger(), onClose: () => undefined,
    ...opts,
    hooks: withDefaultHooks(opts.hooks),
  });
  return { conn, transport, pendingIds, stopping };
}

const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 5));
const ids = (t: MemoryTransport): number[] => t.sent.map((m) => (m as { id: number }).id);

describe('connection core', () => {
  it('answers as requests complete when unordered', async () => {
    const { conn, transport, pendingIds } = core();
    conn.receive(request(1, 'initProducerId'));
    conn.receive(request(2, 'listTopics'));
    await settle();
    expect(transport.sent).toEqual([{ id: 2, result: { names: ['a', 'b'] } }]);
    pendingIds[0]!(77);
    await settle();
    expect(transport.sent[1]).toEqual({ id: 1, result: { producerId: 77, producerEpoch: 0 } });
  });

  it('answers in request order when ordered, whatever order the handlers finish in', async () => {
    const { conn, transport, pendingIds } = core({ ordered: true });
    conn.receive(request(1, 'initProducerId'));
    conn.receive(request(2, 'listTopics'));
    conn.receive(request(3, 'initProducerId'));
    conn.receive(request(4, 'listTopics'));
    await settle();
    expect(transport.sent).toEqual([]); // 2 and 4 are done but wait behind 1
    pendingIds[1]!(9); // request 3 finishes before 1
    await settle();
    expect(transport.sent).toEqual([]);
    pendingIds[0]!(8);
    await settle();
    expect(ids(transport)).toEqual([1, 2, 3, 4]);
    expect(transport.sent[2]).toEqual({ id: 3, result: { producerId: 9, producerEpoch: 0 } });
  });

  it('keeps an ordered refusal in its place in the order', async () => {
    const { conn, transport, pendingIds } = core({ ordered: true, limits: { maxInFlight: 1, slowConsumerBufferedBytesMax: 1 << 20, slowConsumerDropMs: 1000, idleTimeoutMs: 1000 } });
    conn.receive(request(1, 'initProducerId'));
    conn.receive(request(2, 'listTopics')); // over the limit: refused, but only after 1 is answered
    await settle();
    expect(transport.sent).toEqual([]);
    pendingIds[0]!(5);
    await settle();
    expect(transport.sent).toEqual([
      { id: 1, result: { producerId: 5, producerEpoch: 0 } },
      { id: 2, error: ErrorCode.TOO_MANY_REQUESTS },
    ]);
  });

  it('closes after an ordered refusal only once every earlier answer went out, and reads nothing after it', async () => {
    const { conn, transport, pendingIds } = core({ ordered: true });
    conn.receive(request(1, 'initProducerId'));
    conn.receive(request(2, 'unknown-api'));
    conn.receive(request(3, 'listTopics')); // after the refusal: never answered
    await settle();
    expect(transport.sent).toEqual([]);
    expect(transport.closedWith).toBeNull(); // the answer to 1 is still owed
    pendingIds[0]!(5);
    await settle();
    expect(ids(transport)).toEqual([1, 2]);
    expect(transport.closedWith).toBe('unsupported-data');
  });

  it('runs the listener\'s own handler lookup when given one', async () => {
    const { conn, transport } = core({
      ordered: true,
      handlers: (api) => (api === 'echo' ? async (_ctx, command) => ({ echoed: command }) as never : undefined),
    });
    conn.receive(request(1, 'echo', { x: 1 }));
    conn.receive(request(2, 'listTopics')); // not in the lookup: a codec bug, answered UnknownServerError
    await settle();
    expect(transport.sent).toEqual([{ id: 1, result: { echoed: { x: 1 } } }, { id: 2, error: ErrorCode.UNKNOWN_SERVER_ERROR }]);
  });

  it('pauses reading at the in-flight limit in pause mode and resumes below it', async () => {
    const { conn, transport, pendingIds } = core({
      inFlightPolicy: 'pause', limits: { maxInFlight: 2, slowConsumerBufferedBytesMax: 1 << 20, slowConsumerDropMs: 1000, idleTimeoutMs: 1000 },
    });
    conn.receive(request(1, 'initProducerId'));
    expect(transport.paused).toBe(0);
    conn.receive(request(2, 'initProducerId'));
    expect(transport.paused).toBe(1);
    pendingIds[0]!(1);
    await settle();
    expect(transport.resumed).toBe(1);
    pendingIds[1]!(2);
    await settle();
    expect(ids(transport).sort()).toEqual([1, 2]);
  });

  it('sends nothing for a produce with acks none, not even a refusal, and takes no slot in the order', async () => {
    const { conn, transport, stopping } = core({ ordered: true });
    const records = Buffer.alloc(61);
    conn.receive(request(1, 'produce', { acks: 'none', timeoutMs: 0, topics: [{ name: 'a', partitions: [{ partition: 0, records }] }] }));
    conn.receive(request(2, 'listTopics'));
    await settle();
    expect(ids(transport)).toEqual([2]);
    stopping.abort();
    conn.receive(request(3, 'produce', { acks: 'none', timeoutMs: 0, topics: [] }));
    conn.receive(request(4, 'listTopics'));
    await settle();
    expect(transport.sent.slice(1)).toEqual([{ id: 4, error: ErrorCode.BROKER_SHUTTING_DOWN }]);
  });

  it('runs the security hook before the handler and answers its refusal', async () => {
    const seen: Array<{ principal: string; api: string; clientId: string; remote: string }> = [];
    const { conn, transport } = core({
      hooks: {
        security: {
          connectionPrincipal: (info) => `User:${info.listener}-${info.remoteAddress}`,
          authorize(ctx: RequestContext, api: string) {
            seen.push({ principal: ctx.principal, api, clientId: ctx.clientId, remote: ctx.remoteAddress });
            if (api === 'listTopics') throw new ClusterAuthorizationFailedError('no describe on the cluster');
          },
        },
      },
    });
    conn.receive(request(1, 'listTopics'));
    await settle();
    expect(transport.sent).toEqual([{ id: 1, error: ErrorCode.CLUSTER_AUTHORIZATION_FAILED }]);
    conn.setPrincipal('User:alice');
    conn.receive(request(2, 'initProducerId'));
    await settle();
    expect(seen).toEqual([
      { principal: 'User:ws-10.0.0.7:4242', api: 'listTopics', clientId: 'json-client', remote: '10.0.0.7:4242' },
      { principal: 'User:alice', api: 'initProducerId', clientId: 'json-client', remote: '10.0.0.7:4242' },
    ]);
  });

  it('tells the observer about every request, with its error and byte counts', async () => {
    const completions: RequestCompletion[] = [];
    const { conn } = core({
      hooks: {
        observer: { onRequestComplete: (_ctx, c) => completions.push(c) },
        security: { connectionPrincipal: () => 'User:x', authorize: (_c, api) => { if (api === 'initProducerId') throw new ClusterAuthorizationFailedError(); } },
      },
    });
    const frame1 = request(1, 'listTopics');
    conn.receive(frame1);
    conn.receive(request(2, 'initProducerId'));
    conn.receive(request(3, 'noSuchApi'));
    await settle();
    const byApi = new Map(completions.map((c) => [c.api, c]));
    expect(completions).toHaveLength(3);
    expect([...byApi].map(([api, c]) => [api, c.error?.code ?? 0]).sort()).toEqual([
      ['initProducerId', ErrorCode.CLUSTER_AUTHORIZATION_FAILED], ['listTopics', 0], ['noSuchApi', ErrorCode.UNKNOWN_SERVER_ERROR],
    ]);
    expect(byApi.get('listTopics')!.bytesIn).toBe(frame1.length);
    expect(byApi.get('listTopics')!.bytesOut).toBe(JSON.stringify({ id: 1, result: { names: ['a', 'b'] } }).length);
    expect(completions.every((c) => c.durationMs >= 0)).toBe(true);
  });

  it('holds a throttled answer for the delay and stops reading meanwhile', async () => {
    const { conn, transport } = core({ hooks: { throttle: { delayMs: (_ctx, c) => (c.api === 'listTopics' ? 60 : 0) } } });
    const started = Date.now();
    conn.receive(request(1, 'listTopics'));
    await settle();
    expect(transport.sent).toEqual([]);
    expect(transport.paused).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(ids(transport)).toEqual([1]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(60);
    expect(transport.resumed).toBe(1);
  });

  it('drops waiting answers and aborts parked work when the transport closes', async () => {
    const { conn, transport, pendingIds } = core({ ordered: true });
    conn.receive(request(1, 'initProducerId'));
    conn.receive(request(2, 'listTopics'));
    await settle();
    transport.isOpen = false;
    conn.onTransportClosed();
    expect(conn.ctx.connectionClosed.aborted).toBe(true);
    expect(conn.ctx.connectionOrBrokerEnding.aborted).toBe(true);
    pendingIds[0]!(1);
    await settle();
    expect(transport.sent).toEqual([]);
  });

  it('closes a quiet connection without pings only when nothing is in flight', async () => {
    const { conn, transport, pendingIds } = core();
    conn.receive(request(1, 'initProducerId'));
    conn.sweepIdle(); // traffic since the last sweep
    conn.sweepIdle(); // none, but a request is in flight
    expect(transport.closedWith).toBeNull();
    pendingIds[0]!(1);
    await settle();
    conn.sweepIdle(); // the answer was traffic
    expect(transport.closedWith).toBeNull();
    conn.sweepIdle();
    expect(transport.closedWith).toBe('idle');
  });
});
