/**
 * The browser SDK bundle (dist/browser/strata.js) in a real headless Chromium against a real
 * broker process: a page served from another origin (allowed by --allowed-origins) imports the
 * bundle, produces and consumes over the page's own WebSocket, plain and compressed, and the
 * Node SDK reads what the browser wrote (issue 13).
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { Strata } from '../../../client/index.js';
import { removeDir, startBrokerProcess, type BrokerProcess } from '../../helpers/cli.js';
// @ts-expect-error plain ESM shared with scripts/bench-browser.mjs, no typings
import { pageRoundTrip, sdkPageRoutes, serveStatic } from '../../../scripts/browser-harness.mjs';
import { openChromiumPage, type ChromiumPage } from '../../helpers/chromium.js';

describe('the browser SDK in Chromium', () => {
  let site: { origin: string; close(): Promise<void> };
  let broker: BrokerProcess;
  let chromium: ChromiumPage;
  let page: Page;
  let pageErrors: string[];
  let readmePage = '';

  beforeAll(async () => {
    // The README's browser snippet, as a user would copy it, beside the bundle it imports.
    const readme = await readFile(fileURLToPath(new URL('../../../README.md', import.meta.url)), 'utf8');
    const snippet = /```html\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf('## In the browser')))?.[1];
    if (!snippet) throw new Error('README has no ```html block under "In the browser"');
    readmePage = snippet;
    site = await serveStatic({ ...sdkPageRoutes(), '/readme.html': { get text() { return readmePage.replaceAll('ws://127.0.0.1:7171', broker.url); }, type: 'text/html' } });
    broker = await startBrokerProcess(['--allowed-origins', site.origin]);
    chromium = await openChromiumPage();
    ({ page, pageErrors } = chromium);
    await page.goto(`${site.origin}/index.html`);
    await page.waitForFunction(() => (window as unknown as { strataReady?: boolean }).strataReady === true);
  }, 90_000);

  afterAll(async () => {
    await chromium?.close();
    if (broker) {
      await broker.stop();
      await removeDir(broker.dataDir);
    }
    await site?.close();
  });

  it.each(['none', 'gzip', 'lz4', 'zstd'] as const)('produces and consumes a round trip inside the page (compression %s)', async (compression) => {
    const count = 3000;
    const result = await page.evaluate(pageRoundTrip, { url: broker.url, topic: `page-${compression}`, count, valueBytes: 100, perSend: 500, compression });
    expect(pageErrors).toEqual([]);
    expect(result.seen).toBe(count);
    expect(result.inOrder).toBe(true);
    expect(result.first).toEqual({ key: 'k0', value: '0000000000:', header: '0' });
    expect(result.last).toEqual({ key: `k${count - 1}`, value: `${String(count - 1).padStart(10, '0')}:` });

    // The Node SDK reads the browser's batches record for record.
    const node = new Strata({ brokers: broker.url });
    try {
      const consumer = node.consumer({ decode: 'utf8' });
      await consumer.assign({ topic: `page-${compression}`, partition: 0, offset: 'earliest' });
      let n = 0;
      for await (const r of consumer) {
        expect(r.key).toBe(`k${n}`);
        expect(String(r.value).slice(0, 11)).toBe(`${String(n).padStart(10, '0')}:`);
        if (++n === count) break;
      }
    } finally {
      await node.close();
    }
  });

  it('hands the page plain Uint8Arrays (there is no Buffer in a browser) and reads what Node produced', async () => {
    const node = new Strata({ brokers: broker.url });
    try {
      await node.admin().createTopic({ name: 'from-node', partitions: 1 });
      await node.producer({ compression: 'gzip' }).send({ topic: 'from-node', messages: [{ key: 'n', value: Buffer.from([0, 1, 2, 255]) }] });
    } finally {
      await node.close();
    }
    const seen = await page.evaluate(async (url) => {
      const { Strata: S } = (window as unknown as { strata: typeof import('../../../client/index.js') }).strata;
      const client = new S({ brokers: url });
      const consumer = client.consumer();
      await consumer.assign({ topic: 'from-node', partition: 0, offset: 'earliest' });
      for await (const r of consumer) {
        const out = { ctor: r.value!.constructor.name, bytes: [...r.value!], hasBuffer: typeof (globalThis as { Buffer?: unknown }).Buffer };
        await client.close();
        return out;
      }
      return null;
    }, broker.url);
    expect(seen).toEqual({ ctor: 'Uint8Array', bytes: [0, 1, 2, 255], hasBuffer: 'undefined' });
  });

  it("runs the README's browser snippet as written", async () => {
    const readmeTab = await chromium.browser.newPage();
    const errors: string[] = [];
    readmeTab.on('pageerror', (err) => errors.push(err.message));
    try {
      await readmeTab.goto(`${site.origin}/readme.html`);
      await readmeTab.waitForFunction(() => document.getElementById('out')?.textContent?.includes('read '), undefined, { timeout: 15_000 });
      const out = await readmeTab.locator('#out').textContent();
      expect(errors).toEqual([]);
      expect(out).toMatch(/^sent to partition 0 at offset 0\nread button-1 \{"x":10,"y":20\}\n$/);
    } finally {
      await readmeTab.close();
    }
  });
});
