/**
 * What the Chromium tests (browser SDK, web console) set up the same way: a headless Debian
 * Chromium through playwright-core (scripts/browser-harness.mjs, shared with
 * `npm run bench:browser`), one page whose uncaught errors are collected so a test can assert
 * there were none, and one close() for the browser.
 */
import type { Browser, Page } from 'playwright-core';
// @ts-expect-error plain ESM shared with scripts/bench-browser.mjs, no typings
import { launchChromium } from '../../scripts/browser-harness.mjs';

/** The console's layout needs a desktop-sized window (its screenshots are taken at this size). */
export const CONSOLE_VIEWPORT = { width: 1280, height: 900 } as const;

export interface ChromiumPage {
  readonly browser: Browser;
  readonly page: Page;
  /** Messages of the page's uncaught errors ('pageerror'), in order. */
  readonly pageErrors: string[];
  close(): Promise<void>;
}

/** Launches Chromium and opens one page (with `viewport`, when given) that records its errors. */
export async function openChromiumPage(viewport?: { width: number; height: number }): Promise<ChromiumPage> {
  const browser = (await launchChromium()) as Browser;
  try {
    const page = await browser.newPage(viewport ? { viewport } : {});
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    return { browser, page, pageErrors, close: () => browser.close() };
  } catch (err) {
    await browser.close();
    throw err;
  }
}
