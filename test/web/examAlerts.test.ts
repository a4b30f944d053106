/**
 * ⚑ Exam mode's time alerts in real Chromium against the real server (fakes), on a fast clock (an
 * exam minute lasts 1.5 s): the 30-, 15- and 5-minute alerts appear in order, each once; a reload
 * shows the current one quietly instead of announcing it again; a browser that opens the exam
 * with less than 5 minutes left is told so once; at 0 the server grades by itself and the page
 * shows the results without Finish being pressed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { realPlatformInChromium } from './realPlatform.js';

const MINUTE_MS = 1500; // the 35-minute exam below lasts 52.5 s

/** Records every alert the page shows (`<minutes>:<fresh>`) in window.__alerts, from page load on. */
async function recordAlerts(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { __alerts: string[] };
    w.__alerts = [];
    new MutationObserver((records) => {
      for (const r of records) {
        const el = r.target as HTMLElement;
        if (el.dataset['testid'] === 'exam-alert') w.__alerts.push(`${el.dataset['minutes']}:${el.dataset['fresh']}`);
      }
    }).observe(document, { attributes: true, subtree: true, attributeFilter: ['data-minutes'] });
  });
}

const alertsOf = (page: Page): Promise<string[]> => page.evaluate(() => (window as unknown as { __alerts: string[] }).__alerts);

async function alertShows(page: Page, minutes: number, fresh: boolean, timeout: number): Promise<void> {
  await page.waitForSelector(`[data-testid="exam-alert"][data-minutes="${minutes}"][data-fresh="${fresh}"]`, { state: 'visible', timeout });
  assert.match(await page.getByTestId('exam-alert').innerText(), new RegExp(`Less than ${minutes} minutes left`));
}

describe('mock exam time alerts in Chromium (real server, fakes, fast clock)', function () {
  this.timeout(180_000);
  const examsDir = mkdtempSync(join(tmpdir(), 'cks-web-alert-exams-'));
  writeFileSync(join(examsDir, 'alerts.yaml'), 'id: alerts\ntitle: Alerts exam\ndescription: One question, 35 minutes.\ndurationMinutes: 35\nmaxClusters: 1\nquestions:\n  - scenario: init-containers\n');
  const t = realPlatformInChromium({ dataDirPrefix: 'cks-web-alerts-', phaseDelayMs: 5, env: { CKS_EXAMS_DIR: examsDir }, examMinuteMs: MINUTE_MS });
  after(() => rmSync(examsDir, { recursive: true, force: true }));

  it('30, 15 and 5 minutes left, each once (a reload does not repeat them), then results at 0 without Finish', async () => {
    const { platform, b } = t;
    const page = b.page;
    await recordAlerts(page);
    await page.goto(platform.server.url);
    await page.locator('[data-testid="exam-card"][data-exam-id="alerts"]').getByTestId('start-exam').click();
    await page.waitForURL(/\/exam\/[^/]+$/);
    await page.waitForFunction(() => /left$/.test(document.querySelector('[data-testid="exam-timer"]')?.textContent ?? ''), undefined, { timeout: 90_000 });
    // The timer counts exam minutes: 35 of them, fast.
    assert.match(await page.getByTestId('exam-timer').innerText(), /^3[0-5]:\d\d left$/);

    await alertShows(page, 30, true, 20_000);
    assert.equal(await page.getByTestId('exam-alert').getAttribute('role'), 'alert');
    await alertShows(page, 15, true, 30_000);
    assert.deepEqual(await alertsOf(page), ['30:true', '15:true'], 'in order, each once');

    // A reload shows where the clock is, quietly: the 15-minute alert is not announced again.
    await page.reload();
    await alertShows(page, 15, false, 10_000);
    assert.equal(await page.getByTestId('exam-alert').getAttribute('role'), 'status');

    await alertShows(page, 5, true, 30_000);
    assert.deepEqual(await alertsOf(page), ['15:false', '5:true'], 'after the reload: the current state, then only the new alert');

    // Another browser (no memory of this attempt) opens the exam with less than 5 minutes left:
    // it shows the 5-minute alert once, not the 30 and 15 before it.
    const other = await b.newContextPage();
    await other.context().addCookies(await page.context().cookies());
    await recordAlerts(other);
    await other.goto(page.url());
    await alertShows(other, 5, true, 10_000);
    assert.deepEqual(await alertsOf(other), ['5:true']);

    // 0: the server grades on its own; both pages move to the results, Finish never pressed.
    for (const p of [page, other]) {
      const result = p.getByTestId('exam-result');
      await result.waitFor({ timeout: 60_000 });
      assert.equal(await result.getAttribute('data-passed'), 'false');
      assert.match(await result.innerText(), /the time ran out/);
      assert.equal(await p.getByTestId('exam-question-result').count(), 1);
      assert.equal(await p.getByTestId('exam-alert').isHidden(), true, 'no alert over the results');
      assert.equal(await p.getByTestId('exam-finish').isHidden(), true);
    }
    assert.deepEqual(await alertsOf(page), ['15:false', '5:true'], 'no alert repeated before the end');
    await other.context().close();
    assert.deepEqual(b.pageErrors, [], 'no page errors (CSP included)');
  });
});
