/**
 * The catalog page in real Chromium against the real HTTP server and store (scenarios/ as shipped,
 * a memory cluster provider and in-memory probes): filters and search, what each lab needs and
 * whether this host runs it, progress from stored grades after real Checks, the suggested next
 * scenario, the curriculum coverage view, and a phone-width screen.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { COMPETENCIES } from '../../server/scenarios/competencies.js';
import type { CurriculumDto } from '../../server/wire/catalog.js';
import type { CatalogDto } from '../../server/wire/types.js';
import { MemoryProbes, solvedInitPod } from '../helpers/memoryProbes.js';
import { MemoryProvider } from '../helpers/memoryProvider.js';
import { ROOT, startTestServer, type TestServer } from '../helpers/testServer.js';
import { launchBrowser, type LaunchedBrowser } from './browser.js';

const run = promisify(execFile);
const CARD = '[data-testid="scenario-card"]';

async function visibleIds(page: Page): Promise<string[]> {
  return page.locator(CARD).evaluateAll((els) => els.map((e) => e.getAttribute('data-scenario-id') ?? ''));
}

async function catalogLoaded(page: Page): Promise<void> {
  await page.locator(CARD).first().waitFor();
  await page.getByTestId('coverage-view').waitFor();
  await page.getByTestId('catalog-progress').waitFor();
}

/**
 * Nothing is wider than the screen: neither the document, nor any visible element inside a
 * scrolling pane (the lab page scrolls inside its body, so the document alone would not show it);
 * code blocks and tables may scroll sideways on their own.
 */
async function noHorizontalOverflow(page: Page, width: number, where: string): Promise<void> {
  const sizes = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, body: document.body.scrollWidth }));
  assert.ok(sizes.scroll <= width && sizes.body <= width, `${where}: the page is wider than the ${width} px screen (${JSON.stringify(sizes)})`);
  const outside = await page.evaluate((w) => {
    return [...document.querySelectorAll('body *')]
      .filter((e) => !e.closest('pre, .markdown table'))
      .filter((e) => {
        const r = e.getBoundingClientRect();
        return r.width > 0 && r.height > 0 && (r.right > w + 1 || r.left < -1);
      })
      .slice(0, 5)
      .map((e) => `<${e.tagName.toLowerCase()} class="${e.className}"> ${Math.round(e.getBoundingClientRect().left)}…${Math.round(e.getBoundingClientRect().right)} px`);
  }, width);
  assert.deepEqual(outside, [], `${where}: elements reach beyond the ${width} px screen`);
}

describe('catalog page (real server and store, Chromium)', function () {
  this.timeout(60_000);
  let srv: TestServer;
  let provider: MemoryProvider;
  let probes: MemoryProbes;
  let b: LaunchedBrowser;
  let catalog: CatalogDto;

  before(async function () {
    this.timeout(120_000);
    await run(process.execPath, ['scripts/build-web.mjs'], { cwd: ROOT });
    provider = new MemoryProvider();
    // This host has no AppArmor: the AppArmor lab is not offered (set before the first catalog read, which is cached).
    provider.unsupported.set('apparmor', 'The "apparmor" lab needs AppArmor on the Docker host, and this host reports none.');
    probes = new MemoryProbes();
    srv = await startTestServer({ provider, probesFor: () => probes });
    catalog = (await (await fetch(`${srv.url}/api/scenarios`)).json()) as CatalogDto;
    b = await launchBrowser();
  });
  after(async () => {
    await b?.close();
    await srv?.close();
    assert.deepEqual(b?.pageErrors ?? [], [], 'the page threw uncaught errors');
  });

  it('filters by domain, difficulty, time and lab, finds a scenario by topic, and says what each lab needs and whether this host runs it', async () => {
    const page = await b.newContextPage();
    await page.goto(srv.url);
    await catalogLoaded(page);
    assert.equal(await page.locator(CARD).count(), catalog.scenarios.length);

    await page.getByTestId('catalog-filter-domain').selectOption('System Hardening');
    const hardening = catalog.scenarios.filter((s) => s.domain === 'System Hardening').map((s) => s.id);
    assert.deepEqual((await visibleIds(page)).sort(), [...hardening].sort());
    assert.match(await page.getByTestId('catalog-count').innerText(), new RegExp(`^${hardening.length} of ${catalog.scenarios.length} scenarios match`));
    await page.getByTestId('catalog-filter-difficulty').selectOption('easy');
    const easy = catalog.scenarios.filter((s) => s.domain === 'System Hardening' && s.difficulty === 'easy').map((s) => s.id);
    assert.ok(easy.length > 0 && easy.length < hardening.length);
    assert.deepEqual((await visibleIds(page)).sort(), [...easy].sort());
    // The filter is in the address: a reload (or a shared link) keeps it.
    assert.equal(new URL(page.url()).search, '?domain=System+Hardening&difficulty=easy');
    await page.reload();
    await catalogLoaded(page);
    assert.equal(await page.getByTestId('catalog-filter-domain').inputValue(), 'System Hardening');
    assert.deepEqual((await visibleIds(page)).sort(), [...easy].sort());

    await page.getByTestId('catalog-filter-domain').selectOption('');
    await page.getByTestId('catalog-filter-difficulty').selectOption('');
    await page.getByTestId('catalog-filter-time').selectOption('10');
    const short = catalog.scenarios.filter((s) => s.timeLimitMinutes <= 10).map((s) => s.id);
    assert.ok(short.length > 0 && short.length < catalog.scenarios.length);
    assert.deepEqual((await visibleIds(page)).sort(), [...short].sort());
    await page.getByTestId('catalog-filter-time').selectOption('');

    // A topic that is in neither title: found through the competencies the cards show.
    await page.getByTestId('catalog-search').fill('multi-container');
    const found = await visibleIds(page);
    assert.ok(found.includes('init-containers') && found.includes('sidecar-log-shipper'), `search by topic found ${found.join(', ')}`);
    for (const text of await page.locator(CARD).allInnerTexts()) assert.match(text.toLowerCase(), /multi-container/);
    await page.getByTestId('catalog-search').fill('seccomp localhost');
    assert.deepEqual(await visibleIds(page), ['seccomp']);
    await page.getByTestId('catalog-search').fill('no-such-topic-anywhere');
    assert.equal(await page.locator(CARD).count(), 0);
    assert.match(await page.locator('.catalog-grid').innerText(), /No scenario matches/);
    await page.getByTestId('catalog-search').fill('');

    // The AppArmor lab: what it needs, and that this host cannot run it.
    await page.getByTestId('catalog-filter-lab').selectOption('apparmor');
    assert.deepEqual(await visibleIds(page), ['apparmor']);
    const apparmor = page.locator(`${CARD}[data-scenario-id="apparmor"]`);
    assert.match(await apparmor.getByTestId('card-needs').innerText(), /Lab apparmor needs: 1 node, its own node image \(built once\), a host with AppArmor, a rootful container engine, one at a time per host/);
    assert.match(await apparmor.getByTestId('scenario-unavailable').innerText(), /needs AppArmor on the Docker host/);
    assert.equal(await apparmor.getByTestId('start-lab').isDisabled(), true);
    assert.equal(await apparmor.getByTestId('card-host').count(), 0);
    await page.getByTestId('catalog-filter-runnable').check();
    assert.equal(await page.locator(CARD).count(), 0);
    await page.getByTestId('catalog-filter-lab').selectOption('');
    assert.equal(await page.locator(CARD).count(), catalog.scenarios.filter((s) => !s.unavailable).length);
    const upgrade = page.locator(`${CARD}[data-scenario-id="k8s-upgrade"]`);
    assert.match(await upgrade.getByTestId('card-needs').innerText(), /2 nodes/);
    assert.match(await upgrade.getByTestId('card-host').innerText(), /This host can run it/);
    await page.context().close();
  });

  it('shows progress from the grades stored after real Checks, and suggests the weakest domain next', async () => {
    const page = await b.newContextPage();
    await page.goto(srv.url);
    await catalogLoaded(page);
    // A new learner: nothing passed anywhere; the suggestion is in the domain with the most weight at stake.
    const domains = page.getByTestId('domain-progress');
    assert.equal(await domains.count(), 6);
    assert.deepEqual(await domains.evaluateAll((els) => els.map((e) => e.getAttribute('data-passed'))), ['0', '0', '0', '0', '0', '0']);
    assert.equal(await page.getByTestId('suggested-next').getAttribute('data-domain'), await weakestDomain(page));
    assert.match(await page.getByTestId('readiness').innerText(), /Nothing graded yet/);

    // Start init-containers, Check (fails), fix the cluster, Check (passes): two stored grades.
    await page.locator(`${CARD}[data-scenario-id="init-containers"] [data-testid="start-lab"]`).click();
    await page.waitForURL(/\/s\/[^/]+$/);
    const check = page.getByTestId('check-button');
    await check.waitFor({ timeout: 30_000 });
    await check.click();
    await page.waitForFunction(() => document.querySelector('[data-testid="score"]')?.textContent?.trim() === '0 / 8');
    probes.put(solvedInitPod());
    probes.podExecHandler = () => ({ exitCode: 0, stdout: 'prepared by init', stderr: '' });
    await page.waitForFunction(() => !(document.querySelector('[data-testid="check-button"]') as HTMLButtonElement | null)?.disabled);
    await check.click();
    await page.waitForFunction(() => document.querySelector('[data-testid="score"]')?.textContent?.trim() === '8 / 8');

    await page.locator('a.home').click();
    await catalogLoaded(page);
    const mmv = page.locator('[data-testid="domain-progress"][data-domain="Minimize Microservice Vulnerabilities"]');
    assert.equal(await mmv.getAttribute('data-passed'), '1');
    assert.match(await mmv.innerText(), /1 \/ \d+ passed/);
    const record = page.locator(`${CARD}[data-scenario-id="init-containers"] [data-testid="card-progress"]`);
    assert.equal(await record.getAttribute('data-passed'), 'true');
    assert.match(await record.innerText(), /Passed · best 8 \/ 8 · 2 attempts · last try just now/);
    assert.match(await page.getByTestId('readiness').innerText(), /1 scenario tried/);

    const next = page.getByTestId('suggested-next');
    const nextDomain = await next.getAttribute('data-domain');
    assert.equal(nextDomain, await weakestDomain(page));
    assert.notEqual(nextDomain, 'Minimize Microservice Vulnerabilities');
    const nextId = (await next.getAttribute('data-scenario-id'))!;
    assert.equal(catalog.scenarios.find((s) => s.id === nextId)?.domain, nextDomain);
    // "Show it" clears the filters and brings the card into view.
    await page.getByTestId('catalog-filter-domain').selectOption('Cluster Setup');
    await next.getByRole('button', { name: 'Show it' }).click();
    const card = page.locator(`${CARD}[data-scenario-id="${nextId}"]`);
    assert.equal(await card.isVisible(), true);
    assert.ok(await card.evaluate((el) => el.getBoundingClientRect().top >= 0 && el.getBoundingClientRect().bottom <= window.innerHeight), 'the suggested card is in view');
    await page.context().close();
  });

  it('lists every curriculum competency with the scenarios that practise it', async () => {
    const page = await b.newContextPage();
    await page.goto(srv.url);
    await catalogLoaded(page);
    const api = (await (await fetch(`${srv.url}/api/curriculum`)).json()) as CurriculumDto;
    const rows = page.getByTestId('coverage-competency');
    assert.equal(await rows.count(), COMPETENCIES.length);
    const shown = await rows.evaluateAll((els) =>
      els.map((e) => ({
        id: e.getAttribute('data-competency') ?? '',
        covered: e.getAttribute('data-covered'),
        scenarios: [...e.querySelectorAll('[data-testid="coverage-scenario"]')].map((s) => s.getAttribute('data-scenario-id') ?? ''),
      })),
    );
    const present = new Set(catalog.scenarios.map((s) => s.id));
    for (const c of COMPETENCIES) {
      const row = shown.find((r) => r.id === c.id);
      assert.ok(row, `competency ${c.id} is shown`);
      // Exactly the scenarios of this catalog that practise it; a competency without one is shown as a gap, never hidden.
      assert.deepEqual(row.scenarios, c.scenarios.filter((id) => present.has(id)), c.id);
      assert.equal(row.covered, String(row.scenarios.length > 0), c.id);
    }
    assert.deepEqual(
      shown.filter((r) => r.covered === 'false').map((r) => r.id),
      api.domains.flatMap((d) => d.competencies).filter((c) => c.scenarios.length === 0).map((c) => c.id),
    );
    // Every scenario of the catalog practises some competency.
    const practised = new Set(shown.flatMap((r) => r.scenarios));
    assert.deepEqual([...present].filter((id) => !practised.has(id)), []);
    // A scenario link reveals its card.
    await page.locator('[data-testid="coverage-competency"][data-competency="seccomp"] [data-testid="coverage-scenario"]').click();
    const seccomp = page.locator(`${CARD}[data-scenario-id="seccomp"]`);
    assert.ok(await seccomp.evaluate((el) => el.getBoundingClientRect().top >= 0 && el.getBoundingClientRect().bottom <= window.innerHeight), 'the card is in view');
    await page.context().close();
  });

  it('fits a 420 px phone screen: the catalog and the instructions are readable, the lab page says the terminal needs a wider screen', async () => {
    const page = await b.newContextPage({ viewport: { width: 420, height: 860 } });
    await page.goto(srv.url);
    await catalogLoaded(page);
    await noHorizontalOverflow(page, 420, 'catalog');
    const firstCard = await page.locator(CARD).first().boundingBox();
    assert.ok(firstCard && firstCard.x >= 0 && firstCard.x + firstCard.width <= 420, `a card fits the screen: ${JSON.stringify(firstCard)}`);

    await page.locator(`${CARD}[data-scenario-id="rbac-least-privilege"] [data-testid="start-lab"]`).click();
    await page.waitForURL(/\/s\/[^/]+$/);
    const notice = page.getByTestId('narrow-terminal-notice');
    await notice.waitFor({ timeout: 30_000 });
    assert.match(await notice.innerText(), /terminal needs a wider screen/);
    assert.equal(await page.getByTestId('terminal').isVisible(), false);
    assert.equal(await page.locator('.instructions').isVisible(), true);
    assert.match(await page.locator('.instructions').innerText(), /deployer/);
    assert.equal(await page.getByTestId('check-button').isVisible(), true);
    await noHorizontalOverflow(page, 420, 'lab page');
    // The results with expected vs found fit too.
    await page.getByTestId('check-button').click();
    await page.getByTestId('task-result').first().waitFor();
    await noHorizontalOverflow(page, 420, 'lab page with results');

    // On a wide screen the terminal is there and the notice is not.
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByTestId('terminal').waitFor({ state: 'visible' });
    assert.equal(await notice.isVisible(), false);
    await page.context().close();
  });
});

/** The domain the page should suggest: most weight not yet practised, weight × (1 − passed/total); ties in page order. */
async function weakestDomain(page: Page): Promise<string> {
  const rows = await page.getByTestId('domain-progress').evaluateAll((els) =>
    els.map((e) => ({ domain: e.getAttribute('data-domain') ?? '', passed: Number(e.getAttribute('data-passed')), total: Number(e.getAttribute('data-total')), weight: Number(e.getAttribute('data-weight')) })),
  );
  let best = rows[0]!;
  const stake = (r: (typeof rows)[number]): number => (r.total > 0 ? r.weight * (1 - r.passed / r.total) : 0);
  for (const r of rows) if (stake(r) > stake(best)) best = r;
  return best.domain;
}
