/**
 * One client connection, whatever its protocol: frames in from a Transport, decoded by a
 * WireCodec into commands, dispatched through the API table, results encoded and sent back.
 * Listeners (broker/ws/, broker/kafka/) only build the transport and the codec.
 *
 * Order: in `ordered` mode answers leave in request order (Kafka); otherwise as they complete
 * (the WebSocket protocol; clients match them by correlation id).
 *
 * In flight: at most limits.maxInFlight requests run at once. With inFlightPolicy 'reject' the
 * excess is answered at once with TooManyRequestsError (retriable); with 'pause' the transport
 * stops being read at the limit (TCP pushes back on the client) and resumes below it. Requests
 * that take no answer (produce with acks 'none') are dropped and logged instead of refused.
 *
 * Slow readers: once transport.bufferedAmount passes slowConsumerBufferedBytesMax the
 * connection is congested: fetches wait, before reading and again before sending, until the
 * queue drains below the cap (checked on every completed send). Before reading, a fetch also
 * reserves its response budget: fetches being read plus what is queued may not pass the cap, so
 * a burst of pipelined fetches cannot make the broker read maxInFlight x FETCH_RESPONSE_BYTES_MAX
 * into memory before the first answer shows the socket is slow; one fetch may always run. A
 * connection congested for slowConsumerDropMs is terminated.
 *
 * Idle: the owner (ConnectionSet) calls sweepIdle() every idleTimeoutMs / 2. A connection with
 * no traffic since the previous sweep is dropped: terminated if its transport can ping (the
 * peer did not answer the last ping), else closed once nothing is in flight (a written answer
 * counts as traffic there). Otherwise it is pinged.
 *
 * Hooks (hooks.ts): the security hook names the first principal and authorizes each request
 * before its handler; the observer sees every request once; the throttle may hold an answer
 * and pause reading meanwhile. A throttled answer carries its throttle time (the codec writes it
 * in); when the client throttles itself (codec.clientThrottles: Kafka's KIP-219 versions) the
 * answer goes at once and reading pauses for the throttle time after it instead.
 *
 * Failures after which the protocol cannot go on (codec.closesAfter: a Kafka request before the
 * SASL login) close instead of answering, the same way.
 *
 * Refusals that close (a Kafka request for an unknown API): in `ordered` mode the close waits
 * until every earlier answer and the refusal's own have been handed to the transport; frames
 * read after the refusal are ignored, since nothing may be answered after it.
 *
 * Handlers: the API table's (api-table.ts) unless the listener supplies its own lookup; the
 * Kafka listener's resolves produce and fetch to the table's handlers (its codec maps those
 * requests onto their commands) and Kafka-only APIs to its own (broker/kafka/kafka-apis.ts).
 *
 * Push delivery: when the codec can frame pushed batches (codec.encodePushed: the WebSocket
 * protocol), the connection owns a SubscriptionSet (ctx.subscriptions, subscription-set.ts).
 * Its frames go out like fetch answers: held while the connection is congested, counted by the
 * quota hook as fetch bytes, read with the connection's fetch reader.
 *
 * Closing aborts ctx.connectionClosed, which cancels parked work (long polls, joins) and drops
 * pending answers, and ends every subscription. Event-loop only.
 */
import {
  BrokerShuttingDownError, StrataError, TooManyRequestsError, UnknownServerError,
} from '../../proto/errors.js';
import type { Logger } from '../logger.js';
import { fetchResponseBudget, type FetchCommand } from './api/fetch.js';
import { expectsAnswer, handlerOf, type ApiHandler, type ApiName } from './api-table.js';
import { readToHighWatermark, type HeldReadBuffers, type PartitionReader } from './fetch-reader.js';
import { recheckPartition } from './api/subscribe.js';
import { SubscriptionSet } from './subscription-set.js';
import type { RequestCompletion, ServerHooks } from './hooks.js';
import { NO_RESPONSE, type BrokerServices, type ListenerName, type RequestContext } from './request-context.js';
import { ResponseOrder, type ResponseSlot } from './response-order.js';
import type { ServerStats } from './server-stats.js';
import type { CloseReason, DecodedRequest, OutgoingFrame, Transport, WireCodec } from './transport.js';

export interface ConnectionLimits {
  readonly maxInFlight: number;
  readonly slowConsumerBufferedBytesMax: number;
  readonly slowConsumerDropMs: number;
  /** For the idle log line; the sweep period is the owner's. */
  readonly idleTimeoutMs: number;
}

export interface ConnectionCoreOptions {
  readonly id: number;
  readonly listener: ListenerName;
  readonly transport: Transport;
  readonly codec: WireCodec;
  readonly services: BrokerServices;
  readonly limits: ConnectionLimits;
  readonly ordered: boolean;
  readonly inFlightPolicy: 'reject' | 'pause';
  readonly hooks: ServerHooks;
  /** Shared with the listener and every other connection. */
  readonly stats: ServerStats;
  readonly logger: Logger;
  readonly onClose: (conn: ConnectionCore) => void;
  /** The handler of a decoded request's `api`. @default the API table's (handlerOf) */
  readonly handlers?: (api: string) => ApiHandler<ApiName> | undefined;
  /** How this connection's fetches read partitions (RequestContext.fetchReader). @default straight from the partition */
  readonly fetchReader?: PartitionReader;
  /** `User:<subject DN>` of the client's verified TLS certificate (mutual TLS); absent without one. */
  readonly certificatePrincipal?: string | undefined;
}

type PauseCause = 'in-flight' | 'throttle';

/** The context, writable by the core only (principal and client id change during a connection). */
type MutableContext = { -readonly [K in keyof RequestContext]: RequestContext[K] };

export class ConnectionCore {
  readonly id: number;
  private readonly transport: Transport;
  private readonly codec: WireCodec;
  private readonly logger: Logger;
  private readonly closed = new AbortController();
  private readonly context: MutableContext;
  private readonly order: ResponseOrder | null;
  /** Traffic since the last idle sweep (frames, pongs, completed sends). */
  private alive = true;
  private inFlight = 0;
  private idleWaiters: Array<() => void> = [];
  private congestedTimer: NodeJS.Timeout | null = null;
  private drainWaiters: Array<() => void> = [];
  /** Response budgets of the fetches being read now. */
  private fetchBytesReading = 0;
  private readonly pauses = new Set<PauseCause>();
  private throttled = 0;
  /** A refusal asked to close: nothing more is read or answered. */
  private closing = false;
  private readonly handlerOf: (api: string) => ApiHandler<ApiName> | undefined;
  /** Set by a handler (a failed login): close once the answer being made has been sent. */
  private closeRequested: string | null = null;

  constructor(private readonly opts: ConnectionCoreOptions) {
    this.id = opts.id;
    this.transport = opts.transport;
    this.codec = opts.codec;
    this.logger = opts.logger;
    const remoteAddress = opts.transport.remoteAddress;
    this.context = {
      services: opts.services,
      principal: opts.hooks.security.connectionPrincipal({ listener: opts.listener, remoteAddress, certificatePrincipal: opts.certificatePrincipal }),
      clientId: '',
      listener: opts.listener,
      remoteAddress,
      connectionClosed: this.closed.signal,
      connectionOrBrokerEnding: AbortSignal.any([this.closed.signal, opts.services.stopping]),
      logger: opts.logger,
      fetchReader: opts.fetchReader,
      session: {
        tls: opts.transport.tls ?? false,
        login: null,
        authenticated: (principal) => { this.context.principal = principal; },
        closeAfterAnswer: (message) => { this.closeRequested ??= message; },
      },
    };
    this.order = opts.ordered ? new ResponseOrder((frame) => this.send(frame)) : null;
    const encodePushed = opts.codec.encodePushed?.bind(opts.codec);
    if (encodePushed) this.context.subscriptions = this.subscriptionsFor(encodePushed);
    this.handlerOf = opts.handlers ?? handlerOf;
  }

  get ctx(): RequestContext {
    return this.context;
  }

  private subscriptionsFor(encodePushed: NonNullable<WireCodec['encodePushed']>): SubscriptionSet {
    return new SubscriptionSet({
      push: (id, batches) => {
        const frame = encodePushed(id, batches);
        this.send(frame);
        return frame.byteLength;
      },
      canSend: () => this.transport.isOpen && !this.isCongested,
      read: this.opts.fetchReader ?? readToHighWatermark,
      recheck: (topic, partition) => recheckPartition(this.context, topic, partition),
      // Pushed bytes are fetch answers to a quota: the same consumerByteRate, the same delay.
      throttleMs: (bytesOut) => this.opts.hooks.throttle.delayMs(this.context, { api: 'fetch', durationMs: 0, error: null, bytesIn: 0, bytesOut }),
      traffic: this.opts.services.traffic,
      stats: this.opts.stats,
      logger: this.logger,
    });
  }

  get inFlightRequests(): number {
    return this.inFlight;
  }

  get isCongested(): boolean {
    return this.congestedTimer !== null;
  }

  get isClosed(): boolean {
    return this.closed.signal.aborted;
  }

  /** After an authentication exchange: later requests run as `principal`. */
  setPrincipal(principal: string): void {
    this.context.principal = principal;
  }

  /** The transport saw life from the peer that is not a frame (a pong). */
  markAlive(): void {
    this.alive = true;
  }

  /** One frame from the transport. */
  receive(frame: Buffer, binary = true): void {
    this.alive = true;
    if (this.closing) return;
    const decoded = this.codec.decode(frame, binary);
    if ('refusal' in decoded) {
      const { refusal } = decoded;
      this.opts.stats.malformedFrames++;
      if (refusal.error instanceof UnknownServerError) this.logger.error({ err: refusal.error.cause, bytes: frame.length }, 'frame decoding failed unexpectedly');
      else this.logger.debug({ err: refusal.error, bytes: frame.length }, 'frame refused');
      if (refusal.response) this.finish(this.order?.reserve() ?? null, refusal.response);
      if (refusal.close) this.closeAfterAnswers(refusal.close.reason, refusal.close.message);
      return;
    }
    const req = decoded.request;
    if (req.clientId !== undefined) this.context.clientId = req.clientId;
    const answer = expectsAnswer(req.api, req.command);
    if (this.opts.services.stopping.aborted) {
      this.refuse(req, answer, new BrokerShuttingDownError());
      return;
    }
    this.opts.stats.requests++;
    if (this.inFlight >= this.opts.limits.maxInFlight && this.opts.inFlightPolicy === 'reject') {
      this.opts.stats.requestsRejectedInFlight++;
      this.refuse(req, answer, new TooManyRequestsError(
        `more than ${this.opts.limits.maxInFlight} requests in flight on one connection`));
      return;
    }
    // In 'pause' mode frames already read when the limit was reached (one read may carry
    // several) still run: at most one transport read's worth over the limit.
    this.inFlight++;
    if (this.opts.inFlightPolicy === 'pause' && this.inFlight >= this.opts.limits.maxInFlight) this.pause('in-flight');
    const slot = answer ? this.order?.reserve() ?? null : null;
    void this.serve(req, answer, slot, frame.length).finally(() => {
      this.inFlight--;
      if (this.inFlight < this.opts.limits.maxInFlight) this.unpause('in-flight');
      if (this.inFlight === 0) for (const wake of this.idleWaiters.splice(0)) wake();
    });
  }

  /** Called every idleTimeoutMs / 2 by the owner. */
  sweepIdle(): void {
    if (!this.alive && (this.transport.ping !== undefined || this.inFlight === 0)) {
      this.logger.info({ idleTimeoutMs: this.opts.limits.idleTimeoutMs }, 'idle connection terminated');
      this.opts.stats.idleConnectionsTerminated++;
      if (this.transport.ping) this.terminate();
      else this.close('idle', 'idle timeout');
      return;
    }
    this.alive = false;
    this.transport.ping?.();
  }

  /** Resolves when no request is in flight, or after `timeoutMs`, whichever comes first. */
  whenIdle(timeoutMs: number): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.idleWaiters.push(() => { clearTimeout(timer); resolve(); });
    });
  }

  close(reason: CloseReason, message: string): void {
    this.transport.close(reason, message);
  }

  terminate(): void {
    this.transport.terminate();
  }

  /** Stops reading requests and closes once every answer reserved so far has gone to the transport. */
  private closeAfterAnswers(reason: CloseReason, message: string): void {
    this.closing = true;
    if (this.order && this.order.pending > 0) this.order.whenEmpty(() => this.close(reason, message));
    else this.close(reason, message);
  }

  /** The transport is closed (either side): abort parked work, drop what waits to be sent. */
  onTransportClosed(detail: Readonly<Record<string, unknown>> = {}): void {
    if (this.closed.signal.aborted) return;
    this.logger.debug({ ...detail, inFlight: this.inFlight }, 'connection closed');
    this.closed.abort();
    this.context.subscriptions?.close();
    this.uncongest();
    this.order?.discard();
    this.opts.onClose(this);
  }

  /** Runs one request: authorize, gate fetches, handle, encode, observe, throttle, send. */
  private async serve(req: DecodedRequest, answer: boolean, slot: ResponseSlot | null, bytesIn: number): Promise<void> {
    const started = performance.now();
    const isFetch = req.api === 'fetch';
    const budget = isFetch ? fetchResponseBudget(req.command as FetchCommand) : 0;
    let held = false;
    let result: unknown = NO_RESPONSE;
    let error: StrataError | null = null;
    try {
      const authorizing = this.opts.hooks.security.authorize(this.context, req.api, req.command);
      if (authorizing) await authorizing;
      if (isFetch && this.mustHoldFetch(budget)) {
        held = true;
        this.opts.stats.fetchesHeld++;
        if (!(await this.untilRoomFor(budget))) return this.finish(slot, null);
      }
      // A connection that died while the fetch was held wants no answer: reading for it would
      // only make garbage.
      if (isFetch && !this.transport.isOpen) return this.finish(slot, null);
      const handler = this.handlerOf(req.api);
      // Codecs only decode APIs of the table; a miss here is a codec bug.
      if (!handler) throw new UnknownServerError(`no handler for API ${req.api}`);
      this.fetchBytesReading += budget;
      try {
        result = await handler(this.context, req.command as never);
      } finally {
        this.fetchBytesReading -= budget;
        if (budget > 0) for (const wake of this.drainWaiters.splice(0)) wake();
      }
    } catch (err) {
      error = this.requestError(req, err);
    }

    const fatal = error ? this.codec.closesAfter?.(req, error) ?? null : null;
    if (fatal) {
      this.observe({ api: req.api, durationMs: performance.now() - started, error, bytesIn, bytesOut: 0 });
      this.finish(slot, null);
      this.closeAfterAnswers(fatal.reason, fatal.message);
      return;
    }
    let frame = answer && !this.isClosed ? this.encode(req, result, error) : null;
    if (frame === null) releaseHeld(result);
    const completion: RequestCompletion = {
      api: req.api, durationMs: performance.now() - started, error, bytesIn, bytesOut: frame?.byteLength ?? 0,
    };
    this.observe(completion);
    const delayMs = this.opts.hooks.throttle.delayMs(this.context, completion);
    if (delayMs > 0) {
      if (frame) frame = this.codec.withThrottleTime?.(req, frame, delayMs) ?? frame;
      // KIP-219: a client that throttles itself gets the answer now, and the connection is muted
      // after it; any other waits for its answer, the connection muted meanwhile.
      if (frame && this.codec.clientThrottles?.(req)) void this.throttle(delayMs);
      else await this.throttle(delayMs);
    }
    if (frame && isFetch && this.isCongested) {
      if (!held) this.opts.stats.fetchesHeld++;
      if (!(await this.untilRoomFor(0, () => this.isCongested))) {
        frame.sent?.(false);
        return this.finish(slot, null);
      }
    }
    this.finish(slot, frame);
    if (this.closeRequested !== null && !this.closing) this.closeAfterAnswers('auth-failed', this.closeRequested);
  }

  private encode(req: DecodedRequest, result: unknown, error: StrataError | null): OutgoingFrame | null {
    if (error) return this.codec.encodeError(req, error);
    if (result === NO_RESPONSE) return null;
    try {
      return this.codec.encodeResult(req, result);
    } catch (err) {
      releaseHeld(result);
      this.logger.error({ err, api: req.api, correlationId: req.correlationId }, 'response encoding failed');
      return this.codec.encodeError(req, new UnknownServerError());
    }
  }

  private requestError(req: DecodedRequest, err: unknown): StrataError {
    if (err instanceof StrataError) {
      this.logger.debug({ err, api: req.api, correlationId: req.correlationId }, 'request failed');
      return err;
    }
    this.logger.error({ err, api: req.api, correlationId: req.correlationId }, 'request failed unexpectedly');
    return new UnknownServerError(undefined, { cause: err });
  }

  private observe(completion: RequestCompletion): void {
    try {
      this.opts.hooks.observer.onRequestComplete(this.context, completion);
    } catch (err) {
      this.logger.error({ err }, 'request observer threw');
    }
  }

  /** Holds this answer `delayMs` and reads nothing from the connection meanwhile. */
  private async throttle(delayMs: number): Promise<void> {
    this.throttled++;
    this.pause('throttle');
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, delayMs);
      const signal = this.closed.signal;
      function done(): void {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });
    if (--this.throttled === 0) this.unpause('throttle');
  }

  private pause(cause: PauseCause): void {
    if (this.pauses.size === 0) this.transport.pauseReading();
    this.pauses.add(cause);
  }

  private unpause(cause: PauseCause): void {
    if (!this.pauses.delete(cause) || this.pauses.size > 0) return;
    if (!this.isClosed) this.transport.resumeReading();
  }

  private refuse(req: DecodedRequest, answer: boolean, err: StrataError): void {
    if (!answer) {
      this.logger.warn({ err, api: req.api }, 'request without answer dropped');
      return;
    }
    this.finish(this.order?.reserve() ?? null, this.codec.encodeError(req, err));
  }

  private finish(slot: ResponseSlot | null, frame: OutgoingFrame | null): void {
    if (slot) this.order!.fill(slot, frame);
    else if (frame) this.send(frame);
  }

  private mustHoldFetch(budget: number): boolean {
    return this.isCongested
      || (this.fetchBytesReading > 0
        && this.transport.bufferedAmount + this.fetchBytesReading + budget > this.opts.limits.slowConsumerBufferedBytesMax);
  }

  /** Resolves true once a fetch of `budget` bytes may go on (or `hold` is false), false if the connection closed. */
  private async untilRoomFor(budget: number, hold = () => this.mustHoldFetch(budget)): Promise<boolean> {
    while (hold()) {
      await new Promise<void>((resolve) => this.drainWaiters.push(resolve));
      if (this.isClosed) return false;
    }
    return !this.isClosed;
  }

  private send(frame: OutgoingFrame): void {
    if (!this.transport.isOpen) {
      frame.sent?.(false);
      return;
    }
    this.transport.send(frame.bytes, (err) => {
      frame.sent?.(!err);
      this.afterSend(err);
    });
    const { slowConsumerBufferedBytesMax, slowConsumerDropMs } = this.opts.limits;
    if (!this.isCongested && this.transport.bufferedAmount > slowConsumerBufferedBytesMax) {
      this.logger.debug({ bufferedBytes: this.transport.bufferedAmount }, 'connection congested; holding fetches');
      this.congestedTimer = setTimeout(() => {
        this.logger.warn({ bufferedBytes: this.transport.bufferedAmount, dropMs: slowConsumerDropMs }, 'slow consumer terminated');
        this.opts.stats.slowConsumersTerminated++;
        this.terminate();
      }, slowConsumerDropMs);
    }
  }

  private afterSend(err: Error | undefined): void {
    if (err) return; // the transport is failing; its close follows
    // Without pings a written answer is the only sign of life a quiet client gives; with pings
    // only the peer's own traffic counts (writes into a dead peer's kernel buffer still succeed).
    if (!this.transport.ping) this.alive = true;
    if (this.isCongested && this.transport.bufferedAmount <= this.opts.limits.slowConsumerBufferedBytesMax) this.uncongest();
  }

  private uncongest(): void {
    if (this.congestedTimer) clearTimeout(this.congestedTimer);
    this.congestedTimer = null;
    for (const wake of this.drainWaiters.splice(0)) wake();
    this.context.subscriptions?.resume();
  }
}

/** Gives back the read buffers of a result that will never be encoded. */
function releaseHeld(result: unknown): void {
  if (result !== null && typeof result === 'object') (result as Partial<HeldReadBuffers>).release?.();
}
