/**
 * A mock exam run by an instructor for a workshop, in real Chromium against the real platform on
 * the fakes: the instructor picks the exam in the create form, two learners join and land on their
 * own exam page, the board shows each seat's exam in progress with no result, and after the
 * instructor ends the workshop the board shows each seat's score and per-question verdicts while
 * each learner's page shows their results.
 *
 * `CKS_SCREENSHOTS=dir` also saves a screenshot of the board during and after the exam.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { realPlatformInChromium } from './realPlatform.js';

const TOKEN = 'workshop-exam-browser-token';
const SHOTS = process.env['CKS_SCREENSHOTS'];

async function shot(page: Page, name: string): Promise<void> {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}
const examsDir = mkdtempSync(join(tmpdir(), 'cks-web-wsexam-exams-'));
mkdirSync(examsDir, { recursive: true });
writeFileSync(join(examsDir, 'duo.yaml'), 'id: duo\ntitle: Duo\ndurationMinutes: 30\nquestions:\n  - scenario: init-containers\n  - scenario: encryption-at-rest\n');

const attr = (page: Page, selector: string, name: string): Promise<string[]> => page.locator(selector).evaluateAll((els, a) => els.map((e) => e.getAttribute(a) ?? ''), name);

describe('an exam workshop in Chromium against the real server (instructor + 2 learners)', function () {
  this.timeout(240_000);
  const t = realPlatformInChromium({ dataDirPrefix: 'cks-web-wsexam-', phaseDelayMs: 50, env: { CKS_INSTRUCTOR_TOKEN: TOKEN, CKS_EXAMS_DIR: examsDir, CKS_MAX_CLUSTERS: '6' } });
  after(() => rmSync(examsDir, { recursive: true, force: true }));

  it('create with an exam → learners land on their exam → board hides results until the end → scores after the end', async () => {
    const { platform, b } = t;
    const url = platform.server.url;
    const teacher = b.page;
    teacher.on('dialog', (d) => void d.accept());
    await teacher.goto(`${url}/instructor`);
    await teacher.getByTestId('instructor-token-input').fill(TOKEN);
    await teacher.getByTestId('instructor-login-button').click();

    await teacher.getByTestId('create-workshop-form').waitFor();
    await teacher.getByTestId('workshop-title-input').fill('Mock exam Friday');
    await teacher.getByTestId('workshop-exam-select').selectOption('duo');
    assert.equal(await teacher.locator('.scenario-picker').isHidden(), true, 'no scenario list for an exam workshop');
    await teacher.getByTestId('workshop-seats-input').fill('2');
    await teacher.getByTestId('workshop-warm-input').fill('0');
    await teacher.getByTestId('create-workshop').click();
    const joinUrl = (await teacher.getByTestId('join-url').innerText()).trim();
    await teacher.getByTestId('open-board').click();
    await teacher.getByTestId('board-grid').waitFor();

    const learners: Page[] = [];
    for (const name of ['Ada', 'Brian']) {
      const page = await b.newContextPage();
      await page.goto(joinUrl);
      await page.getByTestId('join-exam').waitFor();
      assert.match(await page.getByTestId('join-exam').innerText(), /Mock exam “Duo”: 30 minutes for everyone/);
      await page.getByTestId('display-name-input').fill(name);
      await page.getByTestId('join-button').click();
      await page.waitForURL(/\/exam\/[^/]+$/);
      learners.push(page);
    }
    const attempts = learners.map((p) => new URL(p.url()).pathname);
    assert.notEqual(attempts[0], attempts[1], 'each learner their own attempt');

    // Both exams run (the learners see their timer); the board shows them in progress, no results.
    for (const page of learners) await page.getByTestId('exam-timer').filter({ hasText: /left/ }).waitFor({ timeout: 90_000 });
    await teacher.waitForFunction(() => {
      const states = [...document.querySelectorAll('[data-testid="seat-exam-state"]')].map((e) => e.getAttribute('data-state'));
      return states.length === 2 && states.every((s) => s === 'running');
    }, undefined, { timeout: 30_000 });
    assert.deepEqual(await attr(teacher, '[data-testid="board-exam-cell"]', 'data-checked'), ['false', 'false', 'false', 'false']);
    assert.deepEqual(await teacher.locator('[data-testid="exam-score"]').allInnerTexts(), ['hidden', 'hidden']);
    assert.equal(await teacher.getByTestId('exam-time-left').count(), 2);
    await shot(teacher, 'exam-board-during');

    await teacher.getByTestId('end-workshop').click();
    await teacher.waitForFunction(() => {
      const states = [...document.querySelectorAll('[data-testid="seat-exam-state"]')].map((e) => e.getAttribute('data-state'));
      return states.length === 2 && states.every((s) => s === 'finished');
    }, undefined, { timeout: 60_000 });
    assert.deepEqual(await attr(teacher, '[data-testid="exam-score"]', 'data-score'), ['0', '0']);
    assert.deepEqual(await attr(teacher, '[data-testid="exam-passed"]', 'data-passed'), ['false', 'false']);
    assert.deepEqual(await attr(teacher, '[data-testid="board-exam-cell"]', 'data-checked'), ['true', 'true', 'true', 'true']);
    assert.deepEqual(await attr(teacher, '[data-testid="board-exam-cell"]', 'data-passed'), ['false', 'false', 'false', 'false']);
    await shot(teacher, 'exam-board-after');

    for (const page of learners) {
      await page.getByTestId('exam-result').waitFor({ timeout: 30_000 });
      assert.equal(await page.getByTestId('exam-result').getAttribute('data-passed'), 'false');
      assert.match(await page.getByTestId('exam-result').innerText(), /your instructor ended the workshop/);
    }
  });
});
