/**
 * Real Chromium for browser tests (Debian's /usr/bin/chromium, or CHROMIUM_PATH), through
 * playwright-core. Page errors are collected so a test can prove the page did not crash.
 */
import { chromium, type Browser, type Page } from 'playwright-core';

type Viewport = { width: number; height: number };

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
  /** Uncaught exceptions thrown in the page so far, and Content-Security-Policy violations (in every page of this browser). */
  pageErrors: string[];
  /** A page in a new browser context: its own cookies and storage, as another person's browser. */
  newContextPage(opts?: { viewport?: Viewport }): Promise<Page>;
  close(): Promise<void>;
}

/** Launches Chromium with one page (1280×800 unless told). */
export async function launchBrowser(opts: { viewport?: Viewport } = {}): Promise<LaunchedBrowser> {
  const browser = await chromium.launch({
    executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
    headless: true,
  });
  const pageErrors: string[] = [];
  async function newContextPage(o: { viewport?: Viewport } = {}): Promise<Page> {
    const context = await browser.newContext({ viewport: o.viewport ?? opts.viewport ?? { width: 1280, height: 800 } });
    const p = await context.newPage();
    p.on('pageerror', (err) => pageErrors.push(err.message));
    // Chromium reports what the CSP blocked (inline script or style, eval, a foreign connect) on the console.
    p.on('console', (msg) => {
      if (msg.type() === 'error' && /Content Security Policy/i.test(msg.text())) pageErrors.push(`CSP: ${msg.text()}`);
    });
    return p;
  }
  const page = await newContextPage();
  return {
    browser,
    page,
    pageErrors,
    newContextPage,
    async close() {
      await browser.close();
    },
  };
}

/** The learner's terminal container (⚑ data-testid). */
export const TERMINAL = '[data-testid="terminal"]';

/** Waits until the xterm inside `selector` shows `needle` (its rows in the DOM renderer). */
export async function terminalShows(page: Page, selector: string, needle: string, timeout = 20_000): Promise<void> {
  await page.waitForFunction(
    ([sel, text]) => document.querySelector(`${sel} .xterm-rows`)?.textContent?.includes(text) ?? false,
    [selector, needle] as const,
    { timeout },
  );
}

/** Clicks into the learner's terminal and types a line followed by Enter. */
export async function typeInTerminal(page: Page, line: string): Promise<void> {
  await page.locator(`${TERMINAL} .xterm`).click();
  await page.keyboard.type(line);
  await page.keyboard.press('Enter');
}
