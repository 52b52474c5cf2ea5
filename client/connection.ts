/**
 * One WebSocket to the broker, carrying pipelined requests.
 *
 * Wire: each binary frame is one protobuf Request (out) or Response (in); responses may arrive
 * in any order and are matched to requests by correlation id (uint32, wrapping). On every
 * (re)connect the first exchange is ApiVersions, then the SASL login when `sasl` is set; nothing
 * else is sent before they succeed. A refused login fails every waiting request with the
 * broker's typed error (SaslAuthenticationFailedError...), not a retriable connection error.
 *
 * Bounds: at most `inFlightRequestsMax` requests await a response; up to `queuedRequestsMax`
 * more wait in FIFO order for a slot (or for the socket to open), and beyond that request()
 * fails at once with TooManyRequestsError (retriable). Every request has a deadline
 * (RequestTimedOutError) counted from the call, queueing included.
 *
 * Failure: when the socket closes, every request awaiting a response is rejected with
 * ConnectionClosedError (retriable) - a response can no longer arrive, so nothing hangs. Queued
 * requests were never sent; they stay queued and trigger a reconnect. Reconnects are attempted
 * on demand, spaced by exponential backoff with jitter after consecutive failures.
 *
 * Push: a subscription's batches arrive unasked (Response.pushed, correlation id = the
 * subscription id); openPushChannel() hands out those ids and routes the frames to their
 * handler, and tells every handler when the socket closes (the broker forgot its subscriptions).
 *
 * Concurrency: single-threaded event-loop use; any number of callers may call request().
 */
import { PROTOCOL_VERSION } from '../proto/constants.js';
import {
  ConnectionClosedError, errorFromWire, InvalidRequestError, MessageTooLargeError, RequestTimedOutError, StrataError,
  TooManyRequestsError, UnsupportedVersionError, SaslAuthenticationFailedError, TlsHandshakeError, UnsupportedSaslMechanismError, IllegalSaslStateError,
} from '../proto/errors.js';
import { decodeResponse, encodeRequest, type RequestApi, type RequestProps, type ResponseProps } from '../proto/messages.js';
import {
  CORRELATION_ID_MAX, RECONNECT_BACKOFF_MS_INITIAL, RECONNECT_BACKOFF_MS_MAX, RETRY_JITTER_FRACTION,
} from './constants.js';
import { NOOP_LOGGER, type Logger } from './logger.js';
import { saslLogin, type ResolvedSasl } from './sasl/sasl-options.js';
import { defaultSocketFactory, type SocketFactory, type StrataSocket } from './socket.js';
import type { ThrottleCounter } from './throttle-stats.js';
import { tlsFailureOf, type ResolvedTls } from './tls-options.js';

export type RequestBody<K extends RequestApi> = NonNullable<RequestProps[K]>;
export type ResponseBody<K extends RequestApi> = NonNullable<ResponseProps[K]>;

export interface ConnectionOptions {
  url: string;
  clientId: string;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  inFlightRequestsMax: number;
  queuedRequestsMax: number;
  socketFactory?: SocketFactory;
  logger?: Logger;
  /** Log in with SASL SCRAM on every (re)connect, right after ApiVersions. */
  sasl?: ResolvedSasl | null;
  /** Counts the answers the broker throttled (shared by the connections of one client). */
  throttle?: ThrottleCounter;
  /** TLS of wss:// URLs (CA, client certificate). */
  tls?: ResolvedTls | null;
}

/** What the broker said about itself in the handshake. */
export interface BrokerInfo {
  brokerVersion: string;
  nodeId: number;
  frameBytesMax: number;
  apis: ReadonlyMap<string, { min: number; max: number }>;
}

export interface RequestOptions {
  /** Overrides the connection's requestTimeoutMs (a long-poll fetch adds its wait). */
  timeoutMs?: number;
  /**
   * The broker sends no response (acks NONE produce): the promise resolves, with undefined,
   * once the frame is handed to the socket.
   */
  noResponse?: boolean;
  /**
   * Encodes the frame itself (the producer's hand-written Produce encoder) instead of the
   * generic codec; receives the correlation id. `body` is then only used for logging.
   */
  encode?: (correlationId: number) => Uint8Array;
  /** Runs once the socket has written the frame (or failed to): its buffer may be reused. */
  onWritten?: () => void;
}

type ConnState = 'disconnected' | 'connecting' | 'ready' | 'closed';

/** Receives one push channel's frames (client/push-subscription.ts). */
export interface PushHandler {
  /** A frame of pushed batches: the fetch answer's body. */
  onPushed(body: ResponseBody<'fetch'>): void;
  /** The socket closed: the broker's subscriptions of this channel are gone. */
  onReset(): void;
}

interface Call {
  api: RequestApi;
  body: unknown;
  noResponse: boolean;
  encode: ((correlationId: number) => Uint8Array) | undefined;
  onWritten: (() => void) | undefined;
  resolve: (body: unknown) => void;
  reject: (err: Error) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
  /** Set once the frame has gone out; only sent calls are in `pending`. */
  correlationId: number;
  settled: boolean;
}

export class Connection {
  private readonly opts: ConnectionOptions;
  private readonly log: Logger;
  private readonly factory: SocketFactory;
  private state: ConnState = 'disconnected';
  private socket: StrataSocket | null = null;
  private connecting: Promise<void> | null = null;
  private readonly pending = new Map<number, Call>();
  /** FIFO of calls not yet sent; `queueHead` avoids O(n) shifts. */
  private queue: Call[] = [];
  private queueHead = 0;
  private nextCorrelationId = 1;
  private consecutiveFailures = 0;
  private nextConnectAt = 0;
  private info: BrokerInfo | null = null;
  private readonly pushHandlers = new Map<number, PushHandler>();
  private nextPushChannelId = 1;

  constructor(options: ConnectionOptions) {
    this.opts = options;
    this.log = options.logger ?? NOOP_LOGGER;
    this.factory = options.socketFactory ?? defaultSocketFactory;
  }

  /** The broker URL this connection dials. */
  get url(): string { return this.opts.url; }

  /** A new connection with the same options to another broker (not connected yet). */
  withUrl(url: string): Connection {
    return new Connection({ ...this.opts, url });
  }

  /** The handshake result of the current connection, or null before the first one. */
  get brokerInfo(): BrokerInfo | null { return this.info; }
  get isClosed(): boolean { return this.state === 'closed'; }
  get isReady(): boolean { return this.state === 'ready'; }
  /** Requests awaiting a response. */
  get inFlightCount(): number { return this.pending.size; }
  get queuedCount(): number { return this.queue.length - this.queueHead; }

  /** Whether the broker of the current connection offers push delivery (it listed Subscribe). */
  get offersPush(): boolean { return this.state === 'ready' && (this.info?.apis.has('subscribe') ?? false); }

  /** A subscription id for `handler`, unique on this connection, until closePushChannel(). */
  openPushChannel(handler: PushHandler): number {
    const id = this.nextPushChannelId++;
    this.pushHandlers.set(id, handler);
    return id;
  }

  closePushChannel(id: number): void {
    this.pushHandlers.delete(id);
  }

  /** Opens the socket and completes the handshake, if not already done. */
  connect(): Promise<void> {
    if (this.state === 'closed') return Promise.reject(new ConnectionClosedError('connection was closed by the client'));
    if (this.state === 'ready') return Promise.resolve();
    return this.ensureConnecting();
  }

  /** Sends one request and resolves with the response body of the same API. */
  request<K extends RequestApi>(api: K, body: RequestBody<K>, options?: RequestOptions & { noResponse?: false }): Promise<ResponseBody<K>>;
  request<K extends RequestApi>(api: K, body: RequestBody<K>, options: RequestOptions & { noResponse: true }): Promise<undefined>;
  request<K extends RequestApi>(api: K, body: RequestBody<K>, options: RequestOptions = {}): Promise<unknown> {
    if (this.state === 'closed') return Promise.reject(new ConnectionClosedError('connection was closed by the client'));
    return new Promise((resolve, reject) => {
      const call: Call = {
        api, body, noResponse: options.noResponse === true, encode: options.encode, onWritten: options.onWritten,
        resolve, reject, timer: undefined, correlationId: -1, settled: false,
      };
      const timeoutMs = options.timeoutMs ?? this.opts.requestTimeoutMs;
      call.timer = setTimeout(() => this.onTimeout(call, timeoutMs), timeoutMs);
      if (this.state === 'ready' && this.queuedCount === 0 && this.pending.size < this.opts.inFlightRequestsMax) {
        this.transmit(call);
        return;
      }
      if (this.queuedCount >= this.opts.queuedRequestsMax) {
        this.settle(call, new TooManyRequestsError(`${this.queuedCount} requests already queued on ${this.opts.url}`));
        return;
      }
      this.queue.push(call);
      if (this.state === 'ready') this.pump();
      else this.ensureConnecting().catch(() => { /* queued calls were rejected by the failure path */ });
    });
  }

  /**
   * Closes for good: every outstanding and queued request is rejected with
   * ConnectionClosedError, and later calls fail the same way.
   */
  close(): Promise<void> {
    if (this.state === 'closed') return Promise.resolve();
    this.state = 'closed';
    const err = new ConnectionClosedError('connection was closed by the client');
    this.failPending(err);
    this.failQueued(err);
    for (const handler of [...this.pushHandlers.values()]) handler.onReset();
    const socket = this.socket;
    this.socket = null;
    if (!socket) return Promise.resolve();
    socket.close(1000, 'client closed');
    return Promise.resolve();
  }

  /** Drops the socket abruptly (tests and fault handling); the connection reconnects on demand. */
  terminateSocket(): void {
    this.socket?.terminate();
  }

  private ensureConnecting(): Promise<void> {
    if (this.connecting) return this.connecting;
    const attempt = this.openAndHandshake().then(
      () => {
        this.connecting = null;
        this.consecutiveFailures = 0;
        this.pump();
      },
      (err: unknown) => {
        this.connecting = null;
        this.consecutiveFailures++;
        // A half-open socket (handshake timed out or was refused) must not linger.
        const socket = this.socket;
        this.socket = null;
        if (socket) {
          this.failPending(new ConnectionClosedError('handshake failed'));
          socket.terminate();
        }
        this.nextConnectAt = Date.now() + reconnectDelayMs(this.consecutiveFailures);
        // A refused login (wrong password, unknown mechanism) fails the same way on every retry.
        const failure = err instanceof UnsupportedVersionError || (err instanceof StrataError && (this.state === 'closed' || isLoginRefusal(err)))
          ? err
          : new ConnectionClosedError(`cannot connect to ${this.opts.url}: ${(err as Error).message}`, { cause: err });
        if (this.state !== 'closed') this.state = 'disconnected';
        this.log.warn({ url: this.opts.url, err, failures: this.consecutiveFailures }, 'connect failed');
        this.failQueued(failure);
        throw failure;
      },
    );
    this.connecting = attempt;
    return attempt;
  }

  private async openAndHandshake(): Promise<void> {
    const waitMs = this.nextConnectAt - Date.now();
    if (waitMs > 0) await new Promise((r) => setTimeout(r, waitMs));
    if (this.state === 'closed') throw new ConnectionClosedError('connection was closed by the client');
    this.state = 'connecting';
    await this.openSocket();
    // The handshake goes out ahead of the queue: nothing else may precede it.
    const call = await this.handshakeCall('apiVersions', { protocolVersion: PROTOCOL_VERSION, clientSoftware: this.opts.clientId });
    const res = call as ResponseBody<'apiVersions'>;
    const min = res.protocolVersionMin ?? 0;
    const max = res.protocolVersionMax ?? 0;
    if (PROTOCOL_VERSION < min || PROTOCOL_VERSION > max) {
      this.socket?.close(1000, 'unsupported protocol version');
      throw new UnsupportedVersionError(`broker speaks protocol versions ${min}-${max}, this client speaks ${PROTOCOL_VERSION}`);
    }
    const apis = new Map<string, { min: number; max: number }>();
    for (const a of res.apis ?? []) apis.set(a.api ?? '', { min: a.minVersion ?? 0, max: a.maxVersion ?? 0 });
    this.info = {
      brokerVersion: res.brokerVersion ?? '',
      nodeId: res.nodeId ?? 0,
      frameBytesMax: res.frameBytesMax ?? 0,
      apis,
    };
    const sasl = this.opts.sasl;
    if (sasl) {
      await saslLogin(sasl, {
        handshake: async (mechanism) => { await this.handshakeCall('saslHandshake', { mechanism }); },
        authenticate: async (authBytes) => {
          const r = await this.handshakeCall('saslAuthenticate', { authBytes }) as ResponseBody<'saslAuthenticate'>;
          return { authBytes: r.authBytes ?? new Uint8Array(0), complete: r.complete ?? false };
        },
      });
    }
    if (this.state !== 'connecting') throw new ConnectionClosedError('connection closed during the handshake');
    this.state = 'ready';
    this.log.info({ url: this.opts.url, brokerVersion: this.info.brokerVersion }, 'connected');
  }

  /** One request of the connection handshake, sent ahead of the queue, bounded by connectTimeoutMs. */
  private handshakeCall(api: RequestApi, body: unknown): Promise<unknown> {
    return new Promise<unknown>((resolve, reject) => {
      const c: Call = {
        api, body, noResponse: false, encode: undefined, onWritten: undefined, resolve, reject, timer: undefined, correlationId: -1, settled: false,
      };
      c.timer = setTimeout(() => this.onTimeout(c, this.opts.connectTimeoutMs), this.opts.connectTimeoutMs);
      this.transmit(c);
    });
  }

  private openSocket(): Promise<void> {
    return new Promise((resolve, reject) => {
      let opened = false;
      const timer = setTimeout(() => {
        socket.terminate();
        reject(new RequestTimedOutError(`WebSocket to ${this.opts.url} did not open within ${this.opts.connectTimeoutMs} ms`));
      }, this.opts.connectTimeoutMs);
      const socket = this.factory(this.opts.url, {
        onOpen: () => {
          opened = true;
          clearTimeout(timer);
          resolve();
        },
        onMessage: (frame) => this.onFrame(socket, frame),
        onClose: (code, reason, error) => {
          clearTimeout(timer);
          // A TLS failure is typed (and not retried): the same certificates fail the same way.
          if (!opened) reject(tlsFailureOf(error, this.opts.url) ?? error ?? new Error(`closed with code ${code} before opening`));
          this.onSocketClosed(socket, code, reason, error);
        },
      }, this.opts.tls ? { tls: this.opts.tls } : {});
      this.socket = socket;
    });
  }

  /** Assigns a correlation id and writes the frame. */
  private transmit(call: Call): void {
    const socket = this.socket;
    if (!socket) {
      this.settle(call, new ConnectionClosedError('socket is not open'));
      return;
    }
    let id = this.nextCorrelationId;
    while (this.pending.has(id)) id = id >= CORRELATION_ID_MAX ? 1 : id + 1;
    this.nextCorrelationId = id >= CORRELATION_ID_MAX ? 1 : id + 1;
    let frame: Uint8Array;
    try {
      frame = call.encode ? call.encode(id) : encodeRequest({ correlationId: id, [call.api]: call.body });
    } catch (err) {
      this.settle(call, new InvalidRequestError(`cannot encode ${call.api} request`, { cause: err }));
      return;
    }
    const frameMax = this.info?.frameBytesMax ?? 0;
    if (frameMax > 0 && frame.length > frameMax) {
      this.settle(call, new MessageTooLargeError(`${call.api} frame of ${frame.length} bytes exceeds the broker's ${frameMax}`));
      return;
    }
    call.correlationId = id;
    const onWritten = call.onWritten;
    if (call.noResponse) {
      socket.send(frame, (err) => {
        onWritten?.();
        if (err) this.settle(call, new ConnectionClosedError('frame was not written', { cause: err }));
        else this.settle(call, undefined);
      });
      return;
    }
    this.pending.set(id, call);
    socket.send(frame, onWritten === undefined ? undefined : () => onWritten());
  }

  /** Sends queued calls while slots are free. */
  private pump(): void {
    while (this.state === 'ready' && this.queueHead < this.queue.length && this.pending.size < this.opts.inFlightRequestsMax) {
      const call = this.queue[this.queueHead]!;
      this.queue[this.queueHead++] = undefined as unknown as Call;
      if (!call.settled) this.transmit(call);
    }
    if (this.queueHead === this.queue.length) {
      this.queue = [];
      this.queueHead = 0;
    } else if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.queueHead);
      this.queueHead = 0;
    }
  }

  private onFrame(socket: StrataSocket, frame: Uint8Array): void {
    if (socket !== this.socket) return;
    let res;
    try {
      res = decodeResponse(frame);
    } catch (err) {
      // A frame we cannot parse cannot be matched to its request: the stream is unusable.
      this.log.error({ url: this.opts.url, err }, 'malformed response frame; dropping connection');
      socket.terminate();
      return;
    }
    if (res.body === 'pushed') {
      // Unasked: the batches of subscription `correlationId` (one that ended may still have some on the way).
      if (res.pushed) this.pushHandlers.get(res.correlationId)?.onPushed(res.pushed as ResponseBody<'fetch'>);
      return;
    }
    const call = this.pending.get(res.correlationId);
    if (!call) {
      this.log.debug({ correlationId: res.correlationId }, 'response for an unknown or timed-out request');
      return;
    }
    this.pending.delete(res.correlationId);
    if (res.throttleTimeMs > 0) {
      this.opts.throttle?.record(res.throttleTimeMs);
      this.log.debug({ url: this.opts.url, api: call.api, throttleTimeMs: res.throttleTimeMs }, 'answer throttled by a broker quota');
    }
    if (res.error) this.settle(call, errorFromWire(res.error));
    else {
      const body = (res as unknown as Record<string, unknown>)[call.api];
      if (body == null) this.settle(call, new InvalidRequestError(`response to ${call.api} has no ${call.api} body`));
      else this.settle(call, body);
    }
    if (this.queueHead < this.queue.length) this.pump();
  }

  private onSocketClosed(socket: StrataSocket, code: number, reason: string, error?: Error): void {
    if (socket !== this.socket) return;
    this.socket = null;
    const wasClosed = this.state === 'closed';
    if (!wasClosed) this.state = 'disconnected';
    const err = new ConnectionClosedError(
      `connection to ${this.opts.url} closed (code ${code}${reason ? `: ${reason}` : ''})`, { cause: error });
    this.failPending(err);
    for (const handler of [...this.pushHandlers.values()]) handler.onReset();
    if (wasClosed) return;
    this.log.warn({ url: this.opts.url, code, reason, err: error }, 'connection lost');
    // Unsent requests survive; reconnect for them (spaced by the backoff).
    if (this.queuedCount > 0 && !this.connecting) this.ensureConnecting().catch(() => {});
  }

  private onTimeout(call: Call, timeoutMs: number): void {
    call.timer = undefined;
    if (call.correlationId >= 0 && this.pending.get(call.correlationId) === call) this.pending.delete(call.correlationId);
    this.settle(call, new RequestTimedOutError(`${call.api} request got no response within ${timeoutMs} ms`));
    // A freed slot lets the next queued call go.
    if (this.queueHead < this.queue.length) this.pump();
  }

  private settle(call: Call, result: unknown): void {
    if (call.settled) return;
    call.settled = true;
    if (call.timer !== undefined) clearTimeout(call.timer);
    if (result instanceof Error) call.reject(result);
    else call.resolve(result);
  }

  private failPending(err: Error): void {
    const calls = [...this.pending.values()];
    this.pending.clear();
    for (const call of calls) this.settle(call, err);
  }

  private failQueued(err: Error): void {
    const calls = this.queue.slice(this.queueHead);
    this.queue = [];
    this.queueHead = 0;
    for (const call of calls) this.settle(call, err);
  }
}

function isLoginRefusal(err: StrataError): boolean {
  return err instanceof TlsHandshakeError || err instanceof SaslAuthenticationFailedError || err instanceof UnsupportedSaslMechanismError || err instanceof IllegalSaslStateError;
}

/** Exponential backoff with ±RETRY_JITTER_FRACTION jitter before reconnect attempt `failures`. */
export function reconnectDelayMs(failures: number, random: () => number = Math.random): number {
  if (failures <= 0) return 0;
  const base = Math.min(RECONNECT_BACKOFF_MS_MAX, RECONNECT_BACKOFF_MS_INITIAL * 2 ** (failures - 1));
  return Math.min(RECONNECT_BACKOFF_MS_MAX, Math.round(base * (1 - RETRY_JITTER_FRACTION + 2 * RETRY_JITTER_FRACTION * random())));
}
