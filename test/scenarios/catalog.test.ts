import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { AppError } from '../../server/errors.js';
import { ScenarioCatalog, loadScenario, type Scenario } from '../../server/scenarios/index.js';
import { FIXTURES } from './helpers.js';

function scenario(id: string, domain: string, title: string, weights: number[]): Scenario {
  return {
    id, title, domain, difficulty: 'easy', lab: 'default', timeLimitMinutes: 10, summary: `${id} summary`,
    tasks: weights.map((weight, i) => ({ id: `t${i}`, title: `task ${i}`, weight, hint: 'h', checks: [] })),
    dir: `/x/${id}`, instructions: '# x', setupScript: `/x/${id}/setup.sh`, solutionScript: `/x/${id}/solution.sh`,
  };
}

describe('ScenarioCatalog', () => {
  const catalog = new ScenarioCatalog([
    scenario('apparmor', 'System Hardening', 'Confine a pod with AppArmor', [2, 3]),
    scenario('encryption-at-rest', 'Cluster Setup', 'Encrypt Secrets at rest', [1, 2, 4]),
    scenario('init-containers', 'Minimize Microservice Vulnerabilities', 'Repair a Pod with an init container', [2]),
    scenario('runtimeclass-gvisor', 'Minimize Microservice Vulnerabilities', 'Isolate a pod with gVisor', [1, 1]),
  ]);

  it('lists scenarios sorted by domain, then title, with task count and max score', () => {
    const list = catalog.list();
    assert.deepEqual(list.map((s) => s.id), ['encryption-at-rest', 'runtimeclass-gvisor', 'init-containers', 'apparmor']);
    const enc = list[0]!;
    assert.equal(enc.taskCount, 3);
    assert.equal(enc.maxScore, 7);
    assert.equal(enc.summary, 'encryption-at-rest summary');
    assert.ok(!('instructions' in enc), 'catalog lines do not carry the instructions');
  });

  it('gets and requires by id', () => {
    assert.equal(catalog.get('apparmor')?.title, 'Confine a pod with AppArmor');
    assert.equal(catalog.get('nope'), undefined);
    assert.equal(catalog.require('init-containers').id, 'init-containers');
  });

  it('require names the known scenarios when the id is unknown', () => {
    assert.throws(
      () => catalog.require('encryption'),
      (e: unknown) =>
        e instanceof AppError &&
        e.code === 'not_found' &&
        e.field === 'scenarioId' &&
        e.message === 'Unknown scenario "encryption". Known scenarios: apparmor, encryption-at-rest, init-containers, runtimeclass-gvisor',
    );
  });

  it('refuses two scenarios with the same id', () => {
    assert.throws(() => new ScenarioCatalog([scenario('a', 'Cluster Setup', 'A', [1]), scenario('a', 'Cluster Setup', 'B', [1])]), /appears twice/);
  });

  it('serves a scenario loaded from disk', () => {
    const r = loadScenario(join(FIXTURES, 'scenarios', 'demo-scenario'));
    const c = new ScenarioCatalog(r.scenario ? [r.scenario] : []);
    assert.deepEqual(c.list().map((s) => [s.id, s.taskCount, s.maxScore]), [['demo-scenario', 2, 3]]);
  });
});
