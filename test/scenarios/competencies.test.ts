/**
 * The curriculum mapping (server/scenarios/competencies.ts) against the scenarios in scenarios/:
 * every scenario practises a competency (a new scenario without a mapping fails here, by name),
 * every competency names scenarios, and the coverage the catalog page shows.
 */
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { COMPETENCIES, competenciesOf, coverage, mappedScenarioIds } from '../../server/scenarios/competencies.js';
import { CURRICULUM } from '../../server/scenarios/curriculum.js';
import { REPO_ROOT } from './helpers.js';

/**
 * Competencies no scenario in scenarios/ practises yet; their scenarios are planned in
 * /work/shared/CATALOG.md (some being written now). Remove an entry when its scenario lands; the
 * coverage test fails for any gap not listed here.
 */
const PLANNED_GAPS = new Set<string>([]);

/** The scenarios in scenarios/: folder name → the domain its scenario.yaml declares. */
function repoScenarios(): Map<string, string> {
  const dir = join(REPO_ROOT, 'scenarios');
  const out = new Map<string, string>();
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    const file = join(dir, d.name, 'scenario.yaml');
    if (!d.isDirectory() || d.name.startsWith('.') || !existsSync(file)) continue;
    const doc = parse(readFileSync(file, 'utf8')) as { id?: unknown; domain?: unknown } | null;
    out.set(typeof doc?.id === 'string' ? doc.id : d.name, String(doc?.domain ?? ''));
  }
  return out;
}

describe('curriculum competencies and the scenarios that practise them', () => {
  const scenarios = repoScenarios();

  it('maps every scenario in scenarios/ to at least one competency', () => {
    const mapped = mappedScenarioIds();
    const unmapped = [...scenarios.keys()].filter((id) => !mapped.has(id)).sort();
    assert.deepEqual(unmapped, [], `scenario(s) ${unmapped.join(', ')} practise no competency: add each id to the competency it practises in server/scenarios/competencies.ts (the catalog's coverage view and topic search read it)`);
  });

  it('gives each scenario a competency in the domain its scenario.yaml declares', () => {
    const wrong = [...scenarios].filter(([id, domain]) => !COMPETENCIES.some((c) => c.domain === domain && c.scenarios.includes(id))).map(([id, domain]) => `${id} (${domain})`);
    assert.deepEqual(wrong, []);
  });

  it('names at least one scenario for every competency, with unique slug ids, in every domain of the curriculum', () => {
    assert.deepEqual(COMPETENCIES.filter((c) => c.scenarios.length === 0).map((c) => c.id), []);
    const ids = COMPETENCIES.map((c) => c.id);
    assert.equal(new Set(ids).size, ids.length, 'competency ids are unique');
    for (const id of ids) assert.match(id, /^[a-z0-9]+(-[a-z0-9]+)*$/);
    for (const { domain } of CURRICULUM) assert.ok(COMPETENCIES.some((c) => c.domain === domain), `${domain} has competencies`);
  });

  it('has a scenario in scenarios/ for every competency, except the planned gaps listed in this test', () => {
    const gaps = coverage(new Set(scenarios.keys()))
      .flatMap((d) => d.competencies)
      .filter((c) => c.scenarios.length === 0)
      .map((c) => c.id);
    const unplanned = gaps.filter((id) => !PLANNED_GAPS.has(id));
    assert.deepEqual(unplanned, [], `no scenario in scenarios/ practises ${unplanned.join(', ')}`);
  });

  it('builds the coverage view in curriculum order with only the scenarios that exist', () => {
    const view = coverage(new Set(['netpol-default-deny', 'rbac-user-csr', 'not-a-scenario']));
    assert.deepEqual(view.map((d) => [d.domain, d.weight]), CURRICULUM.map((d) => [d.domain, d.weight]));
    assert.equal(view.flatMap((d) => d.competencies).length, COMPETENCIES.length);
    const by = new Map(view.flatMap((d) => d.competencies).map((c) => [c.id, c.scenarios]));
    assert.deepEqual(by.get('network-policy'), ['netpol-default-deny']);
    assert.deepEqual(by.get('rbac'), ['rbac-user-csr']);
    assert.deepEqual(by.get('certificates'), ['rbac-user-csr']);
    assert.deepEqual(by.get('seccomp'), []);
    assert.deepEqual(competenciesOf('encryption-at-rest'), ['secrets at rest', 'Secrets']);
    assert.deepEqual(competenciesOf('not-a-scenario'), []);
  });
});
