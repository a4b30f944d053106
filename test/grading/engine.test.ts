import { strict as assert } from 'node:assert';
import { defaultCheckRunners, register } from '../../server/grading/checks/index.js';
import { CheckEngine } from '../../server/grading/engine.js';
import { formatText, toGradeJson } from '../../server/grading/format.js';
import { ProbeError, type ClusterProbes } from '../../server/grading/types.js';
import { createSilentLogger } from '../../server/log/index.js';
import type { Check } from '../../server/scenarios/types.js';
import { fakeProbes } from './fakeProbes.js';
import { namespace, nsExists, scenario, task } from './scenarioFixture.js';

const engine = (opts: Partial<ConstructorParameters<typeof CheckEngine>[0]> = {}) => new CheckEngine({ logger: createSilentLogger(), ...opts });

describe('CheckEngine', () => {
  it('scores the weights of passed tasks; a task passes only if all its checks pass', async () => {
    const s = scenario([
      task('a', 2, [nsExists('a1', 'init-lab')]),
      task('b', 3, [nsExists('b1', 'init-lab'), nsExists('b2', 'missing')]),
      task('c', 5, [nsExists('c1', 'vault')]),
    ]);
    const r = await engine().grade(s, fakeProbes({ objects: [namespace('init-lab'), namespace('vault')] }));
    assert.deepEqual(
      r.tasks.map((t) => [t.id, t.passed]),
      [['a', true], ['b', false], ['c', true]],
    );
    assert.equal(r.score, 7);
    assert.equal(r.maxScore, 10);
    assert.equal(r.passed, false);
    assert.equal(r.tasks[1]?.checks[1]?.actual, 'Namespace missing not found');
  });

  it('passes the scenario when every task passes', async () => {
    const r = await engine().grade(scenario([task('a', 1, [nsExists('a1', 'x')])]), fakeProbes({ objects: [namespace('x')] }));
    assert.equal(r.passed, true);
    assert.equal(r.score, 1);
  });

  it('turns a throwing probe into an error result without aborting the grade', async () => {
    const probes = fakeProbes({ objects: [namespace('ok')] });
    const broken: ClusterProbes = {
      ...probes,
      getObject: async (ref) => {
        if (ref.name === 'boom') throw new ProbeError('cannot reach the cluster API at https://127.0.0.1:6443: connection refused');
        if (ref.name === 'bug') throw new TypeError('x is undefined');
        return probes.getObject(ref);
      },
    };
    const r = await engine().grade(scenario([task('a', 1, [nsExists('a1', 'boom'), nsExists('a2', 'bug')]), task('b', 1, [nsExists('b1', 'ok')])]), broken);
    const [boom, bug] = r.tasks[0]!.checks;
    assert.equal(boom?.status, 'error');
    assert.match(boom!.message, /connection refused/);
    assert.equal(bug?.status, 'error');
    assert.match(bug!.message, /x is undefined/);
    assert.equal(r.tasks[1]?.passed, true);
    assert.equal(r.score, 1);
  });

  it('times out a hanging check with an error and aborts its signal', async () => {
    let aborted = false;
    const runners = defaultCheckRunners();
    register(runners, 'object', (_check, _probes, signal) => {
      signal.addEventListener('abort', () => (aborted = true));
      return new Promise(() => undefined);
    });
    const started = Date.now();
    const r = await engine({ runners }).grade(scenario([task('a', 1, [nsExists('a1', 'x', 100)])]), fakeProbes());
    assert.ok(Date.now() - started < 2000);
    assert.equal(r.tasks[0]?.checks[0]?.status, 'error');
    assert.match(r.tasks[0]!.checks[0]!.message, /check timed out after 0\.1s/);
    assert.ok(aborted);
  });

  it('uses the default timeout when a check sets none', async () => {
    const hang: ClusterProbes = { ...fakeProbes(), getObject: () => new Promise(() => undefined) };
    const r = await engine({ defaultTimeoutMs: 50 }).grade(scenario([task('a', 1, [nsExists('a1', 'x')])]), hang);
    assert.match(r.tasks[0]!.checks[0]!.message, /timed out after 0\.1s|timed out after 0\.05s|timed out/);
    assert.equal(r.tasks[0]?.checks[0]?.status, 'error');
  });

  it('runs checks of all tasks concurrently', async () => {
    const n = 12;
    const latencyMs = 50;
    const tasks = Array.from({ length: n / 3 }, (_, t) => task(`t${t}`, 1, [0, 1, 2].map((c) => nsExists(`t${t}c${c}`, 'x'))));
    const probes = fakeProbes({ objects: [namespace('x')], latencyMs });
    const started = Date.now();
    const r = await engine().grade(scenario(tasks), probes);
    const elapsed = Date.now() - started;
    assert.equal(probes.calls, n);
    assert.equal(r.score, n / 3);
    assert.ok(elapsed < 0.4 * n * latencyMs, `took ${elapsed} ms, serial would be ${n * latencyMs} ms`);
  });

  it('reports an unknown check type as an error', async () => {
    const odd = { id: 'x', type: 'crystalBall', description: 'crystal ball' } as unknown as Check;
    const r = await engine().grade(scenario([task('a', 1, [odd])]), fakeProbes());
    assert.equal(r.tasks[0]?.checks[0]?.status, 'error');
    assert.match(r.tasks[0]!.checks[0]!.message, /unknown check type "crystalBall"/);
  });

  it('accepts TypeScript-registered check types', async () => {
    const runners = defaultCheckRunners();
    register(runners, 'custom', async () => ({ status: 'pass', message: 'custom ok', expected: 'x', actual: 'x' }));
    const custom = { id: 'x', type: 'custom', description: 'custom' } as unknown as Check;
    const r = await engine({ runners }).grade(scenario([task('a', 1, [custom])]), fakeProbes());
    assert.equal(r.passed, true);
  });

  it('records when and how long', async () => {
    let t = 1_700_000_000_000;
    const r = await engine({ now: () => new Date((t += 250)) }).grade(scenario([task('a', 1, [])]), fakeProbes());
    assert.equal(r.gradedAt, new Date(1_700_000_000_250).toISOString());
    assert.equal(r.durationMs, 250);
    assert.equal(r.tasks[0]?.passed, false, 'a task without checks proves nothing');
  });
});

describe('toGradeJson', () => {
  it('has exactly the keys of the ⚑ contract, in order', async () => {
    const r = await engine().grade(
      scenario([task('a', 2, [nsExists('a1', 'x')]), task('b', 5, [nsExists('b1', 'y')])], 'encryption-at-rest'),
      fakeProbes({ objects: [namespace('x')] }),
    );
    const json = toGradeJson(r);
    assert.deepEqual(Object.keys(json), ['scenario', 'passed', 'score', 'maxScore', 'tasks']);
    assert.deepEqual(Object.keys(json.tasks[0]!), ['id', 'title', 'weight', 'passed', 'checks', 'hint']);
    assert.deepEqual(Object.keys(json.tasks[0]!.checks[0]!), ['id', 'passed', 'message', 'expected', 'actual', 'status']);
    assert.deepEqual(JSON.parse(JSON.stringify(json)), {
      scenario: 'encryption-at-rest',
      passed: false,
      score: 2,
      maxScore: 7,
      tasks: [
        {
          id: 'a',
          title: 'Task a',
          weight: 2,
          passed: true,
          checks: [{ id: 'a1', passed: true, message: 'namespace x exists', expected: 'Namespace x exists', actual: 'Namespace x matches', status: 'pass' }],
          hint: 'hint for a',
        },
        {
          id: 'b',
          title: 'Task b',
          weight: 5,
          passed: false,
          checks: [{ id: 'b1', passed: false, message: 'namespace y exists: Namespace y not found', expected: 'Namespace y exists', actual: 'Namespace y not found', status: 'fail' }],
          hint: 'hint for b',
        },
      ],
    });
  });
});

describe('formatText', () => {
  it('prints a line per check with expected vs found for failures', async () => {
    const r = await engine().grade(scenario([task('a', 2, [nsExists('a1', 'x')]), task('b', 1, [nsExists('b1', 'y')])]), fakeProbes({ objects: [namespace('x')] }));
    const text = formatText(r);
    assert.match(text, /^init-containers: 2\/3\n/);
    assert.match(text, /✔ Task a \(2 points\)\n {4}✔ namespace x exists\n/);
    assert.match(text, /✘ Task b \(1 point\)\n {4}✘ namespace y exists: Namespace y not found\n {8}expected: Namespace y exists\n {8}found: {4}Namespace y not found\n {4}hint: hint for b/);
    assert.doesNotMatch(text, /\x1b\[/);
    assert.match(formatText(r, { color: true }), /\x1b\[31m✘/);
  });
});
