// What the Chromium tests and `npm run bench:browser` share: a headless Debian Chromium driven
// by playwright-core, and a tiny static file server on 127.0.0.1 (OS-picked port) that serves a
// test page and the browser bundle. The broker is started by the caller with
// --allowed-origins set to this server's origin, so the page's WebSocket is a real cross-origin
// browser upgrade that the broker's allow-list lets through.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const CHROMIUM_PATH = process.env.STRATA_CHROMIUM ?? '/usr/bin/chromium';
/** The flags the issue names: no sandbox (root in CI), no GPU, nothing phoning home. */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];
/** Chromium's first start on a cold, loaded 2-core machine takes seconds. */
export const CHROMIUM_LAUNCH_MS_MAX = 60_000;

export const BROWSER_BUNDLE = fileURLToPath(new URL('../dist/browser/strata.js', import.meta.url));

export async function launchChromium() {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true, timeout: CHROMIUM_LAUNCH_MS_MAX });
}

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.map': 'application/json' };

/**
 * Serves `routes` ({ '/path': { file } | { text, type } }) and nothing else (404).
 * Returns { origin, close() }.
 */
export async function serveStatic(routes) {
  const server = createServer(async (req, res) => {
    const route = routes[new URL(req.url ?? '/', 'http://x').pathname];
    if (!route) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    try {
      const body = route.file ? await readFile(route.file) : route.text;
      const ext = (route.file ?? '').slice((route.file ?? '').lastIndexOf('.'));
      res.writeHead(200, { 'content-type': route.type ?? TYPES[ext] ?? 'application/octet-stream', 'cache-control': 'no-store' }).end(body);
    } catch (err) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err));
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** A blank page that imports the bundle and exposes it as `window.strata`. */
export const SDK_PAGE = `<!doctype html><meta charset="utf-8"><title>strata browser SDK</title>
<script type="module">import * as strata from '/strata.js'; window.strata = strata; window.strataReady = true;</script>`;

/** Routes for SDK_PAGE at /index.html and the bundle at /strata.js. */
export function sdkPageRoutes() {
  return {
    '/index.html': { text: SDK_PAGE, type: 'text/html; charset=utf-8' },
    '/strata.js': { file: BROWSER_BUNDLE },
    '/strata.js.map': { file: `${BROWSER_BUNDLE}.map` },
  };
}

/**
 * Runs in the page (passed to page.evaluate): produces `count` records of `valueBytes` bytes
 * to `topic` in sends of `perSend`, then consumes them back from the earliest offset; returns
 * the rates and the first/last values so the caller can check the round trip.
 */
export async function pageRoundTrip({ url, topic, count, valueBytes, perSend, compression }) {
  const { Strata } = window.strata;
  const client = new Strata({ brokers: url });
  try {
    await client.admin().createTopic({ name: topic, partitions: 1 });
    const producer = client.producer({ compression });
    const filler = 'x'.repeat(Math.max(0, valueBytes - 12));
    const t0 = performance.now();
    const sends = [];
    for (let i = 0; i < count; i += perSend) {
      const messages = [];
      for (let j = i; j < Math.min(count, i + perSend); j++) messages.push({ key: `k${j}`, value: `${String(j).padStart(10, '0')}:${filler}`, headers: { n: String(j) } });
      sends.push(producer.sendMany ? producer.sendMany({ topic, messages }) : producer.send({ topic, messages }));
      if (sends.length >= 32) await sends.shift();
    }
    await Promise.all(sends);
    const produceMs = performance.now() - t0;
    const consumer = client.consumer({ decode: 'utf8' });
    await consumer.assign({ topic, partition: 0, offset: 'earliest' });
    const t1 = performance.now();
    let seen = 0;
    let first = null;
    let last = null;
    let inOrder = true;
    for await (const batch of consumer.batches()) {
      for (const r of batch.records) {
        if (r.offset !== seen) inOrder = false;
        if (seen === 0) first = { key: r.key, value: r.value.slice(0, 11), header: new TextDecoder().decode(r.headers[0].value) };
        last = { key: r.key, value: r.value.slice(0, 11) };
        seen++;
      }
      if (seen >= count) break;
    }
    const consumeMs = performance.now() - t1;
    await consumer.close();
    return { seen, inOrder, first, last, produceRate: count / (produceMs / 1000), consumeRate: count / (consumeMs / 1000) };
  } finally {
    await client.close();
  }
}
