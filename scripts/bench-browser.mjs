// npm run bench:browser — the browser SDK in headless Chromium against the Node SDK, same
// broker process, same workload (scripts/browser-harness.mjs pageRoundTrip: produce N records
// of 100 B with a key and a header, then consume them from the earliest offset), alternating
// runs, medians. Options: --records N (default 100000), --rounds R (3), --compression c (none).
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { launchChromium, pageRoundTrip, sdkPageRoutes, serveStatic } from './browser-harness.mjs';

const { values } = parseArgs({ options: { records: { type: 'string', default: '100000' }, rounds: { type: 'string', default: '3' },
  compression: { type: 'string', default: 'none' } } });
const count = Number(values.records);
const rounds = Number(values.rounds);
const CLI = fileURLToPath(new URL('../dist/broker/cli/main.js', import.meta.url));

async function startBroker(dataDir, origin) {
  const child = spawn(process.execPath, [CLI, 'broker', 'start', '--data-dir', dataDir, '--port', '0', '--kafka-listen', 'off',
    '--log-level', 'warn', '--allowed-origins', origin, '--flush', 'never'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => { out += d; const m = /ws:\/\/\S+/.exec(out); if (m) resolve(m[0]); });
    child.once('exit', (code) => reject(new Error(`broker exited ${code}`)));
  });
  return { url, stop: () => new Promise((resolve) => { child.once('exit', resolve); child.kill('SIGTERM'); }) };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const dataDir = await mkdtemp(join(tmpdir(), 'strata-bench-browser-'));
const site = await serveStatic(sdkPageRoutes());
const broker = await startBroker(dataDir, site.origin);
const browser = await launchChromium();
try {
  const page = await browser.newPage();
  await page.goto(`${site.origin}/index.html`);
  await page.waitForFunction(() => window.strataReady === true);
  // The same workload function runs on Node against the Node build of the SDK.
  globalThis.window = { strata: await import('../dist/client/index.js') };
  const results = { browser: [], node: [] };
  console.log(`load average before: ${loadavg().map((l) => l.toFixed(2)).join(' ')}; ${count} records x 100 B, compression ${values.compression}`);
  for (let r = 0; r < rounds; r++) {
    for (const side of ['browser', 'node']) {
      const args = { url: broker.url, topic: `bench-${side}-${r}`, count, valueBytes: 100, perSend: 2000, compression: values.compression };
      const res = side === 'browser' ? await page.evaluate(pageRoundTrip, args) : await pageRoundTrip(args);
      if (res.seen !== count || !res.inOrder) throw new Error(`${side} round ${r}: read ${res.seen} of ${count} records`);
      results[side].push(res);
      console.log(`${side.padEnd(7)} round ${r + 1}: produce ${res.produceRate.toFixed(0)} records/s, consume ${res.consumeRate.toFixed(0)} records/s`);
    }
  }
  for (const side of ['browser', 'node']) {
    console.log(`${side.padEnd(7)} median: produce ${median(results[side].map((x) => x.produceRate)).toFixed(0)} records/s, `
      + `consume ${median(results[side].map((x) => x.consumeRate)).toFixed(0)} records/s`);
  }
  console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
} finally {
  await browser.close();
  await broker.stop();
  await site.close();
  await rm(dataDir, { recursive: true, force: true });
}
