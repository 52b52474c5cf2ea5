/**
 * The one place the SDK touches a WebSocket implementation. The connection sees only the small
 * `StrataSocket` interface, so a browser's WebSocket can be swapped in by passing another
 * `SocketFactory`. The default comes from the platform module (`ws` on Node, the page's
 * WebSocket in a browser); `browserSocketFactory` wraps any WHATWG WebSocket constructor.
 *
 * Contract: the factory starts opening at once; exactly one of `onOpen` or `onClose` follows
 * for the opening, then any number of `onMessage`, then exactly one `onClose`. After `onClose`
 * no other handler is called. Every frame is one binary WebSocket message.
 */
import { platform } from '#platform';
import { whatwgSocketFactory, type WhatwgWebSocketConstructor } from '../platform/whatwg-socket.js';
import { FRAME_BYTES_MAX } from '../proto/constants.js';
import type { ResolvedTls } from './tls-options.js';

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
  /** TLS of a wss:// URL (the client's `tls` option, resolved); Node only. */
  tls?: ResolvedTls;
}

/** Opens a socket to `url` and reports to `handlers`. */
export type SocketFactory = (url: string, handlers: SocketHandlers, options: SocketOptions) => StrataSocket;

/**
 * The runtime's own WebSocket, chosen by the `#platform` import: on Node the `ws` package (no
 * compression, zero masks; see platform/node.ts), in a browser the page's `WebSocket`.
 */
export const defaultSocketFactory: SocketFactory = (url, handlers, options) =>
  platform.socketFactory(url, handlers, {
    maxPayloadBytes: options.maxPayloadBytes ?? FRAME_BYTES_MAX, ...(options.tls ? { tls: options.tls } : {}),
  });

/**
 * The default factory under its older name: on Node it is the `ws` package, as it always was.
 * @deprecated use `defaultSocketFactory`.
 */
export const nodeSocketFactory: SocketFactory = defaultSocketFactory;

/**
 * Factory over any WHATWG WebSocket constructor (browsers, Deno, Node 22's global WebSocket),
 * for runtimes whose default is not the one wanted. A browser gives no write completion, so
 * `onWritten` runs right after `send` hands the frame to the browser.
 * Pass it as `socketFactory: browserSocketFactory(WebSocket)`.
 */
export function browserSocketFactory(Ctor: WhatwgWebSocketConstructor): SocketFactory {
  return whatwgSocketFactory(Ctor);
}
