/**
 * The web console against a broker run with --auth scram, in a real headless Chromium: the page
 * asks for a login instead of showing the broker, a wrong password is refused with the broker's
 * typed error and the form stays, the right one (SCRAM through the browser SDK on WebCrypto)
 * shows the topics, as that user.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { FileCredentialStore } from '../../../broker/security/file-credential-store.js';
import { scramCredentialFromPassword } from '../../../broker/security/scram-credential.js';
import { Strata } from '../../../client/index.js';
import { removeDir, startBrokerProcess, type BrokerProcess } from '../../helpers/cli.js';
import { CONSOLE_VIEWPORT, openChromiumPage, type ChromiumPage } from '../../helpers/chromium.js';

describe('the web console with --auth scram', () => {
  let broker: BrokerProcess;
  let chromium: ChromiumPage;
  let page: Page;
  let pageErrors: string[];
  let http = '';

  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'strata-console-login-'));
    const store = await FileCredentialStore.open(dir);
    await store.put('admin', scramCredentialFromPassword({ mechanism: 'SCRAM-SHA-256', password: 'admin-pw' }), 'create');
    broker = await startBrokerProcess(['--auth', 'scram', '--super-users', 'admin'], dir);
    http = broker.url.replace(/^ws:/, 'http:');
    const admin = new Strata({ brokers: broker.url, sasl: { mechanism: 'SCRAM-SHA-256', username: 'admin', password: 'admin-pw' } });
    try {
      await admin.admin().createTopic({ name: 'secured', partitions: 1 });
    } finally {
      await admin.close();
    }
    chromium = await openChromiumPage(CONSOLE_VIEWPORT);
    ({ page, pageErrors } = chromium);
  }, 90_000);

  afterAll(async () => {
    await chromium?.close();
    if (broker) {
      await broker.stop();
      await removeDir(broker.dataDir);
    }
  });

  it('asks for a login, refuses a wrong password, and shows the topics once logged in', async () => {
    await page.goto(`${http}/#/topics`);
    const form = page.getByTestId('login');
    await form.waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('status').textContent()).toBe('This broker requires a login');
    expect(await page.locator('[data-topic="secured"]').count()).toBe(0);

    await form.locator('input[name=username]').fill('admin');
    await form.locator('input[name=password]').fill('wrong');
    await form.locator('select[name=mechanism]').selectOption('SCRAM-SHA-256');
    await form.locator('button[type=submit]').click();
    await expect.poll(() => page.getByTestId('login-error').textContent().catch(() => ''), { timeout: 10_000 }).toMatch(/^Login failed: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256/);

    await form.locator('input[name=password]').fill('admin-pw');
    await form.locator('button[type=submit]').click();
    await page.locator('[data-topic="secured"]').waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('status').textContent()).toBe('Connected to the broker as admin');
    expect(await page.getByTestId('login').count()).toBe(0);
    expect(pageErrors).toEqual([]);
  });
});
