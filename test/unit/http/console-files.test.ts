/**
 * The console's static files, through a real in-process broker's HTTP port with its console
 * directory pointed at a temp dir (the real dist/console/ is the browser-sdk build's).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker } from '../../helpers/broker.js';
import { rawExchange } from '../../integration/http/http-client.js';

describe('console files', () => {
  let dir = '';
  let b: TestBroker;
  let empty: TestBroker;
  let http = '';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'strata-console-'));
    await mkdir(join(dir, 'assets', 'fonts'), { recursive: true });
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>Strata</title>');
    await writeFile(join(dir, 'assets', 'app-1234.js'), 'console.log(1)');
    await writeFile(join(dir, 'assets', 'fonts', 'a.woff2'), 'font');
    await mkdir(join(dir, 'assets', 'a-dir'));
    await writeFile(join(dir, 'secret.txt'), 'secret');
    b = await startTestBroker({ http: { consoleDir: dir } });
    empty = await startTestBroker({ http: { consoleDir: join(dir, 'missing') } });
    http = b.url.replace('ws:', 'http:');
  });
  afterAll(async () => {
    await b?.stop();
    await empty?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves index.html at / and /index.html, uncached', async () => {
    for (const p of ['/', '/index.html']) {
      const res = await fetch(`${http}${p}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(await res.text()).toContain('<title>Strata</title>');
    }
  });

  it('serves assets with their content type, one sub-directory deep', async () => {
    const js = await fetch(`${http}/assets/app-1234.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await js.text()).toBe('console.log(1)');
    const font = await fetch(`${http}/assets/fonts/a.woff2`);
    expect(font.status).toBe(200);
    expect(font.headers.get('content-type')).toBe('font/woff2');
  });

  it('sends text files gzip-compressed only to clients that accept gzip', async () => {
    const get = (encoding: string | null) => new Promise<{ headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
      request(`${http}/assets/app-1234.js`, { headers: encoding ? { 'accept-encoding': encoding } : {} }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
      }).on('error', reject).end();
    });
    for (let i = 0; i < 2; i++) { // the second answer comes from the compressed cache
      const gz = await get('br, gzip;q=0.8');
      expect(gz.headers['content-encoding']).toBe('gzip');
      expect(gz.headers.vary).toBe('accept-encoding');
      expect(gunzipSync(gz.body).toString()).toBe('console.log(1)');
    }
    const plain = await get(null);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.toString()).toBe('console.log(1)');
    const font = await fetch(`${http}/assets/fonts/a.woff2`, { headers: { 'accept-encoding': 'gzip' } });
    expect(font.headers.get('content-encoding')).toBeNull(); // fonts and images are compressed already
  });

  it('answers 404 for missing assets, directories and anything outside assets/', async () => {
    for (const p of ['/assets/none.js', '/assets/a-dir', '/assets/', '/secret.txt', '/assets/..%2fsecret.txt', '/assets/%2e%2e/secret.txt']) {
      expect((await fetch(`${http}${p}`)).status, p).toBe(404);
    }
    expect(await rawExchange(http, 'GET /assets/../secret.txt HTTP/1.1\r\nHost: x\r\n\r\n')).toMatch(/^HTTP\/1\.1 404 /);
  });

  it('says 503 with how to build it when the console is not built', async () => {
    const res = await fetch(`${empty.url.replace('ws:', 'http:')}/`);
    expect(res.status).toBe(503);
    expect(await res.text()).toMatch(/not built: run `npm run build`/);
    expect((await fetch(`${empty.url.replace('ws:', 'http:')}/healthz`)).status).toBe(200);
  });
});
