/**
 * Issue 17, part 2: half-open HTTP upgrades. Sockets that send `GET / HTTP/1.1\r\n` and then
 * stall or trickle a byte at a time must be counted against --max-connections from TCP accept,
 * dropped within the handshake timeout, and never keep a real client out. Before the fix they
 * were counted nowhere and kept forever, until the broker ran out of file descriptors.
 */
import { readdir } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Strata } from '../../../client/index.js';
import { HANDSHAKE_TIMEOUT_MS_DEFAULT } from '../../../broker/constants.js';
import { startBroker, waitFor, type BrokerChild } from '../../crash/harness/broker-process.js';

const CONNECTIONS_MAX = 16;
const STALLED = 300;
const TRICKLE_MS = 200;
/** Sockets the broker holds besides client connections (listener, stdio, epoll, log files...), with room to spare. */
const FDS_SLACK = 8;

let broker: BrokerChild | null = null;
let dir = '';
const flood: Socket[] = [];

afterEach(async () => {
  for (const s of flood.splice(0)) s.destroy();
  await broker?.kill();
  broker = null;
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function start(args: string[]): Promise<BrokerChild> {
  dir = await mkdtemp(join(tmpdir(), 'strata-handshake-'));
  broker = await startBroker(dir, { logLevel: 'warn', args });
  return broker;
}

const fdCount = async (pid: number): Promise<number> => (await readdir(`/proc/${pid}/fd`)).length;

/** Opens a socket that starts an HTTP request and never finishes it; resolves once connected. */
function stalled(url: string, trickle: boolean): Promise<{ socket: Socket; closed: Promise<number> }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    let timer: NodeJS.Timeout | null = null;
    const closed = new Promise<number>((res) => socket.once('close', () => { if (timer) clearInterval(timer); res(Date.now()); }));
    socket.on('error', () => undefined);
    socket.once('connect', () => {
      socket.write('GET / HTTP/1.1\r\n');
      if (trickle) timer = setInterval(() => { if (!socket.destroyed) socket.write('X'); }, TRICKLE_MS);
      resolve({ socket, closed });
    });
    socket.once('error', reject);
  });
}

describe('half-open HTTP upgrades', () => {
  it('counts them from accept against --max-connections, drops them within the handshake timeout, and still serves a real client', async () => {
    const b = await start(['--max-connections', String(CONNECTIONS_MAX)]);
    const baseline = await fdCount(b.pid);
    const opened: Array<{ at: number; closed: Promise<number> }> = [];
    for (let i = 0; i < STALLED; i++) {
      const s = await stalled(b.url, i % 2 === 1);
      flood.push(s.socket);
      opened.push({ at: Date.now(), closed: s.closed });
    }
    // However many were opened, the broker holds at most --max-connections of them.
    await new Promise((r) => setTimeout(r, 200));
    expect(await fdCount(b.pid) - baseline).toBeLessThanOrEqual(CONNECTIONS_MAX + FDS_SLACK);

    // A real client connects and is served while stalled sockets fill every slot.
    const client = new Strata({ brokers: b.url, retry: { retries: 0 } });
    try {
      const started = Date.now();
      expect(await client.admin().listTopics()).toEqual([]);
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      await client.close();
    }

    // Every stalled or trickling socket is closed by the broker within the timeout (plus scheduling slack).
    const closedAt = await Promise.race([
      Promise.all(opened.map((o) => o.closed)),
      new Promise<null>((r) => setTimeout(() => r(null), HANDSHAKE_TIMEOUT_MS_DEFAULT + 3_000)),
    ]);
    expect(closedAt, 'stalled handshakes still open after the timeout').not.toBeNull();
    for (let i = 0; i < opened.length; i++) expect(closedAt![i]! - opened[i]!.at).toBeLessThanOrEqual(HANDSHAKE_TIMEOUT_MS_DEFAULT + 1_500);
    // Hundreds of drops, a handful of log lines.
    await waitFor(() => b.find('connections refused or dropped by limits').length > 0, 2_000, 'the drop warning');
    expect(b.find('connections refused or dropped by limits').length).toBeLessThanOrEqual(3);
  }, 30_000);

  it('drops a handshake after --handshake-timeout-ms, not before, keeps --max-pending-handshakes, and leaves upgraded connections alone', async () => {
    const TIMEOUT_MS = 400;
    const PENDING_MAX = 4;
    const b = await start(['--handshake-timeout-ms', String(TIMEOUT_MS), '--max-pending-handshakes', String(PENDING_MAX)]);
    const client = new Strata({ brokers: b.url, retry: { retries: 0 } });
    try {
      await client.admin().listTopics();
      const s = await stalled(b.url, true);
      flood.push(s.socket);
      const opened = Date.now();
      const closedAfter = (await s.closed) - opened;
      expect(closedAfter).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
      expect(closedAfter).toBeLessThan(TIMEOUT_MS + 1_500);
      // Twenty at once: only the newest PENDING_MAX are kept.
      const baseline = await fdCount(b.pid);
      const many = await Promise.all(Array.from({ length: 20 }, () => stalled(b.url, false)));
      flood.push(...many.map((m) => m.socket));
      await new Promise((r) => setTimeout(r, 100));
      expect(await fdCount(b.pid) - baseline).toBeLessThanOrEqual(PENDING_MAX + FDS_SLACK);
      await Promise.all(many.map((m) => m.closed));
      // The client's connection was accepted long before; it is upgraded, so no timeout applies.
      await new Promise((r) => setTimeout(r, TIMEOUT_MS));
      expect(await client.admin().listTopics()).toEqual([]);
    } finally {
      await client.close();
    }
  }, 20_000);

  it('refuses with HTTP 503 at accept when every slot holds an upgraded connection', async () => {
    const b = await start(['--max-connections', '2']);
    const clients = [new Strata({ brokers: b.url, retry: { retries: 0 } }), new Strata({ brokers: b.url, retry: { retries: 0 } })];
    try {
      for (const c of clients) await c.admin().listTopics();
      const s = await stalled(b.url, false);
      flood.push(s.socket);
      const answer = await new Promise<string>((resolve) => {
        let text = '';
        s.socket.on('data', (d: Buffer) => { text += d.toString('latin1'); });
        s.socket.once('close', () => resolve(text));
      });
      expect(answer).toMatch(/^HTTP\/1\.1 503 /);
    } finally {
      for (const c of clients) await c.close();
    }
  }, 20_000);
});
