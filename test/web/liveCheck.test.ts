/**
 * Live check in Chromium against the real server (fakes for kind/docker/API): the learner turns
 * it on, does the task in the terminal, and the tasks turn green without pressing Check.
 */
import assert from 'node:assert/strict';
import { TERMINAL, terminalShows, typeInTerminal } from './browser.js';
import { realPlatformInChromium } from './realPlatform.js';

describe('live check in Chromium (real server, fakes)', function () {
  this.timeout(120_000);
  const t = realPlatformInChromium({ dataDirPrefix: 'cks-web-live-', phaseDelayMs: 5, env: { CKS_AUTO_CHECK_SECONDS: '5' } });

  it('tasks turn green as the learner completes them, without pressing Check', async () => {
    const { platform, b } = t;
    const page = b.page;
    await page.goto(platform.server.url);
    await page.locator('[data-testid="scenario-card"][data-scenario-id="init-containers"]').getByTestId('start-lab').click();
    await page.locator('[data-testid="terminal"] .xterm').waitFor({ timeout: 60_000 });
    await terminalShows(page, TERMINAL, '-control-plane:');
    await page.getByTestId('auto-check').check();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="task-result"][data-passed="false"]').length === 4, undefined, { timeout: 20_000 });

    const sessionId = new URL(page.url()).pathname.split('/').pop()!;
    const cluster = platform.sessions.get(sessionId)!.clusterName;
    await t.copyToNode(cluster, 'scenarios/init-containers/solution.sh', '/root/fix.sh');
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
