/**
 * One client connection: turns WebSocket frames into requests and responses. The codec
 * (proto/messages.ts) knows nothing about sockets; this class only wires it to `ws`.
 *
 * Framing: one protobuf Request per binary frame. A text frame is a protocol error: an
 * InvalidRequestError response (correlation id 0), then close 1003. A frame that fails to
 * decode gets an InvalidRequestError response when its correlation id can be recovered
 * (frame-peek.ts), otherwise the connection is closed with 1007. Frames over frameBytesMax
 * never reach here: ws closes with 1009.
 *
 * Concurrency: requests run concurrently and responses are written as they complete, in any
 * order (clients match them by correlation id). At most maxInFlightRequestsPerConnection run at
 * once; the excess is answered with TooManyRequestsError (retriable) straight away, or dropped
 * and logged for acks=NONE produces, which take no answer.
 *
 * Slow readers: when ws.bufferedAmount (bytes queued in user space for this socket) passes
 * slowConsumerBufferedBytesMax, the connection is congested: fetches wait, before reading and
 * again before sending their answer, until the queue drains below the cap (checked on every
 * completed send), so a slow consumer cannot make the broker queue unbounded fetch responses;
 * at most maxInFlightRequestsPerConnection answers are held. A connection congested for
 * slowConsumerDropMs is terminated.
 *
 * Closing aborts `connectionClosed`, which cancels parked fetches and drops pending answers.
 */
import { WebSocket, type RawData } from 'ws';
import {
  BrokerShuttingDownError, InvalidRequestError, TooManyRequestsError, UnknownServerError,
} from '../../proto/errors.js';
import { encodeFetchResponseFrame } from '../../proto/fetch-response-frame.js';
import { decodeRequest, encodeResponse, pb, type Request, type ResponseProps } from '../../proto/messages.js';
import { BufferPool, POOL_BUFFER_BYTES_MIN } from '../../proto/buffer-pool.js';
import type { BrokerLimits } from '../config.js';
import { FETCH_RESPONSE_BYTES_MAX } from '../constants.js';
import type { Logger } from '../logger.js';
import { peekCorrelationId } from './frame-peek.js';
import type { HeldReadBuffers } from './fetch-reader.js';
import type { ServerStats } from './server-stats.js';
import type { BrokerServices, RequestContext } from './request-context.js';
import { errorResponse, routeRequest } from './request-router.js';

/**
 * Bytes of fetch frame buffers kept for reuse, across all connections: a few full responses
 * (FETCH_RESPONSE_BYTES_MAX) so steady replays allocate no new multi-MiB frames, whose external
 * memory drove much of the broker's GC; bounded so idle memory stays small.
 */
const FETCH_FRAME_POOL_BYTES_MAX = 4 * FETCH_RESPONSE_BYTES_MAX;

/**
 * Recycled fetch frames. A buffer goes back only from ws.send's callback without error (the
 * socket has written every byte); on failure it is left to the GC, as the socket may still hold
 * it. Event-loop use only.
 */
const fetchFramePool = new BufferPool(FETCH_FRAME_POOL_BYTES_MAX);

/** WebSocket close codes used here (RFC 6455 section 7.4.1). */
export const CloseCode = {
  GOING_AWAY: 1001,
  PROTOCOL_ERROR: 1002,
  UNSUPPORTED_DATA: 1003,
  INVALID_PAYLOAD: 1007,
  TRY_AGAIN_LATER: 1013,
} as const;

export interface ConnectionOptions {
  readonly id: number;
  readonly ws: WebSocket;
  readonly remote: string;
  readonly services: BrokerServices;
  readonly limits: BrokerLimits;
  /** Shared with the server and every other connection. */
  readonly stats: ServerStats;
  readonly logger: Logger;
  readonly onClose: (conn: Connection) => void;
}

export class Connection {
  readonly id: number;
  /** Set on every pong or frame; the server's idle sweep clears it and pings. */
  alive = true;
  private readonly ws: WebSocket;
  private readonly logger: Logger;
  private readonly closed = new AbortController();
  private readonly ctx: RequestContext;
  private inFlight = 0;
  private idleWaiters: Array<() => void> = [];
  private congestedTimer: NodeJS.Timeout | null = null;
  private drainWaiters: Array<() => void> = [];
  /** Response budgets (max_bytes) of the fetches being read now. */
  private fetchBytesReading = 0;

  constructor(private readonly opts: ConnectionOptions) {
    this.id = opts.id;
    this.ws = opts.ws;
    this.logger = opts.logger;
    this.ctx = { services: opts.services, connectionClosed: this.closed.signal, logger: this.logger };
    this.ws.on('message', (data, isBinary) => this.onFrame(data, isBinary));
    this.ws.on('pong', () => { this.alive = true; });
    this.ws.on('error', (err) => this.logger.debug({ err }, 'socket error'));
    this.ws.on('close', (code, reason) => this.onClosed(code, reason));
  }

  get inFlightRequests(): number {
    return this.inFlight;
  }

  get isCongested(): boolean {
    return this.congestedTimer !== null;
  }

  ping(): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.ping();
  }

  /** Resolves when no request is in flight, or after `timeoutMs`, whichever comes first. */
  whenIdle(timeoutMs: number): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.idleWaiters.push(() => { clearTimeout(timer); resolve(); });
    });
  }

  close(code: number, reason: string): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(code, reason);
  }

  terminate(): void {
    this.ws.terminate();
  }

  private onFrame(data: RawData, isBinary: boolean): void {
    this.alive = true;
    if (!isBinary) {
      this.opts.stats.malformedFrames++;
      this.logger.debug('text frame refused');
      this.send(errorResponse(0, new InvalidRequestError('text frames are not part of the protocol; send binary protobuf frames')));
      this.close(CloseCode.UNSUPPORTED_DATA, 'binary frames only');
      return;
    }
    const frame = toBuffer(data);
    let req: Request;
    try {
      req = decodeRequest(frame);
    } catch (err) {
      this.opts.stats.malformedFrames++;
      const correlationId = peekCorrelationId(frame);
      this.logger.debug({ err, correlationId, bytes: frame.length }, 'malformed request frame');
      if (correlationId === null) this.close(CloseCode.INVALID_PAYLOAD, 'malformed request frame');
      else this.send(errorResponse(correlationId, err));
      return;
    }
    if (this.opts.services.stopping.aborted) {
      this.answerUnlessAcksNone(req, new BrokerShuttingDownError());
      return;
    }
    this.opts.stats.requests++;
    if (this.inFlight >= this.opts.limits.maxInFlightRequestsPerConnection) {
      this.opts.stats.requestsRejectedInFlight++;
      this.answerUnlessAcksNone(req, new TooManyRequestsError(
        `more than ${this.opts.limits.maxInFlightRequestsPerConnection} requests in flight on one connection`));
      return;
    }
    this.inFlight++;
    void this.serve(req).finally(() => {
      this.inFlight--;
      if (this.inFlight === 0) for (const wake of this.idleWaiters.splice(0)) wake();
    });
  }

  /**
   * Runs one request. Fetches pass the slow-consumer gate twice: before reading (so a congested
   * connection starts no new reads) and before sending (so a burst of fetches dispatched before
   * the first answer went out cannot pile their answers into the send queue). Before reading,
   * a fetch also reserves its response budget (max_bytes): fetches being read, plus what is
   * queued, may not pass the cap, so a burst of pipelined fetches cannot make the broker read
   * maxInFlightRequestsPerConnection x FETCH_RESPONSE_BYTES_MAX into memory before the first
   * answer shows the socket is slow. One fetch may always run.
   */
  private async serve(req: Request): Promise<void> {
    const isFetch = req.body === 'fetch';
    const budget = isFetch ? Math.min(req.fetch?.maxBytes || FETCH_RESPONSE_BYTES_MAX, FETCH_RESPONSE_BYTES_MAX) : 0;
    let held = false;
    if (isFetch && this.mustHoldFetch(budget)) {
      held = true;
      this.opts.stats.fetchesHeld++;
      if (!(await this.untilRoomFor(budget))) return;
    }
    // A socket that died while the fetch was held (terminated as a slow consumer, say) wants
    // no answer: reading for it would only make garbage.
    if (isFetch && this.ws.readyState !== WebSocket.OPEN) return;
    this.fetchBytesReading += budget;
    let res: ResponseProps | null;
    try {
      res = await routeRequest(this.ctx, req);
    } finally {
      this.fetchBytesReading -= budget;
      if (budget > 0) for (const wake of this.drainWaiters.splice(0)) wake();
    }
    if (!res) return;
    if (isFetch && this.isCongested) {
      if (!held) this.opts.stats.fetchesHeld++;
      if (!(await this.untilRoomFor(0, () => this.isCongested))) return;
    }
    this.send(res);
  }

  private mustHoldFetch(budget: number): boolean {
    return this.isCongested
      || (this.fetchBytesReading > 0 && this.ws.bufferedAmount + this.fetchBytesReading + budget > this.opts.limits.slowConsumerBufferedBytesMax);
  }

  /** Resolves true once a fetch of `budget` bytes may go on (or `hold` is false), false if the connection closed. */
  private async untilRoomFor(budget: number, hold = () => this.mustHoldFetch(budget)): Promise<boolean> {
    while (hold()) {
      await new Promise<void>((resolve) => this.drainWaiters.push(resolve));
      if (this.closed.signal.aborted) return false;
    }
    return !this.closed.signal.aborted;
  }

  private answerUnlessAcksNone(req: Request, err: Error): void {
    if (req.body === 'produce' && req.produce?.acks === pb.Acks.ACKS_NONE) {
      this.logger.warn({ err }, 'acks=none produce dropped');
      return;
    }
    this.send(errorResponse(req.correlationId, err));
  }

  private send(res: ResponseProps): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    let bytes: Uint8Array;
    let pooled: Buffer | null = null;
    try {
      // Fetch answers, the bulk of the bytes, skip the generic writer: one exactly-sized buffer
      // with one copy of the records (proto/fetch-response-frame.ts), from the frame pool.
      bytes = res.fetch != null && res.error == null
        ? encodeFetchResponseFrame(res.correlationId ?? 0, res.fetch,
          (n) => n < POOL_BUFFER_BYTES_MIN ? Buffer.allocUnsafe(n) : (pooled = fetchFramePool.acquire(n)))
        : encodeResponse(res);
      // The frame holds a copy of the records: their read buffers can serve the next fetch.
      (res.fetch as Partial<HeldReadBuffers> | null | undefined)?.release?.();
    } catch (err) {
      pooled = null;
      this.logger.error({ err, correlationId: res.correlationId }, 'response encoding failed');
      bytes = encodeResponse(errorResponse(res.correlationId ?? 0, new UnknownServerError()));
    }
    const backing: Buffer | null = pooled;
    this.ws.send(bytes, { binary: true }, (err) => {
      if (!err && backing !== null) fetchFramePool.release(backing);
      this.afterSend(err);
    });
    if (!this.isCongested && this.ws.bufferedAmount > this.opts.limits.slowConsumerBufferedBytesMax) {
      this.logger.debug({ bufferedBytes: this.ws.bufferedAmount }, 'connection congested; holding fetches');
      this.congestedTimer = setTimeout(() => {
        this.logger.warn({ bufferedBytes: this.ws.bufferedAmount, dropMs: this.opts.limits.slowConsumerDropMs },
          'slow consumer terminated');
        this.opts.stats.slowConsumersTerminated++;
        this.terminate();
      }, this.opts.limits.slowConsumerDropMs);
    }
  }

  private afterSend(err: Error | undefined): void {
    if (err) return; // the socket is failing; 'close' follows
    if (this.isCongested && this.ws.bufferedAmount <= this.opts.limits.slowConsumerBufferedBytesMax) {
      this.uncongest();
    }
  }

  private uncongest(): void {
    if (this.congestedTimer) clearTimeout(this.congestedTimer);
    this.congestedTimer = null;
    for (const wake of this.drainWaiters.splice(0)) wake();
  }

  private onClosed(code: number, reason: Buffer): void {
    this.logger.debug({ code, reason: reason.toString('utf8'), inFlight: this.inFlight }, 'connection closed');
    this.closed.abort();
    this.uncongest();
    this.opts.onClose(this);
  }
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
