/**
 * The one place the SDK touches a WebSocket implementation. The connection sees only the small
 * `StrataSocket` interface, so a browser's WebSocket can be swapped in by passing another
 * `SocketFactory` (see `browserSocketFactory` below for the shape it takes).
 *
 * Contract: the factory starts opening at once; exactly one of `onOpen` or `onClose` follows
 * for the opening, then any number of `onMessage`, then exactly one `onClose`. After `onClose`
 * no other handler is called. Every frame is one binary WebSocket message.
 */
import WebSocket from 'ws';
import { FRAME_BYTES_MAX } from '../proto/constants.js';

/** Callbacks a socket reports to. */
export interface SocketHandlers {
  onOpen(): void;
  /** One whole binary frame. */
  onMessage(frame: Uint8Array): void;
  /** The socket is gone; `error` is the failure that closed it, if any. */
  onClose(code: number, reason: string, error?: Error): void;
}

/** What the connection needs from a WebSocket. */
export interface StrataSocket {
  /**
   * Queues one binary frame. `onWritten` runs once the frame has been handed to the operating
   * system (Node) or to the browser's send buffer; it receives an error if the write failed.
   */
  send(frame: Uint8Array, onWritten?: (err?: Error) => void): void;
  /** Closing handshake; `onClose` follows. */
  close(code?: number, reason?: string): void;
  /** Drops the connection at once, without a closing handshake; `onClose` follows. */
  terminate(): void;
  /** Bytes queued in user space and not yet written to the network. */
  readonly bufferedBytes: number;
}

export interface SocketOptions {
  /** Largest incoming frame accepted. @default FRAME_BYTES_MAX */
  maxPayloadBytes?: number;
}

/** Opens a socket to `url` and reports to `handlers`. */
export type SocketFactory = (url: string, handlers: SocketHandlers, options: SocketOptions) => StrataSocket;

/**
 * Node implementation on `ws`. Compression is off: record batches are either already compressed
 * by the producer or not worth the CPU at the rates this SDK targets.
 *
 * Client frames carry an all-zero mask. RFC 6455 masking protects proxies from frames whose
 * bytes are chosen by untrusted script in a browser; a Node process is not that attacker, and
 * with a zero mask `ws` writes each frame without copying and XOR-ing it (a measured ~10% of a
 * producer's CPU). The frames stay valid: the mask is present, just zero.
 */
export const nodeSocketFactory: SocketFactory = (url, handlers, options) => {
  const ws = new WebSocket(url, {
    perMessageDeflate: false,
    maxPayload: options.maxPayloadBytes ?? FRAME_BYTES_MAX,
    generateMask: zeroMask,
  });
  ws.binaryType = 'nodebuffer';
  let lastError: Error | undefined;
  let closed = false;
  ws.on('open', () => { if (!closed) handlers.onOpen(); });
  ws.on('message', (data, isBinary) => {
    if (closed || !isBinary) return;
    // With binaryType 'nodebuffer' a message is one Buffer (or, for fragmented frames, a list).
    handlers.onMessage(Array.isArray(data) ? Buffer.concat(data) : (data as Buffer));
  });
  // ws emits 'error' then 'close'; remember the error so onClose can report why.
  ws.on('error', (err) => { lastError = err; });
  ws.on('close', (code, reason) => {
    if (closed) return;
    closed = true;
    handlers.onClose(code, reason.toString('utf8'), lastError);
  });
  return {
    send(frame, onWritten) {
      if (ws.readyState !== WebSocket.OPEN) {
        onWritten?.(new Error(`socket is not open (readyState ${ws.readyState})`));
        return;
      }
      ws.send(frame, { binary: true }, onWritten);
    },
    close(code, reason) { ws.close(code, reason); },
    terminate() { ws.terminate(); },
    get bufferedBytes() { return ws.bufferedAmount; },
  };
};

function zeroMask(mask: Buffer): void {
  mask.fill(0);
}

/**
 * The minimal surface of a WHATWG WebSocket used by `browserSocketFactory`; declared here so
 * the SDK compiles without DOM typings.
 */
interface WhatwgWebSocket {
  binaryType: string;
  readonly bufferedAmount: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
}

/**
 * Factory over any WHATWG WebSocket constructor (browsers, Deno, Node 22's global WebSocket).
 * A browser gives no write completion, so `onWritten` runs right after `send` hands the frame
 * to the browser. Pass it as `socketFactory: browserSocketFactory(WebSocket)`.
 */
export function browserSocketFactory(Ctor: new (url: string) => WhatwgWebSocket): SocketFactory {
  return (url, handlers) => {
    const ws = new Ctor(url);
    ws.binaryType = 'arraybuffer';
    let closed = false;
    let failed = false;
    ws.onopen = () => { if (!closed) handlers.onOpen(); };
    ws.onmessage = (ev) => {
      if (!closed && ev.data instanceof ArrayBuffer) handlers.onMessage(new Uint8Array(ev.data));
    };
    ws.onerror = () => { failed = true; };
    ws.onclose = (ev) => {
      if (closed) return;
      closed = true;
      handlers.onClose(ev.code, ev.reason, failed ? new Error('WebSocket error') : undefined);
    };
    return {
      send(frame, onWritten) {
        try {
          ws.send(frame);
          onWritten?.();
        } catch (err) {
          onWritten?.(err as Error);
        }
      },
      close(code, reason) { ws.close(code, reason); },
      // Browsers have no abrupt close; a normal close is the nearest thing.
      terminate() { ws.close(); },
      get bufferedBytes() { return ws.bufferedAmount; },
    };
  };
}
