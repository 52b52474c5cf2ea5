import { createServer, createConnection, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultProxy } from './harness/fault-proxy.js';

let echo: Server;
let proxy: FaultProxy | null = null;

async function startEcho(): Promise<number> {
  echo = createServer((s) => { s.on('error', () => undefined); s.pipe(s); });
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
  return (echo.address() as { port: number }).port;
}

function connect(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createConnection({ port, host: '127.0.0.1' }, () => resolve(s));
    s.once('error', reject);
  });
}

function roundTrip(s: Socket, text: string, timeoutMs = 1_000): Promise<string | null> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => { s.off('data', onData); resolve(null); }, timeoutMs);
    const onData = (d: Buffer): void => { clearTimeout(timer); s.off('data', onData); resolve(d.toString()); };
    s.on('data', onData);
    s.write(text);
  });
}

afterEach(async () => {
  await proxy?.close();
  proxy = null;
  await new Promise<void>((r) => echo.close(() => r()));
});

describe('TCP fault proxy', () => {
  it('forwards, delays, blackholes, cuts and heals a link', async () => {
    proxy = await startFaultProxy(await startEcho());
    const s = await connect(proxy.port);
    expect(await roundTrip(s, 'a')).toBe('a');
    proxy.delay(300);
    const t = Date.now();
    expect(await roundTrip(s, 'b')).toBe('b');
    expect(Date.now() - t).toBeGreaterThanOrEqual(550); // 300 ms each way
    proxy.blackhole();
    expect(await roundTrip(s, 'c', 400)).toBeNull();
    proxy.heal();
    expect(await roundTrip(s, 'd')).toBe('d');
    const closed = new Promise((r) => s.once('close', r));
    s.on('error', () => undefined);
    proxy.cut();
    await closed;
    await expect(connect(proxy.port).then((c) => new Promise((resolve, reject) => { c.once('close', resolve); c.once('error', reject); }))).rejects.toThrow(/ECONNRESET/);
    proxy.heal();
    const again = await connect(proxy.port);
    expect(await roundTrip(again, 'e')).toBe('e');
    again.destroy();
  });
});
