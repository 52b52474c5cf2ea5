/**
 * A deliberately minimal protocol client for the broker's integration tests: a real `ws`
 * WebSocket speaking proto/messages.ts frames, with no retries or batching, so the tests see
 * exactly what the broker sends. (The SDK in client/ is tested separately.)
 */
import { WebSocket } from 'ws';
import { decodeResponse, encodeRequest, type RequestProps, type Response } from '../../../proto/messages.js';

export interface Closed {
  code: number;
  reason: string;
}

export class RawClient {
  readonly ws: WebSocket;
  /** Every response received, in arrival order. */
  readonly received: Response[] = [];
  readonly closed: Promise<Closed>;
  private nextCorrelationId = 1;
  private readonly waiters = new Map<number, (r: Response) => void>();

  private constructor(ws: WebSocket) {
    this.ws = ws;
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('message', (data) => {
      const res = decodeResponse(data as Buffer);
      this.received.push(res);
      const waiter = this.waiters.get(res.correlationId);
      if (waiter) {
        this.waiters.delete(res.correlationId);
        waiter(res);
      }
    });
  }

  static connect(url: string): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { perMessageDeflate: false });
      ws.once('open', () => resolve(new RawClient(ws)));
      ws.once('error', reject);
    });
  }

  /** Sends a request with a fresh correlation id and resolves with its response. */
  request(req: Omit<RequestProps, 'correlationId'>, timeoutMs = 10_000): Promise<Response> {
    const correlationId = this.nextCorrelationId++;
    const response = this.responseTo(correlationId, timeoutMs);
    this.ws.send(encodeRequest({ ...req, correlationId }));
    return response;
  }

  /** Sends without waiting; returns the correlation id used. */
  send(req: Omit<RequestProps, 'correlationId'>): number {
    const correlationId = this.nextCorrelationId++;
    this.ws.send(encodeRequest({ ...req, correlationId }));
    return correlationId;
  }

  responseTo(correlationId: number, timeoutMs = 10_000): Promise<Response> {
    const already = this.received.find((r) => r.correlationId === correlationId);
    if (already) return Promise.resolve(already);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(correlationId);
        reject(new Error(`no response to correlation id ${correlationId} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.set(correlationId, (r) => {
        clearTimeout(timer);
        resolve(r);
      });
    });
  }

  /** Sends raw bytes or text, bypassing the codec. */
  sendRaw(data: Buffer | string): void {
    this.ws.send(data);
  }

  close(): void {
    this.ws.close();
  }
}
