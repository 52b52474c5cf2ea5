/**
 * A fault of the SDK's socket seam for retry and idempotence tests: wraps the real `ws` socket
 * and, instead of delivering chosen produce responses, kills the connection — the broker wrote
 * the batch but the producer never hears of it, the case retries and idempotence exist for.
 */
import { decodeResponse } from '../../proto/messages.js';
import { nodeSocketFactory, type SocketFactory, type StrataSocket } from '../../client/index.js';

/** Drops the produce responses for which `drop(n)` is true (n counts produce responses from 1). */
export function losingProduceResponses(drop: (n: number) => boolean): { factory: SocketFactory; dropped: () => number } {
  let produceResponses = 0;
  let dropped = 0;
  const factory: SocketFactory = (url, handlers, options) => {
    const socket: StrataSocket = nodeSocketFactory(url, {
      onOpen: () => handlers.onOpen(),
      onClose: (code, reason, error) => handlers.onClose(code, reason, error),
      onMessage: (frame) => {
        if (decodeResponse(frame).body === 'produce' && drop(++produceResponses)) {
          dropped++;
          socket.terminate();
          return;
        }
        handlers.onMessage(frame);
      },
    }, options);
    return socket;
  };
  return { factory, dropped: () => dropped };
}
