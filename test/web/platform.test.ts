/**
 * The learner's path in real Chromium against the real server (HTTP, socket.io, pty, SQLite),
 * with kind, docker and the Kubernetes API faked: catalog → Start → progress → terminal on the
 * node → Check (fails) → fix in the terminal → Check (passes) → reload keeps everything.
 */
import assert from 'node:assert/strict';
import { TERMINAL, terminalShows, typeInTerminal } from './browser.js';
import { realPlatformInChromium } from './realPlatform.js';

describe('learner in Chromium against the real server (fakes for kind/docker/API)', function () {
  this.timeout(120_000);
  // Two Checks in a row, then one per 10 minutes: the third Check in this test is refused.
  const t = realPlatformInChromium({ dataDirPrefix: 'cks-web-', phaseDelayMs: 150, env: { CKS_CHECK_BURST: '2', CKS_CHECKS_PER_MINUTE: '0.1' } });

  it('opens the catalog, starts init-containers, works in the terminal and is graded by the cluster', async () => {
    const { platform, b } = t;
    const page = b.page;
    await page.goto(platform.server.url);
    const card = page.locator('[data-testid="scenario-card"][data-scenario-id="init-containers"]');
    await card.waitFor();
    const facts = await card.innerText();
    for (const f of ['init container', 'Minimize Microservice Vulnerabilities', 'easy', '15']) assert.ok(facts.includes(f), `card shows "${f}": ${facts}`);

    await card.getByTestId('start-lab').click();
    await page.waitForURL(/\/s\/[^/]+$/);
    const progress = page.getByTestId('provision-progress');
    await progress.waitFor();
    // kind's own phases appear as they happen.
    await page.waitForFunction(() => /Starting control-plane/.test(document.querySelector('[data-testid="provision-progress"]')?.textContent ?? ''));
    assert.match(await progress.innerText(), /Ensuring node image/);

    await page.locator('[data-testid="terminal"] .xterm').waitFor({ timeout: 60_000 });
    await terminalShows(page, TERMINAL, '-control-plane:');
    await typeInTerminal(page, 'kubectl get ns init-lab -o name; echo typed-$((6*7))');
    await terminalShows(page, TERMINAL, 'typed-42');
    await terminalShows(page, TERMINAL, 'namespace/init-lab');

    const check = page.getByTestId('check-button');
    await check.click();
    await page.waitForFunction(() => document.querySelector('[data-testid="score"]')?.textContent?.trim() === '0 / 8');
    const results = page.getByTestId('task-result');
    assert.equal(await results.count(), 4);
    assert.equal(await page.locator('[data-testid="task-result"][data-passed="false"]').count(), 4);
    const first = await results.first().innerText();
    assert.match(first, /Pod init-lab\/web not found/, 'a failed check says what it found');

    // Fix it from the terminal, as the learner would (the reference solution, put on the node).
    const sessionId = new URL(page.url()).pathname.split('/').pop()!;
    const cluster = platform.sessions.get(sessionId)!.clusterName;
    await t.copyToNode(cluster, 'scenarios/init-containers/solution.sh', '/root/fix.sh');
    await typeInTerminal(page, 'bash /root/fix.sh && echo fixed-$((7*3))');
    await terminalShows(page, TERMINAL, 'fixed-21', 60_000);
    await check.click();
    await page.waitForFunction(() => document.querySelector('[data-testid="score"]')?.textContent?.trim() === '8 / 8', undefined, { timeout: 30_000 });
    assert.equal(await page.locator('[data-testid="task-result"][data-passed="true"]').count(), 4);

    // Reload: the grade and the terminal's earlier output come back, and the shell is still live.
    await page.reload();
    await page.waitForFunction(() => document.querySelector('[data-testid="score"]')?.textContent?.trim() === '8 / 8');
    await terminalShows(page, TERMINAL, 'fixed-21');
    await typeInTerminal(page, 'echo after-reload-$((5*11))');
    await terminalShows(page, TERMINAL, 'after-reload-55');

    // A third Check right away is over the limit: the banner says how long to wait; nothing on the page is lost.
    await check.click();
    const banner = page.getByTestId('error-banner');
    await banner.waitFor();
    assert.match(await banner.innerText(), /Check was pressed many times in a row: wait \d+ (seconds|second), then press it again/);
    assert.equal((await page.getByTestId('score').innerText()).trim(), '8 / 8');
    assert.equal(await page.locator('[data-testid="task-result"][data-passed="true"]').count(), 4);
    await page.waitForFunction(() => !(document.querySelector('[data-testid="check-button"]') as HTMLButtonElement | null)?.disabled);
    await typeInTerminal(page, 'echo still-here-$((3*3))');
    await terminalShows(page, TERMINAL, 'still-here-9');
    assert.deepEqual(b.pageErrors, []);
  });
});
