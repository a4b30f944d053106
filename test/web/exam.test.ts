/**
 * ⚑ Exam mode in real Chromium against the real server (fakes for kind/docker/API): a short mock
 * exam from the catalog — timer, question list, navigation, flag, terminal on the question's
 * cluster, Finish with the flagged questions listed, results with a verdict per question — and a
 * reload that keeps the clock.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TERMINAL, terminalShows, typeInTerminal } from './browser.js';
import { realPlatformInChromium } from './realPlatform.js';

describe('mock exam in Chromium against the real server (fakes)', function () {
  this.timeout(180_000);
  const examsDir = mkdtempSync(join(tmpdir(), 'cks-web-exams-'));
  writeFileSync(
    join(examsDir, 'short.yaml'),
    'id: short\ntitle: Short mock exam\ndescription: Two questions on one cluster.\ndurationMinutes: 20\nmaxClusters: 1\nquestions:\n  - scenario: init-containers\n  - scenario: encryption-at-rest\n',
  );
  const t = realPlatformInChromium({ dataDirPrefix: 'cks-web-exam-', phaseDelayMs: 5, env: { CKS_EXAMS_DIR: examsDir } });
  after(() => rmSync(examsDir, { recursive: true, force: true }));

  it('start from the catalog → timer and questions → flag → terminal → Finish → results per question', async () => {
    const { platform, b } = t;
    const page = b.page;
    await page.goto(platform.server.url);
    const card = page.locator('[data-testid="exam-card"][data-exam-id="short"]');
    await card.waitFor();
    assert.match(await card.innerText(), /20 min[\s\S]*2 questions[\s\S]*pass 67 %[\s\S]*1 cluster/);
    await card.getByTestId('start-exam').click();
    await page.waitForURL(/\/exam\/[^/]+$/);

    const timer = page.getByTestId('exam-timer');
    await page.waitForFunction(() => /left$/.test(document.querySelector('[data-testid="exam-timer"]')?.textContent ?? ''), undefined, { timeout: 90_000 });
    assert.match(await timer.innerText(), /^(19|20):\d\d left$/);
    const links = page.getByTestId('exam-question-link');
    assert.equal(await links.count(), 2);
    assert.equal(await links.nth(0).getAttribute('data-index'), '1');
    assert.match(await page.getByTestId('exam-where').innerText(), /cluster cks1[\s\S]*kubectl config use-context cks1/);
    assert.match(await page.locator('.exam-question').innerText(), /init container/i);

    // Question 2, flagged for review.
    await links.nth(1).click();
    assert.match(await page.locator('.exam-question').innerText(), /encrypt/i);
    await page.getByTestId('exam-flag').click();
    await page.waitForSelector('[data-testid="exam-question-link"][data-index="2"][data-flagged="true"]');

    // The terminal is on the question's cluster; the learner answers question 1 there.
    await terminalShows(page, TERMINAL, '-control-plane:', 30_000);
    const attemptId = new URL(page.url()).pathname.split('/').pop()!;
    const cluster = (await (await fetch(`${platform.server.url}/api/exams/attempts/${attemptId}`, { headers: { cookie: (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ') } })).json()) as { clusters: { sessionId: string }[] };
    const node = platform.sessions.get(cluster.clusters[0]!.sessionId)!.clusterName;
    await t.copyToNode(node, 'scenarios/init-containers/solution.sh', '/root/q1.sh');
    await typeInTerminal(page, 'bash /root/q1.sh >/dev/null && echo answered-$((40+2))');
    await terminalShows(page, TERMINAL, 'answered-42', 60_000);

    // A reload keeps the server's clock and the flag.
    await page.reload();
    await page.waitForSelector('[data-testid="exam-question-link"][data-index="2"][data-flagged="true"]', { timeout: 30_000 });
    await page.waitForFunction(() => /left$/.test(document.querySelector('[data-testid="exam-timer"]')?.textContent ?? ''));

    await page.getByTestId('exam-finish').click();
    assert.match(await page.locator('.exam-confirm').innerText(), /flagged question 2 for review/);
    await page.getByTestId('exam-finish-confirm').click();
    const result = page.getByTestId('exam-result');
    await result.waitFor({ timeout: 60_000 });
    assert.equal(await result.getAttribute('data-passed'), 'false');
    assert.ok(Number(await result.getAttribute('data-score')) > 0);
    const verdicts = page.getByTestId('exam-question-result');
    assert.equal(await verdicts.count(), 2);
    assert.equal(await verdicts.nth(0).getAttribute('data-passed'), 'true');
    assert.equal(await verdicts.nth(1).getAttribute('data-passed'), 'false');
    await verdicts.nth(1).locator('summary').click();
    const detail = await verdicts.nth(1).innerText();
    assert.match(detail, /expected:[\s\S]*found:/, 'checks with expected vs found');
    assert.match(detail, /Reference solution[\s\S]*EncryptionConfiguration/);
    assert.deepEqual(b.pageErrors, [], 'no page errors (CSP included)');
  });
});
