/**
 * "Randomise names and values" on the catalog, in real Chromium against the real server (fakes):
 * the toggle is on the card of a scenario whose parameters have choices and nowhere else; with it
 * on, Start asks for `randomize: true` and the session's README shows the drawn values — the
 * ones the session's scenario API says, each among the declared choices.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ROOT } from '../helpers/testServer.js';
import { realPlatformInChromium } from './realPlatform.js';

/** param-demo's choices (test/scenarios/fixtures/param-scenarios/param-demo/scenario.yaml); defaults first. */
const NAMESPACES = ['demo-a', 'demo-b', 'demo-c'];
const CONFIG_NAMES = ['settings', 'app-config'];

/** A call from the page itself (its cookie; the session token the catalog stored). */
async function fromPage<T>(page: Page, method: string, path: string, sessionId?: string): Promise<{ status: number; json: T }> {
  return page.evaluate(
    async ([m, p, id]) => {
      const token = id ? (localStorage.getItem(`cks-token:${id}`) ?? '') : '';
      const res = await fetch(p, { method: m, headers: token ? { 'x-session-token': token } : {} });
      return { status: res.status, json: res.status === 204 ? null : await res.json() };
    },
    [method, path, sessionId] as const,
  );
}

describe('randomised scenario parameters from the catalog in Chromium (real server, fakes)', function () {
  this.timeout(180_000);
  const scenariosDir = mkdtempSync(join(tmpdir(), 'cks-web-params-scenarios-'));
  cpSync(join(ROOT, 'scenarios', 'init-containers'), join(scenariosDir, 'init-containers'), { recursive: true });
  cpSync(join(ROOT, 'test', 'scenarios', 'fixtures', 'param-scenarios', 'param-demo'), join(scenariosDir, 'param-demo'), { recursive: true });
  const t = realPlatformInChromium({ dataDirPrefix: 'cks-web-params-', phaseDelayMs: 5, env: { CKS_SCENARIOS_DIR: scenariosDir } });
  after(() => rmSync(scenariosDir, { recursive: true, force: true }));

  it('the toggle is only on scenarios with choices; with it on, the README shows the drawn values', async () => {
    const { platform, b } = t;
    const page = b.page;
    await page.goto(platform.server.url);
    const card = page.locator('[data-testid="scenario-card"][data-scenario-id="param-demo"]');
    await card.waitFor();
    const catalog = await fromPage<{ scenarios: { id: string; randomizable: boolean }[] }>(page, 'GET', '/api/scenarios');
    assert.deepEqual(
      catalog.json.scenarios.map((s) => [s.id, s.randomizable]).sort(),
      [
        ['init-containers', false],
        ['param-demo', true],
      ],
    );
    assert.equal(await page.locator('[data-testid="scenario-card"][data-scenario-id="init-containers"] [data-testid="randomize-params"]').count(), 0, 'no toggle without choices');
    assert.equal(await page.getByTestId('randomize-params').count(), 1);

    // Drawn values equal the defaults one start in six: start until one differs (ten starts miss
    // that once in 60 million runs). Every start checks the README against the session's values.
    const seen: string[] = [];
    for (let i = 0; i < 10 && !seen.some((v) => v !== 'demo-a/settings'); i++) {
      await page.goto(platform.server.url);
      const toggle = card.getByTestId('randomize-params');
      await toggle.waitFor();
      assert.match(await card.locator('label.card-randomize').innerText(), /Randomise names and values/);
      assert.equal(await toggle.isChecked(), false, 'off unless asked');
      await toggle.check();
      const [request] = await Promise.all([page.waitForRequest((r) => r.method() === 'POST' && new URL(r.url()).pathname === '/api/sessions'), card.getByTestId('start-lab').click()]);
      assert.deepEqual(request.postDataJSON(), { scenarioId: 'param-demo', randomize: true });
      await page.waitForURL(/\/s\/[^/]+$/);
      const sessionId = new URL(page.url()).pathname.split('/').pop()!;

      const detail = await fromPage<{ params?: Record<string, string>; title: string }>(page, 'GET', `/api/sessions/${sessionId}/scenario`, sessionId);
      assert.equal(detail.status, 200);
      const { namespace, configName } = { namespace: 'demo-a', configName: 'settings', ...detail.json.params };
      assert.ok(NAMESPACES.includes(namespace) && CONFIG_NAMES.includes(configName), JSON.stringify(detail.json.params));
      await page.waitForFunction(() => /In namespace/.test(document.querySelector('.instructions')?.textContent ?? ''));
      const readme = await page.locator('.instructions').innerText();
      assert.match(readme, new RegExp(`In namespace ${namespace}, create the ConfigMap ${configName} with mode=strict`), readme);
      for (const other of NAMESPACES.filter((n) => n !== namespace)) assert.doesNotMatch(readme, new RegExp(other));
      assert.equal(await page.locator('.session-title').innerText(), `Configure ${configName} in ${namespace}`);
      seen.push(`${namespace}/${configName}`);
      assert.equal((await fromPage(page, 'DELETE', `/api/sessions/${sessionId}`, sessionId)).status, 204);
    }
    assert.ok(
      seen.some((v) => v !== 'demo-a/settings'),
      `a drawn value other than the defaults: ${seen.join(', ')}`,
    );
    assert.deepEqual(b.pageErrors, [], 'no page errors (CSP included)');
  });
});
