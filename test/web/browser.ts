/**
 * Real Chromium for browser tests (Debian's /usr/bin/chromium, or CHROMIUM_PATH), through
 * playwright-core. Page errors are collected so a test can prove the page did not crash.
 */
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface LaunchedBrowser {
  browser: Browser;
  page: Page;
  /** Uncaught exceptions thrown in the page so far. */
  pageErrors: string[];
  close(): Promise<void>;
}

/** Launches Chromium with one page (1280×800 unless told). */
export async function launchBrowser(opts: { viewport?: { width: number; height: number } } = {}): Promise<LaunchedBrowser> {
  const browser = await chromium.launch({
    executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
    headless: true,
  });
  const context = await browser.newContext({ viewport: opts.viewport ?? { width: 1280, height: 800 } });
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (err) => pageErrors.push(err.message));
  return {
    browser,
    page,
    pageErrors,
    async close() {
      await browser.close();
    },
  };
}
