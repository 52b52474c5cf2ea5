/**
 * One Kafka client connection over TCP: frames in (frame-splitter.ts), requests decoded by the
 * codec (proto/kafka), handled concurrently by the API handlers, and answered strictly in
 * request order, as Kafka clients require (they match answers to requests by position as much
 * as by correlation id).
 *
 * Bounds, as for WebSocket connections (README "Bounds and hostile clients"):
 * - frame size: a size prefix over frameBytesMax closes the connection before anything of the
 *   frame is buffered; a malformed request (bad header, lying lengths, bytes left over) too:
 *   a Kafka client never sends one, so there is no one to answer.
 * - in flight: at most maxInFlight requests are read and not yet answered; past that the socket
 *   stops being read (TCP pushes back on the client) until answers go out. Kafka has no "too
 *   many requests" error; clients bound their own pipelining (max.in.flight) anyway.
 * - slow consumers: while the socket has more than slowConsumerBufferedBytesMax queued, fetches
 *   wait before reading; a socket stuck above it for slowConsumerDropMs is destroyed.
 * - idle: a connection with nothing in flight and no bytes received for idleTimeoutMs is closed
 *   (Kafka's connections.max.idle.ms; clients reconnect when they next need it).
 * - unknown API keys and versions: UNSUPPORTED_VERSION (ApiVersions gets the KIP-511 v0 answer
 *   and the connection stays; any other API gets the error and the connection is closed after
 *   it, since no layout the client expects can carry it).
 *
 * Concurrency: event-loop only. `closed` aborts parked work (long-poll fetches, joins).
 *
 * This class carries its own in-flight, ordering, slow-consumer and idle logic because the
 * transport-agnostic connection core (broker/server/, SEAMS.md) had not landed when it was
 * written; it moves onto that core, keeping the behaviour above, once the core exists.
 */
import type { Socket } from 'node:net';
import {
  decodeRequest, encodeApiVersionsFallback, encodeResponse, encodeUnsupportedResponse, API_VERSIONS_KEY,
  type KafkaRequest,
} from '../../proto/kafka/index.js';
import { KAFKA_READ_AHEAD_KEEP_MS } from '../constants.js';
import { PRE_AUTH_APIS } from '../security/broker-security.js';
import { ANONYMOUS_PRINCIPAL } from '../security/principal.js';
import type { Logger } from '../logger.js';
import type { BrokerServices } from '../server/request-context.js';
import { FetchReadAhead, type ReadAheadBudget } from './fetch-read-ahead.js';
import { FrameSplitter } from './frame-splitter.js';
import { dispatch, NO_RESPONSE, servedApiKeys } from './kafka-apis.js';
import type { KafkaAddress, KafkaContext } from './kafka-context.js';

export interface KafkaConnectionLimits {
  readonly frameBytesMax: number;
  readonly maxInFlight: number;
  readonly idleTimeoutMs: number;
  readonly slowConsumerBufferedBytesMax: number;
  readonly slowConsumerDropMs: number;
}

export interface KafkaConnectionOptions {
  readonly id: number;
  readonly socket: Socket;
  readonly services: BrokerServices;
  readonly limits: KafkaConnectionLimits;
  readonly advertised: KafkaAddress;
  /** Shared by the listener's connections. */
  readonly readAheadBudget: ReadAheadBudget;
  readonly logger: Logger;
  readonly onClose: (conn: KafkaConnection) => void;
}

/** One request's place in the answer order. */
interface Slot {
  done: boolean;
  chunks: Buffer[] | null;
  /** Hands a fetch's read buffers back once its answer has been written. */
  release: (() => void) | null;
  closeAfter: boolean;
}

export class KafkaConnection {
  readonly id: number;
  private readonly socket: Socket;
  private readonly splitter: FrameSplitter;
  private readonly closed = new AbortController();
  private readonly abort: AbortSignal;
  private readonly queue: Slot[] = [];
  private readonly remote: string;
  private inFlight = 0;
  private paused = false;
  private lastActivityMs = Date.now();
  private idleTimer: NodeJS.Timeout | null = null;
  private congestedTimer: NodeJS.Timeout | null = null;
  private drainWaiters: Array<() => void> = [];
  private idleWaiters: Array<() => void> = [];
  private closing = false;
  private readonly readAhead: FetchReadAhead;
  /** User:ANONYMOUS until a SASL login succeeds (broker/security/). */
  private principal = ANONYMOUS_PRINCIPAL;

  constructor(private readonly opts: KafkaConnectionOptions) {
    this.id = opts.id;
    this.socket = opts.socket;
    this.remote = `${opts.socket.remoteAddress ?? '?'}:${opts.socket.remotePort ?? '?'}`;
    this.splitter = new FrameSplitter(opts.limits.frameBytesMax);
    this.readAhead = new FetchReadAhead(opts.readAheadBudget, KAFKA_READ_AHEAD_KEEP_MS);
    this.abort = AbortSignal.any([this.closed.signal, opts.services.stopping]);
    this.socket.setNoDelay(true);
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('drain', () => this.onDrain());
    this.socket.on('error', (err) => opts.logger.debug({ err }, 'kafka socket error'));
    this.socket.on('close', () => this.onClosed());
    const checkMs = Math.max(50, Math.floor(opts.limits.idleTimeoutMs / 2));
    this.idleTimer = setInterval(() => this.checkIdle(), checkMs);
    this.idleTimer.unref();
  }

  get inFlightRequests(): number {
    return this.inFlight;
  }

  /** Resolves when nothing is in flight, or after `timeoutMs`. */
  whenIdle(timeoutMs: number): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.idleWaiters.push(() => { clearTimeout(timer); resolve(); });
    });
  }

  /** Closes after the answers already queued are written. */
  end(): void {
    this.closing = true;
    if (this.queue.length === 0) this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.lastActivityMs = Date.now();
    if (this.closing) return;
    const err = this.splitter.push(chunk, (frame) => this.onFrame(frame));
    if (err) {
      this.opts.logger.debug({ size: err.size, kind: err.kind, remote: this.remote }, 'kafka frame size refused; closing');
      this.socket.destroy();
    }
  }

  private onFrame(frame: Buffer): void {
    if (this.closing) return;
    let decoded;
    try {
      decoded = decodeRequest(frame);
    } catch (err) {
      this.opts.logger.debug({ err, bytes: frame.length, remote: this.remote }, 'malformed kafka request; closing');
      this.closing = true;
      this.socket.destroy();
      return;
    }
    // A SASL listener closes a connection that sends anything but ApiVersions and the SASL
    // exchange before logging in, as Kafka's SaslServerAuthenticator does: the client was not
    // configured for SASL, and no answer it expects can say so.
    const security = this.opts.services.security;
    if (decoded.kind === 'request' && security && !security.isAuthenticated({ principal: this.principal }) && !PRE_AUTH_APIS.has(decoded.request.api)) {
      this.opts.logger.debug({ api: decoded.request.api, remote: this.remote }, 'kafka request before SASL authentication; closing');
      security.stats.authorizationsDenied++;
      this.closing = true;
      this.socket.destroy();
      return;
    }
    const slot: Slot = { done: false, chunks: null, release: null, closeAfter: false };
    this.queue.push(slot);
    if (decoded.kind === 'unsupported') {
      const u = decoded.unsupported;
      this.opts.logger.debug({ apiKey: u.apiKey, apiVersion: u.apiVersion }, 'unsupported kafka api or version');
      if (u.apiKey === API_VERSIONS_KEY) slot.chunks = encodeApiVersionsFallback(u.correlationId, servedApiKeys());
      else {
        slot.chunks = encodeUnsupportedResponse(u.correlationId);
        slot.closeAfter = true;
        this.closing = true;
      }
      slot.done = true;
      this.flush();
      return;
    }
    this.track(+1);
    void this.serve(decoded.request, slot).finally(() => this.track(-1));
  }

  private track(delta: number): void {
    this.inFlight += delta;
    if (!this.paused && this.inFlight >= this.opts.limits.maxInFlight) {
      this.paused = true;
      this.socket.pause();
    } else if (this.paused && this.inFlight < this.opts.limits.maxInFlight) {
      this.paused = false;
      this.socket.resume();
    }
    if (this.inFlight === 0) for (const wake of this.idleWaiters.splice(0)) wake();
  }

  private async serve(req: KafkaRequest, slot: Slot): Promise<void> {
    const ctx: KafkaContext = {
      services: this.opts.services, advertised: this.opts.advertised, remote: this.remote, clientId: req.clientId ?? '', principal: this.principal,
      abort: this.abort, connectionClosed: this.closed.signal, logger: this.opts.logger, fetchReader: this.readAhead.read,
    };
    try {
      if (req.api === 'fetch') await this.untilUncongested();
      if (this.closed.signal.aborted) return;
      const body = await dispatch(ctx, req);
      if (body === undefined) {
        slot.chunks = encodeUnsupportedResponse(req.correlationId);
        slot.closeAfter = true;
        this.closing = true;
      } else if (body !== NO_RESPONSE) {
        slot.chunks = encodeResponse(req.api, req.apiVersion, req.correlationId, body as never);
        if (req.api === 'fetch') slot.release = (body as { release?: () => void }).release ?? null;
      }
    } catch (err) {
      this.opts.logger.error({ err, api: req.api, version: req.apiVersion }, 'kafka request failed; closing');
      slot.closeAfter = true;
      this.closing = true;
    } finally {
      slot.done = true;
      this.flush();
    }
  }

  /** Writes every answer at the head of the queue that is ready, in order. */
  private flush(): void {
    if (this.socket.destroyed) return;
    this.socket.cork();
    while (this.queue.length > 0 && this.queue[0]!.done) {
      const slot = this.queue.shift()!;
      if (slot.chunks) {
        const last = slot.chunks.length - 1;
        slot.chunks.forEach((c, i) => {
          if (i < last) this.socket.write(c);
          else this.socket.write(c, () => slot.release?.());
        });
      }
      if (slot.closeAfter) {
        this.queue.length = 0;
        this.socket.end();
        break;
      }
    }
    process.nextTick(() => this.socket.uncork());
    if (this.closing && this.queue.length === 0 && !this.socket.writableEnded) this.socket.end();
    this.checkCongestion();
  }

  private checkCongestion(): void {
    const congested = this.socket.writableLength > this.opts.limits.slowConsumerBufferedBytesMax;
    if (congested && !this.congestedTimer) {
      this.congestedTimer = setTimeout(() => {
        this.opts.logger.warn({ bufferedBytes: this.socket.writableLength, dropMs: this.opts.limits.slowConsumerDropMs }, 'slow kafka consumer terminated');
        this.socket.destroy();
      }, this.opts.limits.slowConsumerDropMs);
    }
  }

  private async untilUncongested(): Promise<void> {
    while (this.socket.writableLength > this.opts.limits.slowConsumerBufferedBytesMax && !this.closed.signal.aborted) {
      await new Promise<void>((resolve) => this.drainWaiters.push(resolve));
    }
  }

  private onDrain(): void {
    if (this.congestedTimer) clearTimeout(this.congestedTimer);
    this.congestedTimer = null;
    for (const wake of this.drainWaiters.splice(0)) wake();
  }

  private checkIdle(): void {
    if (this.inFlight > 0 || this.queue.length > 0) return;
    if (Date.now() - this.lastActivityMs >= this.opts.limits.idleTimeoutMs) {
      this.opts.logger.debug({ remote: this.remote }, 'idle kafka connection closed');
      this.socket.end();
    }
  }

  private onClosed(): void {
    if (this.idleTimer) clearInterval(this.idleTimer);
    if (this.congestedTimer) clearTimeout(this.congestedTimer);
    this.closed.abort();
    this.readAhead.close();
    for (const wake of this.drainWaiters.splice(0)) wake();
    this.opts.onClose(this);
  }
}
