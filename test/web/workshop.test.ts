/**
 * An instructor-led workshop in real Chromium against the real server (HTTP, socket.io, ptys,
 * SQLite; kind, docker and the Kubernetes API faked), in one run: the instructor signs in and
 * creates a workshop in the UI, three learners (each in their own browser context, so their own
 * cookie) join and land in a terminal, their Checks change the instructor's board without a
 * reload, the instructor shadows a learner's terminal, broadcasts, and ends the workshop, and
 * each learner sees their summary.
 *
 * `CKS_SCREENSHOTS=dir` also saves a screenshot of each page on the way.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { terminalShows, typeInTerminal } from './browser.js';
import { realPlatformInChromium } from './realPlatform.js';

const TOKEN = 'workshop-browser-test-token';
const SHOTS = process.env['CKS_SCREENSHOTS'];
const INIT_TASKS = 4;
const INIT_MAX = 8;

async function shot(page: Page, name: string): Promise<void> {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/** `data-passed` of a learner's board cells for one scenario, as "true"/"false" strings. */
async function boardCells(page: Page, learner: string, scenario: string, attr: 'data-passed' | 'data-checked'): Promise<string[]> {
  return page.locator(`[data-testid="board-cell"][data-learner="${learner}"][data-scenario="${scenario}"]`).evaluateAll((els, a) => els.map((e) => e.getAttribute(a) ?? ''), attr);
}

async function waitForCells(page: Page, learner: string, scenario: string, attr: 'data-passed' | 'data-checked', value: string, count: number, timeout = 30_000): Promise<void> {
  await page.waitForFunction(
    ([l, s, a, v, n]) => {
      const cells = [...document.querySelectorAll(`[data-testid="board-cell"][data-learner="${l}"][data-scenario="${s}"]`)];
      return cells.length === n && cells.every((c) => c.getAttribute(a) === v);
    },
    [learner, scenario, attr, value, count] as const,
    { timeout },
  );
}

describe('workshop in Chromium against the real server (instructor + 3 learners)', function () {
  this.timeout(240_000);
  const t = realPlatformInChromium({ dataDirPrefix: 'cks-web-ws-', phaseDelayMs: 100, env: { CKS_INSTRUCTOR_TOKEN: TOKEN, CKS_MAX_CLUSTERS: '6', CKS_MAX_PROVISIONING: '3' } });

  it('create → join ×3 → checks on the live board → shadow → broadcast → end with summaries', async () => {
    const { platform, b } = t;
    const url = platform.server.url;
    // The second scenario's size, from the catalog (its tasks are columns and summary lines too).
    const enc = (await (await fetch(`${url}/api/scenarios/encryption-at-rest`)).json()) as { tasks: { weight: number }[] };
    const ENC_TASKS = enc.tasks.length;
    const MAX = INIT_MAX + enc.tasks.reduce((n, t) => n + t.weight, 0);
    const teacher = b.page;
    teacher.on('dialog', (d) => void d.accept());

    // The instructor pages refuse a wrong token, then accept the configured one.
    await teacher.goto(`${url}/instructor`);
    await teacher.getByTestId('instructor-token-input').fill('not-the-token-at-all');
    await teacher.getByTestId('instructor-login-button').click();
    await teacher.locator('[data-testid="error-banner"]:not([hidden])').waitFor();
    assert.match(await teacher.getByTestId('error-banner').innerText(), /instructor token/i);
    await teacher.getByTestId('instructor-token-input').fill(TOKEN);
    await teacher.getByTestId('instructor-login-button').click();

    // Create a two-scenario workshop in the form (the order of ticking is the order of scenarios).
    await teacher.getByTestId('create-workshop-form').waitFor();
    await teacher.getByTestId('workshop-title-input').fill('CKS day 1');
    await teacher.locator('[data-testid="scenario-option"][data-scenario-id="init-containers"]').check();
    await teacher.locator('[data-testid="scenario-option"][data-scenario-id="encryption-at-rest"]').check();
    assert.deepEqual(await teacher.locator('[data-testid="chosen-scenarios"] li').evaluateAll((els) => els.map((e) => e.getAttribute('data-scenario-id'))), ['init-containers', 'encryption-at-rest']);
    await teacher.getByTestId('workshop-seats-input').fill('3');
    await teacher.getByTestId('workshop-time-limit-input').fill('30');
    await teacher.getByTestId('workshop-warm-input').fill('3');
    await shot(teacher, '01-instructor-create');
    await teacher.getByTestId('create-workshop').click();
    const code = (await teacher.getByTestId('join-code').innerText()).trim();
    const joinUrl = (await teacher.getByTestId('join-url').innerText()).trim();
    assert.match(code, /^[A-Z0-9]{4,}$/);
    assert.equal(joinUrl, `${url}/join/${code}`);
    await teacher.locator('[data-testid="workshop-row"]').first().waitFor();
    await shot(teacher, '02-instructor-created');

    await teacher.getByTestId('open-board').click();
    await teacher.waitForURL(/\/instructor\/w\/[^/]+$/);
    await teacher.getByTestId('board').waitFor();
    await teacher.getByTestId('board-grid').waitFor();
    // A marker that survives only as long as the page is not reloaded.
    await teacher.evaluate(() => ((window as unknown as { __noReload: boolean }).__noReload = true));

    // Three learners, each in their own browser context, join from the join URL.
    const names = ['Ada', 'Brian', 'Chen'];
    const learners: Page[] = [];
    for (const name of names) {
      const page = await b.newContextPage();
      page.on('dialog', (d) => void d.accept());
      await page.goto(joinUrl);
      assert.equal(await page.getByTestId('join-code-input').inputValue(), code);
      await page.getByTestId('join-title').waitFor();
      assert.equal(await page.getByTestId('join-title').innerText(), 'CKS day 1');
      if (name === 'Ada') await shot(page, '03-join');
      await page.getByTestId('display-name-input').fill(name);
      await page.getByTestId('join-button').click();
      await page.waitForURL(/\/s\/[^/]+$/);
      learners.push(page);
    }
    const [ada, brian, chen] = learners as [Page, Page, Page];

    // A wrong code, then a taken name: the server's answers in the error banner.
    const late = await b.newContextPage();
    await late.goto(`${url}/join/ZZZZ99`);
    await late.locator('[data-testid="error-banner"]:not([hidden])').waitFor();
    assert.match(await late.getByTestId('error-banner').innerText(), /No workshop has the join code ZZZZ99/);
    await late.goto(`${url}/join`);
    await late.getByTestId('join-code-input').fill(code);
    await late.getByTestId('join-title').waitFor();
    assert.match(await late.getByTestId('seats-left').innerText(), /^0 seats left$/);
    await late.getByTestId('display-name-input').fill('Ada');
    await late.getByTestId('join-button').click();
    await late.locator('[data-testid="error-banner"]:not([hidden])').waitFor();
    assert.match(await late.getByTestId('error-banner').innerText(), /already joined as "Ada"/);
    await late.context().close();

    // Everyone lands in the first scenario with a terminal attached, and sees where they are.
    for (const page of learners) {
      await page.locator('[data-testid="terminal"] .xterm').waitFor({ timeout: 90_000 });
      await terminalShows(page, '[data-testid="terminal"]', '-control-plane:', 30_000);
      assert.equal(await page.getByTestId('workshop-title').innerText(), 'CKS day 1');
      assert.equal(await page.getByTestId('scenario-position').innerText(), 'Scenario 1/2');
      assert.match(await page.getByTestId('scenario-countdown').innerText(), /left/);
      assert.equal(await page.getByTestId('next-scenario').isVisible(), true);
      assert.equal(await page.getByTestId('stop-lab').isVisible(), false, 'a workshop seat has no Stop button');
    }
    await shot(ada, '04-learner-terminal');

    // The board has a row per learner and a cell per learner × task, none checked yet.
    await teacher.waitForFunction(() => document.querySelectorAll('[data-testid="board-row"]').length === 3);
    for (const name of names) {
      assert.deepEqual(await boardCells(teacher, name, 'init-containers', 'data-checked'), Array(INIT_TASKS).fill('false'));
      assert.deepEqual(await boardCells(teacher, name, 'init-containers', 'data-passed'), Array(INIT_TASKS).fill('false'));
    }
    await teacher.waitForFunction(() => [...document.querySelectorAll('[data-testid="seat-state"]')].every((e) => e.getAttribute('data-state') === 'ready'), undefined, { timeout: 30_000 });
    assert.equal(await teacher.locator('[data-testid="board-cell"][data-scenario="encryption-at-rest"]').count(), 3 * ENC_TASKS, 'encryption-at-rest columns are there too');

    // Ada checks the untouched scenario: her cells become checked and failed, without a reload.
    await ada.getByTestId('check-button').click();
    await ada.waitForFunction((max) => document.querySelector('[data-testid="score"]')?.textContent?.trim() === `0 / ${max}`, INIT_MAX);
    await waitForCells(teacher, 'Ada', 'init-containers', 'data-checked', 'true', INIT_TASKS);
    assert.deepEqual(await boardCells(teacher, 'Ada', 'init-containers', 'data-passed'), Array(INIT_TASKS).fill('false'));
    assert.deepEqual(await boardCells(teacher, 'Brian', 'init-containers', 'data-checked'), Array(INIT_TASKS).fill('false'), 'only Ada checked');

    // Ada fixes it from her terminal (the reference solution put on her node) and checks again.
    const adaSession = new URL(ada.url()).pathname.split('/').pop()!;
    const cluster = platform.sessions.get(adaSession)!.clusterName;
    await t.copyToNode(cluster, 'scenarios/init-containers/solution.sh', '/root/fix.sh');
    await typeInTerminal(ada, 'bash /root/fix.sh && echo fixed-$((7*3))');
    await terminalShows(ada, '[data-testid="terminal"]', 'fixed-21', 60_000);
    await ada.getByTestId('check-button').click();
    await ada.waitForFunction((max) => document.querySelector('[data-testid="score"]')?.textContent?.trim() === `${max} / ${max}`, INIT_MAX, { timeout: 30_000 });
    await waitForCells(teacher, 'Ada', 'init-containers', 'data-passed', 'true', INIT_TASKS);
    assert.equal(await teacher.locator('[data-testid="board-row"][data-learner="Ada"] [data-testid="learner-score"]').innerText(), `${INIT_MAX} / ${MAX}`);

    // Brian checks too: his cells are checked, still failing.
    await brian.getByTestId('check-button').click();
    await waitForCells(teacher, 'Brian', 'init-containers', 'data-checked', 'true', INIT_TASKS);
    assert.deepEqual(await boardCells(teacher, 'Brian', 'init-containers', 'data-passed'), Array(INIT_TASKS).fill('false'));
    assert.equal(await teacher.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload), true, 'the board changed without a reload');
    await shot(teacher, '05-board-checked');

    // The instructor shadows Brian and sees what he types, live; the shadow terminal is read-only.
    await teacher.locator('[data-testid="shadow-button"]').nth(names.indexOf('Brian')).click();
    await teacher.locator('[data-testid="shadow-terminal"] .xterm').waitFor();
    await terminalShows(teacher, '[data-testid="shadow-terminal"]', '-control-plane:');
    await typeInTerminal(brian, 'echo shadow-$((6*7))');
    await terminalShows(brian, '[data-testid="terminal"]', 'shadow-42');
    await terminalShows(teacher, '[data-testid="shadow-terminal"]', 'shadow-42');
    await teacher.locator('[data-testid="shadow-terminal"] .xterm').click();
    await teacher.keyboard.type('echo from-instructor\n');
    await typeInTerminal(brian, 'echo still-$((2*21))');
    await terminalShows(teacher, '[data-testid="shadow-terminal"]', 'still-42');
    assert.ok(!(await brian.locator('[data-testid="terminal"] .xterm-rows').innerText()).includes('from-instructor'), 'shadowing cannot type into the learner’s shell');
    await shot(teacher, '06-board-shadow');

    // +10 min for Brian: the board says so, and Brian's countdown has the extra time.
    const brianRow = teacher.locator('[data-testid="board-row"][data-learner="Brian"]');
    await brianRow.getByTestId('extend-seat').click();
    await brianRow.getByText('+10 min', { exact: true }).and(teacher.locator('.badge')).waitFor();
    await brian.waitForFunction(() => /^(39|40):\d\d left$/.test(document.querySelector('[data-testid="scenario-countdown"]')?.textContent ?? ''), undefined, { timeout: 10_000 });

    // Reset Brian's scenario: a fresh cluster with setup re-run; his page gets a new shell and the
    // instructor's shadow follows him onto it.
    await brianRow.getByTestId('reset-seat').click();
    await brian.getByTestId('provision-progress').waitFor({ timeout: 10_000 });
    await brian.locator('[data-testid="terminal"] .xterm').waitFor({ timeout: 60_000 });
    await teacher.waitForFunction(() => document.querySelector('[data-testid="board-row"][data-learner="Brian"] [data-testid="seat-state"]')?.getAttribute('data-state') === 'ready', undefined, { timeout: 60_000 });
    await typeInTerminal(brian, 'echo after-reset-$((3*3))');
    await terminalShows(brian, '[data-testid="terminal"]', 'after-reset-9', 30_000);
    await terminalShows(teacher, '[data-testid="shadow-terminal"]', 'after-reset-9', 30_000);

    // Chen opens the join URL again in another tab: same seat, same session and shell.
    const chenFirst = chen.url();
    const again = await chen.context().newPage();
    await again.goto(joinUrl);
    await again.getByTestId('display-name-input').fill('Chen');
    await again.getByTestId('join-button').click();
    await again.waitForURL(chenFirst);
    await again.locator('[data-testid="terminal"] .xterm').waitFor({ timeout: 30_000 });
    await terminalShows(again, '[data-testid="terminal"]', '-control-plane:');
    await again.close();
    await chen.reload();
    await chen.locator('[data-testid="terminal"] .xterm').waitFor({ timeout: 30_000 });

    // Chen moves on to the second scenario: a new session, scenario 2/2, no further Next.
    await chen.getByTestId('next-scenario').click();
    await chen.waitForURL((u) => u.href !== chenFirst && /\/s\/[^/]+$/.test(u.pathname), { timeout: 30_000 });
    await chen.locator('[data-testid="terminal"] .xterm').waitFor({ timeout: 90_000 });
    await chen.waitForFunction(() => document.querySelector('[data-testid="scenario-position"]')?.textContent === 'Scenario 2/2');
    assert.equal(await chen.getByTestId('next-scenario').isVisible(), false);

    // A broadcast reaches all three learners.
    await teacher.getByTestId('broadcast-input').fill('Ten minutes left — wrap up the init container task');
    await teacher.getByTestId('broadcast-button').click();
    for (const page of learners) {
      await page.locator('[data-testid="notice"]:not([hidden])').waitFor({ timeout: 10_000 });
      assert.match(await page.getByTestId('notice').innerText(), /Ten minutes left — wrap up the init container task/);
    }
    await shot(brian, '07-learner-notice');

    // The exports download with the instructor's token.
    const [csv] = await Promise.all([teacher.waitForEvent('download'), teacher.getByTestId('export-csv').click()]);
    const csvText = readFileSync((await csv.path())!, 'utf8');
    assert.match(csvText.split('\n')[0] ?? '', /learner/);
    assert.ok(csvText.includes('Ada'), csvText);

    // Ending the workshop shows each learner their summary with every task and the score.
    await teacher.getByTestId('end-workshop').click();
    await teacher.waitForFunction(() => document.querySelector('[data-testid="workshop-state"]')?.textContent === 'ended', undefined, { timeout: 30_000 });
    for (const page of learners) await page.getByTestId('workshop-summary').waitFor({ timeout: 30_000 });
    const passedOf = (page: Page) => page.locator('[data-testid="summary-task"]').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-scenario')}/${e.getAttribute('data-task')}=${e.getAttribute('data-passed')}`));
    const adaSummary = await passedOf(ada);
    assert.equal(adaSummary.length, INIT_TASKS + ENC_TASKS);
    assert.equal(adaSummary.filter((t) => t.startsWith('init-containers/') && t.endsWith('=true')).length, INIT_TASKS, adaSummary.join(' '));
    assert.equal(await ada.getByTestId('workshop-score').innerText(), `${INIT_MAX} / ${MAX}`);
    assert.equal((await passedOf(brian)).filter((t) => t.endsWith('=true')).length, 0);
    assert.equal(await brian.getByTestId('workshop-score').innerText(), `0 / ${MAX}`);
    await chen.getByTestId('workshop-score').waitFor();
    await shot(ada, '08-learner-summary');
    await shot(teacher, '09-board-ended');
    assert.equal(await teacher.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload), true);
    assert.deepEqual(b.pageErrors, []);
  });
});
