/**
 * Test helpers for the broker's plain-HTTP side: raw HTTP over a socket (for bytes no HTTP
 * client would send) and a WebSocket upgrade with a chosen Origin, answered with its status.
 */
import { connect } from 'node:net';
import WebSocket from 'ws';

/** Longest a raw exchange may take before the test gives up on it. */
const RAW_EXCHANGE_MS_MAX = 5_000;

/** Sends `bytes` on a fresh connection and resolves with everything the broker wrote before closing. */
export function rawExchange(httpUrl: string, bytes: string | Buffer): Promise<string> {
  const { hostname, port } = new URL(httpUrl);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    let out = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no close within ${RAW_EXCHANGE_MS_MAX} ms; got ${JSON.stringify(out)}`));
    }, RAW_EXCHANGE_MS_MAX);
    socket.on('data', (d: Buffer) => { out += d.toString('latin1'); });
    socket.on('error', () => undefined); // a reset after the answer is fine; 'close' follows
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
    socket.once('connect', () => socket.write(bytes));
  });
}

/** Opens a WebSocket with `origin` (undefined: no Origin header); resolves 101 or the refusal's status. */
export function upgradeStatus(wsUrl: string, origin: string | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl, origin === undefined ? {} : { origin });
    ws.once('open', () => {
      ws.close();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      ws.terminate();
    });
    ws.once('error', (err) => reject(err));
  });
}

export const httpUrlOf = (wsUrl: string): string => wsUrl.replace(/^ws:/, 'http:');
