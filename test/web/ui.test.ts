/**
 * The browser UI in real Chromium against the mock server (test/web/mockServer.ts): what a
 * learner sees and does, from the catalog to a graded lab that survives a reload.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { TERMINAL, launchBrowser, terminalShows, type LaunchedBrowser } from './browser.js';
import { startMockServer, type MockServer } from './mockServer.js';

const run = promisify(execFile);

async function startLab(page: Page, url: string, scenarioId = 'encryption-at-rest'): Promise<string> {
  await page.goto(url);
  await page.locator(`[data-testid="scenario-card"][data-scenario-id="${scenarioId}"] [data-testid="start-lab"]`).click();
  await page.waitForURL(/\/s\/[^/]+$/);
  return new URL(page.url()).pathname.split('/').pop()!;
}

describe('web UI (mock server, Chromium)', function () {
  this.timeout(60_000);
  let server: MockServer;
  let b: LaunchedBrowser;

  before(async function () {
    this.timeout(120_000);
    await run(process.execPath, ['scripts/build-web.mjs']);
    server = await startMockServer({ stepMs: 80 });
  });
  after(async () => {
    await server?.close();
  });
  beforeEach(async () => {
    b = await launchBrowser();
  });
  afterEach(async () => {
    await b?.close();
    assert.deepEqual(b.pageErrors, [], 'the page threw uncaught errors');
  });

  it('shows one card per scenario with its facts and a start button', async () => {
    await b.page.goto(server.url);
    const cards = b.page.getByTestId('scenario-card');
    await cards.first().waitFor();
    assert.equal(await cards.count(), 2);
    const card = b.page.locator('[data-testid="scenario-card"][data-scenario-id="encryption-at-rest"]');
    const text = await card.innerText();
    for (const fact of ['Encrypt Secrets at rest', 'Cluster Setup', 'hard', '~25 min', '3 tasks', 'aescbc']) assert.ok(text.includes(fact), `card lacks "${fact}": ${text}`);
    assert.equal(await card.getByTestId('start-lab').isEnabled(), true);
  });

  it('start shows the provisioning progress, then a working terminal', async () => {
    await startLab(b.page, server.url);
    const progress = b.page.getByTestId('provision-progress');
    await progress.waitFor();
    assert.match(await progress.innerText(), /Waiting for node Ready[\s\S]*Running scenario setup/);
    await b.page.locator('[data-testid="terminal"] .xterm').waitFor();
    assert.equal(await progress.isVisible(), false);
    await terminalShows(b.page, TERMINAL, 'cks-control-plane', 10_000);
    await b.page.locator('[data-testid="terminal"] .xterm').click();
    await b.page.keyboard.type('echo hello-$((6*7))');
    await b.page.keyboard.press('Enter');
    await terminalShows(b.page, TERMINAL, 'hello-42', 10_000);
    // Ctrl+C still interrupts (it is not taken for copy).
    await b.page.keyboard.type('sleep 600\n');
    await b.page.waitForTimeout(300);
    await b.page.keyboard.press('Control+c');
    await b.page.keyboard.type('echo interrupted-$((2*3))\n');
    await terminalShows(b.page, TERMINAL, 'interrupted-6', 10_000);
    // The instructions are rendered from Markdown, with the scenario's script stripped.
    assert.match(await b.page.locator('.instructions').innerText(), /EncryptionConfiguration/);
    assert.equal(await b.page.evaluate(() => (window as unknown as { __xss?: boolean }).__xss), undefined);
  });

  it('Check shows one result per task and the score, and they survive a reload with the earlier output', async () => {
    await startLab(b.page, server.url);
    await b.page.locator('[data-testid="terminal"] .xterm').waitFor();
    await terminalShows(b.page, TERMINAL, 'cks-control-plane', 10_000);
    await b.page.locator('[data-testid="terminal"] .xterm').click();
    await b.page.keyboard.type('echo before-$((40+2))-reload\n');
    await terminalShows(b.page, TERMINAL, 'before-42-reload', 10_000);

    const check = b.page.getByTestId('check-button');
    await check.click();
    assert.equal(await check.textContent(), 'Checking…');
    assert.equal(await check.isDisabled(), true);
    await b.page.getByTestId('score').waitFor();
    assert.equal(await b.page.getByTestId('score').innerText(), '5 / 7');
    const results = b.page.getByTestId('task-result');
    assert.equal(await results.count(), 3);
    const failed = b.page.locator('[data-testid="task-result"][data-passed="false"]');
    assert.equal(await failed.getAttribute('data-task-id'), 'secrets');
    const failedText = await failed.innerText();
    assert.match(failedText, /legacy-token is still stored in plain text/);
    assert.match(failedText, /Expected[\s\S]*k8s:enc:aescbc:v1:/);
    assert.match(failedText, /Hint:/);
    assert.equal(await check.isEnabled(), true);

    await b.page.reload();
    await b.page.getByTestId('score').waitFor();
    assert.equal(await b.page.getByTestId('score').innerText(), '5 / 7');
    assert.equal(await b.page.getByTestId('task-result').count(), 3);
    await terminalShows(b.page, TERMINAL, 'before-42-reload', 10_000);
    // The replayed terminal is live: typing after the reload still works.
    await b.page.locator('[data-testid="terminal"] .xterm').click();
    await b.page.keyboard.type('echo after-$((50+5))\n');
    await terminalShows(b.page, TERMINAL, 'after-55', 10_000);

    await b.page.getByTestId('show-solution').click();
    // The panel appears before the solution is fetched: wait for its text, then check it.
    await b.page.waitForFunction(() => (document.querySelector('[data-testid="solution"]')?.textContent ?? '').trim() !== '');
    assert.match(await b.page.getByTestId('solution').innerText(), /mkdir -p \/etc\/kubernetes\/enc/);
  });

  it('re-attaches after a dropped connection and replays the screen once', async () => {
    await startLab(b.page, server.url);
    await terminalShows(b.page, TERMINAL, 'cks-control-plane', 10_000);
    await b.page.locator('[data-testid="terminal"] .xterm').click();
    await b.page.keyboard.type('echo marker-$((3*3))-x\n');
    await terminalShows(b.page, TERMINAL, 'marker-9-x', 10_000);
    server.dropConnections();
    await b.page.waitForTimeout(1500);
    await b.page.keyboard.type('echo back-$((5*5))\n');
    await terminalShows(b.page, TERMINAL, 'back-25', 10_000);
    const text = (await b.page.locator('[data-testid="terminal"] .xterm-rows').textContent()) ?? '';
    assert.equal(text.split('marker-9-x').length - 1, 1, 'the replay must replace the screen, not append to it');
  });

  it('acks terminal output in ACK_EVERY_CHARS steps (flow control)', async () => {
    const id = await startLab(b.page, server.url);
    await b.page.locator('[data-testid="terminal"] .xterm').waitFor();
    await terminalShows(b.page, TERMINAL, 'cks-control-plane', 10_000);
    await b.page.locator('[data-testid="terminal"] .xterm').click();
    await b.page.keyboard.type('seq 1 20000; echo seq-$((1+1))-done\n');
    await terminalShows(b.page, TERMINAL, 'seq-2-done', 10_000);
    // ~109k characters of output: at least six acks of 16384.
    await b.page.waitForTimeout(200);
    assert.ok(server.acked(id) >= 6 * 16_384, `acked only ${server.acked(id)} chars`);
  });

  it('shows the server message in the error banner when a session cannot be opened', async () => {
    await b.page.goto(`${server.url}/s/s-doesnotexist`);
    const banner = b.page.getByTestId('error-banner');
    await banner.waitFor();
    assert.match(await banner.innerText(), /does not exist/);
    assert.doesNotMatch(await banner.innerText(), /at .*\.js|Error:/);
  });
});

describe('web UI: failed provisioning (mock server, Chromium)', function () {
  this.timeout(60_000);
  let server: MockServer;
  let b: LaunchedBrowser;

  before(async function () {
    this.timeout(120_000);
    await run(process.execPath, ['scripts/build-web.mjs']);
    server = await startMockServer({ stepMs: 50, failFirstProvision: true });
    b = await launchBrowser();
  });
  after(async () => {
    await b?.close();
    await server?.close();
  });

  it('shows the reason and a Retry button that provisions again', async () => {
    await startLab(b.page, server.url);
    const retry = b.page.getByTestId('retry-lab');
    await retry.waitFor();
    const panel = await b.page.getByTestId('provision-progress').innerText();
    assert.match(panel, /kubeadm init timed out/);
    assert.equal(await b.page.locator('.step[data-step="Starting control-plane"]').getAttribute('data-state'), 'failed');
    await retry.click();
    await b.page.locator('[data-testid="terminal"] .xterm').waitFor();
    await terminalShows(b.page, TERMINAL, 'cks-control-plane', 10_000);
  });
});
