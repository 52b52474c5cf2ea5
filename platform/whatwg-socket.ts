/**
 * A socket over any WHATWG WebSocket constructor (browsers, Deno, Node 22's global WebSocket).
 * The browser platform's default, and what client/socket.ts exports as `browserSocketFactory`.
 * A browser gives no write completion, so `onWritten` runs right after `send` hands the frame
 * to the browser. Every frame is one binary message; text messages are ignored.
 */
import type { PlatformSocketFactory } from './platform.js';

/**
 * The minimal surface of a WHATWG WebSocket used here; declared so the SDK compiles without
 * DOM typings.
 */
export interface WhatwgWebSocket {
  binaryType: string;
  readonly bufferedAmount: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
}

export type WhatwgWebSocketConstructor = new (url: string) => WhatwgWebSocket;

export function whatwgSocketFactory(Ctor: WhatwgWebSocketConstructor): PlatformSocketFactory {
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
