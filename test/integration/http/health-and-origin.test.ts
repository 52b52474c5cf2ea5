/**
 * The plain-HTTP side of a real broker process's WebSocket port: health and readiness, the
 * Origin allow-list on upgrades, and garbage HTTP answered without harm (issue 13).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Strata } from '../../../client/index.js';
import { startBroker, type BrokerChild } from '../../crash/harness/broker-process.js';
import { produceBody, WireClient } from '../../crash/harness/wire-client.js';
import { encodeRecordBatch } from '../../../proto/record-batch.js';
import { httpUrlOf, rawExchange, upgradeStatus } from './http-client.js';

const PRELOAD = fileURLToPath(new URL('../../crash/harness/fault-preload.mjs', import.meta.url));
const CONSOLE_INDEX = fileURLToPath(new URL('../../../dist/console/index.html', import.meta.url));

describe('a broker process on one port', () => {
  let dataDir = '';
  let faultDir = '';
  let broker: BrokerChild;
  let http = '';

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'strata-http-'));
    faultDir = await mkdtemp(join(tmpdir(), 'strata-http-faults-'));
    broker = await startBroker(dataDir, { logLevel: 'warn', env: { NODE_OPTIONS: `--import=${PRELOAD}`, STRATA_FAULT_DIR: faultDir } });
    http = httpUrlOf(broker.url);
  });
  afterAll(async () => {
    await broker?.kill();
    await rm(dataDir, { recursive: true, force: true });
    await rm(faultDir, { recursive: true, force: true });
  });

  it('answers /healthz and /readyz with 200 once started, HEAD without a body', async () => {
    const health = await fetch(`${http}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${http}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
    const head = await fetch(`${http}/readyz`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('serves the console at / once built, and says it is not built otherwise', async () => {
    const res = await fetch(`${http}/`);
    if (existsSync(CONSOLE_INDEX)) {
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    } else {
      expect(res.status).toBe(503);
      expect(await res.text()).toMatch(/npm run build/);
    }
  });

  it('answers unknown paths 404, other methods 405, and never serves files outside the console directory', async () => {
    expect((await fetch(`${http}/nope`)).status).toBe(404);
    const post = await fetch(`${http}/healthz`, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    for (const target of ['/assets/..%2f..%2f..%2fpackage.json', '/assets/%2e%2e/%2e%2e/package.json', '/assets/.hidden', '/assets/a/b/c.js']) {
      const raw = await rawExchange(http, `GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`);
      expect(raw, target).toMatch(/^HTTP\/1\.1 404 /);
    }
    expect(await rawExchange(http, 'GET http://elsewhere/healthz HTTP/1.1\r\nHost: x\r\n\r\n')).toMatch(/^HTTP\/1\.1 400 /);
    expect(await rawExchange(http, `GET /${'a'.repeat(3000)} HTTP/1.1\r\nHost: x\r\n\r\n`)).toMatch(/^HTTP\/1\.1 414 /);
  });

  it('refuses an upgrade from a foreign Origin with 403, allows its own origin and no Origin at all', async () => {
    const { port } = new URL(broker.url);
    expect(await upgradeStatus(broker.url, 'https://evil.example')).toBe(403);
    expect(await upgradeStatus(broker.url, `http://127.0.0.1:${Number(port) + 1}`)).toBe(403);
    expect(await upgradeStatus(broker.url, 'null')).toBe(403);
    expect(await upgradeStatus(broker.url, `http://127.0.0.1:${port}`)).toBe(101);
    expect(await upgradeStatus(broker.url, undefined)).toBe(101);
    // A real client (no Origin, as Node programs send) still does real work on the same port.
    const sdk = new Strata({ brokers: broker.url });
    try {
      await sdk.admin().createTopic({ name: 'origin-ok', partitions: 1 });
      const [receipt] = await sdk.producer().send({ topic: 'origin-ok', messages: [{ value: 'v' }] });
      expect(receipt!.offset).toBe(0);
    } finally {
      await sdk.close();
    }
  });

  it('answers garbage and oversized HTTP with 400 / 431 and keeps serving', async () => {
    expect(await rawExchange(http, Buffer.from([0x00, 0xff, 0x13, 0x37, 0x0d, 0x0a, 0x0d, 0x0a]))).toMatch(/^HTTP\/1\.1 400 /);
    expect(await rawExchange(http, 'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: banana\r\n\r\n')).toMatch(/^HTTP\/1\.1 400 /);
    expect(await rawExchange(http, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`)).toMatch(/^HTTP\/1\.1 431 /);
    expect(await rawExchange(http, 'GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n')).toMatch(/^HTTP\/1\.1 400 /);
    expect((await fetch(`${http}/healthz`)).status).toBe(200);
    expect(await upgradeStatus(broker.url, undefined)).toBe(101);
    // Counted: the four unreadable requests above, and the three foreign-Origin upgrades before.
    const metrics = await (await fetch(`${http}/metrics`)).text();
    expect(metrics).toMatch(/^strata_http_bad_requests_total\{listener="ws"\} 4$/m);
    expect(metrics).toMatch(/^strata_upgrades_refused_origin_total\{listener="ws"\} 3$/m);
  });

  it('says 503 on /readyz naming the partition once an fsync failed, while /healthz stays 200', async () => {
    const client = await WireClient.handshake(broker.url);
    try {
      await client.request({ createTopics: { topics: [{ name: 'sick' }, { name: 'well' }] } });
      await writeFile(join(faultDir, 'fsync-eio'), 'sick-0/');
      await client.request(produceBody('sick', 0, encodeRecordBatch([{ value: Buffer.from('x') }])));
    } finally {
      client.terminate();
    }
    const ready = await fetch(`${http}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'unhealthy', unhealthyPartitions: 1, partitions: ['sick-0'] });
    expect((await fetch(`${http}/healthz`)).status).toBe(200);
    // The metrics say the same: one failed fdatasync pass, one unhealthy partition.
    const metrics = await (await fetch(`${http}/metrics`)).text();
    expect(metrics).toMatch(/^strata_fsync_failures_total 1$/m);
    expect(metrics).toMatch(/^strata_unhealthy_partitions 1$/m);
  });
});

describe('a broker process recovering', () => {
  it('answers /readyz 503 recovering and refuses upgrades with 503 until recovery is done, then 200', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'strata-http-recover-'));
    let health: Promise<string> = new Promise(() => undefined);
    let broker: BrokerChild | null = null;
    try {
      // --test-recovery-delay-ms holds recovery back after the port is bound (a test-only flag).
      const started = startBroker(dataDir, {
        logLevel: 'warn', args: ['--test-recovery-delay-ms', '2500'],
        onSpawn: (child) => {
          health = new Promise((resolve) => {
            let out = '';
            child.stdout!.on('data', (d: Buffer) => {
              out += d.toString();
              const m = /health at (http:\/\/\S+)\/readyz/.exec(out);
              if (m) resolve(m[1]!);
            });
          });
        },
      });
      const http = await health;
      const during = await fetch(`${http}/readyz`);
      expect(during.status).toBe(503);
      expect(await during.json()).toEqual({ status: 'recovering' });
      expect((await fetch(`${http}/healthz`)).status).toBe(200);
      expect(await upgradeStatus(http.replace(/^http:/, 'ws:'), undefined)).toBe(503);
      broker = await started;
      const after = await fetch(`${http}/readyz`);
      expect(after.status).toBe(200);
      expect(await upgradeStatus(broker.url, undefined)).toBe(101);
    } finally {
      await broker?.kill();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
