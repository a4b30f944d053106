/**
 * Live check in Chromium against the real server (fakes for kind/docker/API): the learner turns
 * it on, does the task in the terminal, and the tasks turn green without pressing Check.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadConfig } from '../../server/config/index.js';
import { createSilentLogger } from '../../server/log/index.js';
import { startPlatform, type Platform } from '../../server/platform/index.js';
import { fakeClusterWorld } from '../helpers/fakeCluster.js';
import { ROOT } from '../helpers/testServer.js';
import { TERMINAL, launchBrowser, terminalShows, typeInTerminal, type LaunchedBrowser } from './browser.js';

const run = promisify(execFile);

describe('live check in Chromium (real server, fakes)', function () {
  this.timeout(120_000);
  const world = fakeClusterWorld({ phaseDelayMs: 5 });
  const dataDir = mkdtempSync(join(tmpdir(), 'cks-web-live-'));
  let platform: Platform;
  let b: LaunchedBrowser;

  before(async () => {
    await run(process.execPath, ['scripts/build-web.mjs'], { cwd: ROOT });
    platform = await startPlatform(loadConfig({ port: '0', dataDir }, { CKS_AUTO_CHECK_SECONDS: '5' }), createSilentLogger(), { env: world.env, terminalEnv: world.terminalEnv });
    b = await launchBrowser();
  });
  after(async () => {
    await b?.close();
    await platform?.close();
    await world.cleanup();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('tasks turn green as the learner completes them, without pressing Check', async () => {
    const page = b.page;
    await page.goto(platform.server.url);
    await page.locator('[data-testid="scenario-card"][data-scenario-id="init-containers"]').getByTestId('start-lab').click();
    await page.locator('[data-testid="terminal"] .xterm').waitFor({ timeout: 60_000 });
    await terminalShows(page, TERMINAL, '-control-plane:');
    await page.getByTestId('auto-check').check();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="task-result"][data-passed="false"]').length === 4, undefined, { timeout: 20_000 });

    const sessionId = new URL(page.url()).pathname.split('/').pop()!;
    const cluster = platform.sessions.get(sessionId)!.clusterName;
    await world.provider.nodeExec(cluster, ['bash', '-c', 'cat > /root/fix.sh'], { input: readFileSync(join(ROOT, 'scenarios/init-containers/solution.sh'), 'utf8') });
    await typeInTerminal(page, 'bash /root/fix.sh >/dev/null && echo live-$((6*7))');
    await terminalShows(page, TERMINAL, 'live-42', 60_000);
    await page.waitForFunction(() => document.querySelector('[data-testid="score"]')?.textContent?.trim() === '8 / 8', undefined, { timeout: 30_000 });
    assert.equal(await page.locator('[data-testid="task-result"][data-passed="true"]').count(), 4);
    assert.equal(await page.getByTestId('show-solution').isHidden(), true, 'a live check does not unlock the solution');

    await page.reload();
    await page.locator('[data-testid="terminal"] .xterm').waitFor({ timeout: 30_000 });
    assert.equal(await page.getByTestId('auto-check').isChecked(), true, 'the setting survives a reload');
    assert.deepEqual(b.pageErrors, []);
  });
});
