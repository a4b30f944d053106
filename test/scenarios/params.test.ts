/** Scenario parameters: one source for README, checks and scripts; refused when used wrongly. */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyParams, formatProblem, loadScenario, paramEnv, paramEnvName, resolveParams, type Scenario } from '../../server/scenarios/index.js';
import { renderTemplate } from '../../server/scenarios/params.js';
import { FIXTURES, REPO_ROOT } from './helpers.js';

const SOURCE = join(FIXTURES, 'param-scenarios', 'param-demo');
const LABS = join(REPO_ROOT, 'labs');

function load(dir = SOURCE): Scenario {
  const r = loadScenario(dir, { labsDir: LABS });
  assert.ok(r.scenario, (r.problems ?? []).map(formatProblem).join('\n'));
  return r.scenario;
}

/** A copy of the fixture with one file changed; returns the problems found. */
function problemsAfter(file: string, change: (text: string) => string): string[] {
  const root = mkdtempSync(join(tmpdir(), 'cks-params-'));
  const dir = join(root, 'param-demo');
  try {
    cpSync(SOURCE, dir, { recursive: true });
    writeFileSync(join(dir, file), change(readFileSync(join(dir, file), 'utf8')));
    const r = loadScenario(dir, { labsDir: LABS });
    return (r.problems ?? []).map(formatProblem);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

describe('scenario parameters', () => {
  it('loads rendered with the defaults, everywhere: title, README, checks (regex-escaped where asked)', () => {
    const s = load();
    assert.deepEqual(s.values, { namespace: 'demo-a', configName: 'settings' });
    assert.equal(s.title, 'Configure settings in demo-a');
    assert.match(s.instructions, /namespace `demo-a`, create the ConfigMap `settings`/);
    const [obj, jp] = s.tasks[0]!.checks;
    assert.deepEqual(obj && 'resource' in obj ? obj.resource : null, { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'demo-a', name: 'settings' });
    assert.equal(jp && jp.type === 'jsonpath' ? jp.expect.matches : null, '^demo-a$');
  });

  it('renders another run’s values from the same source, and scripts see them as PARAM_* variables', () => {
    const s = load();
    const run = applyParams(s, resolveParams(s, { namespace: 'demo-c' }));
    assert.equal(run.title, 'Configure settings in demo-c');
    assert.match(run.tasks[0]!.title, /`settings` in `demo-c`/);
    assert.deepEqual(paramEnv(run.values ?? {}), { PARAM_NAMESPACE: 'demo-c', PARAM_CONFIG_NAME: 'settings' });
    assert.equal(s.title, 'Configure settings in demo-a', 'the catalog copy is untouched');
    assert.equal(paramEnvName('imageTag'), 'PARAM_IMAGE_TAG');
    assert.equal(renderTemplate('^{{v|regex}}$', { v: 'nginx:1.27.1' }), '^nginx:1\\.27\\.1$');
  });

  it('randomised runs draw from the declared choices only', () => {
    const s = load();
    const seen = new Set<string>();
    for (let i = 0; i < 3; i++) seen.add(resolveParams(s, {}, { randomize: true, pick: () => i % 3 }).namespace!);
    assert.deepEqual([...seen].sort(), ['demo-a', 'demo-b', 'demo-c']);
    assert.equal(resolveParams(s, { namespace: 'demo-b' }, { randomize: true, pick: () => 0 }).namespace, 'demo-b', 'a given value wins');
  });

  it('refuses an undeclared name, an unsafe value, and a value outside the choices, naming the parameter', () => {
    const s = load();
    assert.throws(() => resolveParams(s, { nope: 'x' }), /has no parameter 'nope' \(it has: namespace, configName\)/);
    assert.throws(() => resolveParams(s, { namespace: 'a b;rm -rf /' }), /parameter namespace: .* is not a safe value/);
    assert.throws(() => resolveParams(s, { namespace: 'other' }), /namespace must be one of demo-a, demo-b, demo-c/);
  });

  it('the loader refuses templates and variables that name no parameter, unused parameters and defaults outside their choices', () => {
    assert.ok(
      problemsAfter('README.md', (t) => t + '\nUse {{nameSpace}} here.\n').some((p) => /README\.md:5: \{\{nameSpace\}\} is not a declared parameter/.test(p)),
      'README typo',
    );
    assert.ok(problemsAfter('scenario.yaml', (t) => t.replace('{{namespace|regex}}', () => '{{namespace|upper}}')).some((p) => /unknown filter 'upper'/.test(p)));
    assert.ok(problemsAfter('solution.sh', (t) => t.replace('PARAM_CONFIG_NAME', 'PARAM_CONFIGNAME')).some((p) => /solution\.sh:3: \$PARAM_CONFIGNAME is not a declared parameter/.test(p)));
    assert.ok(
      problemsAfter('scenario.yaml', (t) => t.replace('  configName:\n', '  unused:\n    description: nothing\n    default: x\n  configName:\n')).some((p) => /parameter 'unused' is declared but used nowhere/.test(p)),
    );
    assert.ok(problemsAfter('scenario.yaml', (t) => t.replace('default: demo-a', 'default: demo-z')).some((p) => /default 'demo-z' must be one of its choices/.test(p)));
    assert.ok(problemsAfter('scenario.yaml', (t) => t.replace('default: demo-a', "default: 'demo a'")).some((p) => /parameters\.namespace\.default/.test(p)), 'schema: unsafe default');
  });
});
