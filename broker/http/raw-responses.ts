/**
 * Answers written straight to a socket that never reaches an HTTP response object: refused
 * upgrades (the `upgrade` event hands over the bare socket) and requests the HTTP parser could
 * not read (`clientError`). Each closes the connection after it.
 */
import type { Duplex } from 'node:stream';

const REASONS: Readonly<Record<number, string>> = {
  400: 'Bad Request', 403: 'Forbidden', 408: 'Request Timeout', 413: 'Payload Too Large', 431: 'Request Header Fields Too Large',
  503: 'Service Unavailable',
};

/** Writes `HTTP/1.1 <status>` with a short text body, then ends the socket. */
export function endWithStatus(socket: Duplex, status: number, text: string): void {
  if (socket.destroyed || !socket.writable) {
    socket.destroy();
    return;
  }
  const body = `${text}\n`;
  socket.on('error', () => undefined); // the peer may reset before reading; nothing to do
  socket.end(`HTTP/1.1 ${status} ${REASONS[status] ?? 'Error'}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n`
    + `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}

/** The status for a parser error (Node's `clientError`): 431 for oversized headers, 400 otherwise. */
export function statusOfParseError(err: NodeJS.ErrnoException): number {
  if (err.code === 'HPE_HEADER_OVERFLOW') return 431;
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') return 408;
  return 400;
}
