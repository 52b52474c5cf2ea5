/**
 * Per-IP limits on both listeners of a real broker process (`strata broker start`), with real
 * sockets from two loopback addresses (127.0.0.1 and 127.0.0.2, both on `lo`): an address at its
 * --max-connections-per-ip has its next connection closed at accept, on either listener since the
 * count is over both, while the other address connects; closing a connection frees its slot;
 * --max-connection-attempts-per-ip-per-second closes a burst past the rate; every refusal is in
 * strata_connections_refused_per_ip_total and the log says so once per interval, not per socket.
 */
import http from 'node:http';
import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { decodeResponse, encodeRequest } from '../../../proto/kafka/index.js';
import { startKafkaBroker, type KafkaBroker } from '../kafka/harness.js';

const brokers: KafkaBroker[] = [];
const sockets: Array<{ close(): void }> = [];

afterAll(async () => {
  for (const s of sockets) s.close();
  for (const b of brokers) await b.close();
});

async function start(args: string[]): Promise<KafkaBroker> {
  const b = await startKafkaBroker(args);
  brokers.push(b);
  return b;
}

/** A WebSocket from `from`: resolves 'open', or 'refused' when the broker closes it before the upgrade. */
function ws(url: string, from: string): Promise<{ outcome: 'open' | 'refused'; socket: WebSocket }> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, { localAddress: from, perMessageDeflate: false });
    sockets.push({ close: () => socket.terminate() });
    socket.once('open', () => resolve({ outcome: 'open', socket }));
    socket.once('error', () => resolve({ outcome: 'refused', socket }));
  });
}

/** A Kafka connection from `from`: 'open' if ApiVersions is answered, 'refused' if the broker closes it unanswered. */
function kafka(bootstrap: string, from: string): Promise<{ outcome: 'open' | 'refused'; socket: net.Socket }> {
  const [host, port] = bootstrap.split(':');
  return new Promise((resolve) => {
    const socket = net.connect({ host: host!, port: Number(port), localAddress: from });
    sockets.push({ close: () => socket.destroy() });
    let got = Buffer.alloc(0);
    socket.once('connect', () => socket.write(encodeRequest('apiVersions', 3, 1, 'per-ip', { clientSoftwareName: 't', clientSoftwareVersion: '1' })));
    socket.on('data', (d: Buffer) => {
      got = Buffer.concat([got, d]);
      if (got.length >= 4 && got.length >= 4 + got.readInt32BE(0)) {
        expect(decodeResponse('apiVersions', 3, got.subarray(4, 4 + got.readInt32BE(0))).body.errorCode).toBe(0);
        resolve({ outcome: 'open', socket });
      }
    });
    socket.once('error', () => resolve({ outcome: 'refused', socket }));
    socket.once('close', () => resolve({ outcome: 'refused', socket }));
  });
}

/** The metrics, read from 127.0.0.3: an address no limit has seen. */
async function refusedPerIp(b: KafkaBroker): Promise<Record<string, number>> {
  const text = await new Promise<string>((resolve, reject) => {
    http.get(`${b.url.replace('ws://', 'http://')}/metrics`, { localAddress: '127.0.0.3' }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => { body += d.toString(); });
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^strata_connections_refused_per_ip_total\{listener="(\w+)"\} (\d+)$/gm)) out[m[1]!] = Number(m[2]);
  return out;
}

const closed = (s: { once(e: 'close', f: () => void): unknown }) => new Promise<void>((r) => s.once('close', () => r()));

describe('per-IP connection limits', () => {
  it('--max-connections-per-ip counts one address over both listeners and leaves other addresses alone', async () => {
    const b = await start(['--max-connections-per-ip', '3']);
    const a1 = await ws(b.url, '127.0.0.1');
    const a2 = await ws(b.url, '127.0.0.1');
    const a3 = await kafka(b.bootstrap, '127.0.0.1');
    expect([a1.outcome, a2.outcome, a3.outcome]).toEqual(['open', 'open', 'open']);

    // 127.0.0.1 is at 3 over both listeners: a fourth is closed at accept, on either listener.
    expect((await ws(b.url, '127.0.0.1')).outcome).toBe('refused');
    expect((await kafka(b.bootstrap, '127.0.0.1')).outcome).toBe('refused');
    // Another address has its own count.
    const other = await Promise.all([ws(b.url, '127.0.0.2'), kafka(b.bootstrap, '127.0.0.2'), ws(b.url, '127.0.0.2')]);
    expect(other.map((o) => o.outcome)).toEqual(['open', 'open', 'open']);
    expect((await kafka(b.bootstrap, '127.0.0.2')).outcome).toBe('refused');

    // A closed connection gives its slot back.
    const gone = closed(a3.socket);
    a3.socket.destroy();
    await gone;
    await new Promise((r) => setTimeout(r, 100)); // the broker sees the close
    expect((await kafka(b.bootstrap, '127.0.0.1')).outcome).toBe('open');
    // The open connections were never touched.
    expect(a1.socket.readyState).toBe(WebSocket.OPEN);

    expect(await refusedPerIp(b)).toEqual({ ws: 1, kafka: 2 });
  });

  it('--max-connection-attempts-per-ip-per-second closes a burst past the rate, per address, and logs it rate-limited', async () => {
    const RATE = 2;
    const b = await start(['--max-connection-attempts-per-ip-per-second', String(RATE)]);
    const outcomes: string[] = [];
    // The rate is measured over the 11 s quota window (at least 10 s of it from the start), so
    // about 10 s worth (20 attempts) pass before the limit bites.
    for (let i = 0; i < 30; i++) {
      const c = await kafka(b.bootstrap, '127.0.0.1');
      outcomes.push(c.outcome);
      c.socket.destroy();
    }
    const admitted = outcomes.filter((o) => o === 'open').length;
    expect(admitted).toBeGreaterThanOrEqual(RATE * 10 - 2);
    expect(admitted).toBeLessThanOrEqual(RATE * 11);
    expect(outcomes.slice(-5)).toEqual(['refused', 'refused', 'refused', 'refused', 'refused']);
    // Refused attempts count too: the next one is refused as well, on the other listener.
    expect((await ws(b.url, '127.0.0.1')).outcome).toBe('refused');
    expect((await ws(b.url, '127.0.0.2')).outcome).toBe('open');

    const refused = await refusedPerIp(b);
    expect(refused).toEqual({ ws: 1, kafka: 30 - admitted });
    // One warning for the first refusal; the rest are summed at the end of the interval.
    expect(b.stderr().match(/connections refused by the per-IP limits/g)?.length).toBe(1);
  });
});
