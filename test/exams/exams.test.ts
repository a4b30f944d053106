/**
 * Mock exam definitions and the plan of one attempt: questions drawn by domain or by curriculum
 * weight, parameters drawn per attempt, and questions that change the same shared state (or need
 * another lab) kept on different clusters, within the exam's cluster budget.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAppError } from '../../server/errors.js';
import { loadExams, planExam, seededPick, type ExamDefinition } from '../../server/exams/index.js';
import { CURRICULUM, questionsByWeight } from '../../server/scenarios/curriculum.js';
import { formatProblem, loadCatalog, ScenarioCatalog, type Scenario } from '../../server/scenarios/index.js';
import { runCli } from '../cli/cliHelpers.js';
import { ROOT } from '../helpers/testServer.js';

const repo = new ScenarioCatalog(loadCatalog(join(ROOT, 'scenarios'), { labsDir: join(ROOT, 'labs') }).scenarios);

/** A catalog of made-up scenarios: `n` per domain, on `lab`, touching what `touches` says. */
function fakeCatalog(n: number, touches: (domain: string, i: number) => string[] = () => [], lab = 'default'): ScenarioCatalog {
  const base = repo.require('init-containers');
  const list: Scenario[] = CURRICULUM.flatMap(({ domain }, d) =>
    Array.from({ length: n }, (_, i) => ({ ...base, id: `s${d}-${i}`, domain, lab, touches: touches(domain, i) as Scenario['touches'] })),
  );
  return new ScenarioCatalog(list);
}

function exam(over: Partial<ExamDefinition>): ExamDefinition {
  return { id: 'x', title: 'x', description: '', durationMinutes: 120, passPercent: 67, reviewMinutes: 30, maxClusters: 3, randomizeParams: true, questions: [], file: 'x.yaml', ...over };
}

function examsFrom(yaml: Record<string, string>, catalog = repo) {
  const dir = mkdtempSync(join(tmpdir(), 'cks-exams-'));
  try {
    for (const [name, text] of Object.entries(yaml)) writeFileSync(join(dir, `${name}.yaml`), text);
    const r = loadExams(dir, catalog);
    return { exams: r.exams, problems: r.problems.map(formatProblem) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('mock exams', () => {
  it('the curriculum weights split an exam by largest remainders, adding up exactly', () => {
    const split = questionsByWeight(16); // shares 2.4, 2.4, 1.6, 3.2, 3.2, 3.2
    assert.equal([...split.values()].reduce((a, b) => a + b, 0), 16);
    assert.deepEqual(Object.fromEntries(split), {
      'Cluster Setup': 3,
      'Cluster Hardening': 2,
      'System Hardening': 2,
      'Minimize Microservice Vulnerabilities': 3,
      'Supply Chain Security': 3,
      'Monitoring, Logging and Runtime Security': 3,
    });
    assert.deepEqual([...questionsByWeight(20).values()], [3, 3, 2, 4, 4, 4]);
  });

  it('the shipped exams load and plan with the repo’s scenarios', () => {
    const { exams, problems } = loadExams(join(ROOT, 'exams'), repo);
    assert.deepEqual(problems, []);
    assert.ok(exams.length >= 1);
    for (const e of exams) {
      const p = planExam(e, repo, { clusterMemoryMiB: 1024, pick: seededPick(7) });
      assert.ok(p.clusters.length <= e.maxClusters);
      assert.equal(p.memoryMiB, p.clusters.length * 1024);
    }
  });

  it('keeps questions that change the same shared state, or need another lab, off one cluster', () => {
    const catalog = new ScenarioCatalog([
      { ...repo.require('encryption-at-rest') },
      { ...repo.require('init-containers') },
      { ...repo.require('encryption-at-rest'), id: 'audit-like', touches: ['kube-apiserver', 'audit'] },
      { ...repo.require('runtimeclass-gvisor') },
    ]);
    const p = planExam(exam({ questions: [{ scenario: 'encryption-at-rest' }, { scenario: 'init-containers' }, { scenario: 'audit-like' }, { scenario: 'runtimeclass-gvisor' }] }), catalog, { clusterMemoryMiB: 1024 });
    const on = Object.fromEntries(p.questions.map((q) => [q.scenarioId, q.cluster]));
    assert.equal(on['encryption-at-rest'], on['init-containers'], 'nothing collides: same cluster');
    assert.notEqual(on['audit-like'], on['encryption-at-rest'], 'both edit kube-apiserver');
    assert.notEqual(on['runtimeclass-gvisor'], on['encryption-at-rest'], 'another lab');
    assert.deepEqual(p.clusters.map((c) => c.name), ['cks1', 'cks2', 'cks3']);
    assert.throws(
      () => planExam(exam({ maxClusters: 2, questions: [{ scenario: 'encryption-at-rest' }, { scenario: 'audit-like' }, { scenario: 'runtimeclass-gvisor' }] }), catalog, { clusterMemoryMiB: 1024 }),
      (e: unknown) => isAppError(e) && /needs 3 clusters .* more than its maxClusters 2: cks1: lab default, kube-apiserver/.test(e.message),
    );
  });

  it('draws by curriculum weight without repeating a scenario, reproducibly from a seed, and says when the catalog is too small', () => {
    const catalog = fakeCatalog(5, (_domain, i) => (i % 2 === 0 ? ['kube-apiserver'] : []));
    const def = exam({ drawByCurriculum: { total: 16 }, maxClusters: 20 });
    const a = planExam(def, catalog, { clusterMemoryMiB: 1024, pick: seededPick(42) });
    const b = planExam(def, catalog, { clusterMemoryMiB: 1024, pick: seededPick(42) });
    assert.deepEqual(a, b, 'same seed, same exam');
    assert.equal(new Set(a.questions.map((q) => q.scenarioId)).size, 16, 'no scenario twice');
    for (const [domain, n] of questionsByWeight(16)) assert.equal(a.questions.filter((q) => q.domain === domain).length, n, domain);
    const others = new Set([1, 2, 3, 4, 5].map((seed) => planExam(def, catalog, { clusterMemoryMiB: 1024, pick: seededPick(seed) }).questions.map((q) => q.scenarioId).join()));
    assert.ok(others.size > 1, 'other seeds draw other exams: a set cannot be memorised');
    assert.throws(() => planExam(def, fakeCatalog(2), { clusterMemoryMiB: 1024 }), /draws more "Cluster Setup" questions than the catalog has scenarios for \(2\); add scenarios of that domain/);
  });

  it('draws again when a draw would need more clusters than the exam allows; a fixed exam that cannot fit is refused', () => {
    // Half the scenarios of each domain change kube-apiserver: a draw with two of those needs two clusters.
    const catalog = fakeCatalog(4, (_domain, i) => (i < 2 ? ['kube-apiserver'] : []));
    const def = exam({ drawByCurriculum: { total: 6 }, maxClusters: 1 });
    for (const seed of [1, 2, 3, 4, 5]) {
      const plan = planExam(def, catalog, { clusterMemoryMiB: 1024, pick: seededPick(seed) });
      assert.equal(plan.clusters.length, 1, `seed ${seed}: a draw that fits one cluster`);
      assert.ok(plan.questions.filter((q) => Number(q.scenarioId.split('-')[1]) < 2).length <= 1, 'at most one kube-apiserver question');
    }
    const fixed = exam({ questions: [{ scenario: 's0-0' }, { scenario: 's1-0' }], maxClusters: 1 });
    assert.throws(() => planExam(fixed, catalog, { clusterMemoryMiB: 1024 }), /needs 2 clusters .*more than its maxClusters 1: cks1: lab default, kube-apiserver \(questions 1\); cks2/);
  });

  it('refuses bad definitions, naming the file, line and field', () => {
    const { problems } = examsFrom({
      bad: [
        'id: other',
        'title: ""',
        'durationMinutes: 5',
        'questions:',
        '  - scenario: nope',
        '  - scenario: init-containers',
        '  - scenario: init-containers',
        '  - draw: { domain: Cooking }',
        '  - { scenario: init-containers, draw: { domain: Cluster Setup } }',
        'surprise: 1',
      ].join('\n'),
      both: 'id: both\ntitle: t\ndurationMinutes: 60\nquestions: [{ scenario: init-containers }]\ndrawByCurriculum: { total: 5 }\n',
    });
    const want = [
      /both\.yaml.*either `questions`/,
      /bad\.yaml:1:\d+ id: id 'other' must equal the file name 'bad\.yaml'/,
      /bad\.yaml:2:\d+ title: title is 1 to 120 characters/,
      /bad\.yaml:3:\d+ durationMinutes: durationMinutes is a whole number from 10 to 240/,
      /bad\.yaml:5:\d+ questions\[0\]\.scenario: unknown scenario 'nope'/,
      /bad\.yaml:7:\d+ questions\[2\]\.scenario: scenario 'init-containers' is already questions\[1\]/,
      /bad\.yaml:8:\d+ questions\[3\]\.draw\.domain: draw\.domain is one of/,
      /bad\.yaml:9:\d+ questions\[4\]: a question is/,
      /bad\.yaml:10:\d+ surprise: unknown field 'surprise'/,
    ];
    for (const w of want) assert.ok(problems.some((p) => w.test(p)), `${w} in:\n${problems.join('\n')}`);
  });

  it('cks-lab exams list and plan show what an attempt needs before it starts', async () => {
    const list = await runCli(['exams', 'list', '--json'], { env: process.env });
    assert.equal(list.code, 0, list.stderr);
    const starter = (JSON.parse(list.stdout).exams as { id: string; clusters: number; memoryMiB: number; questions: number }[]).find((e) => e.id === 'starter-fixed');
    assert.ok(starter && starter.questions === 4 && starter.clusters === 2 && starter.memoryMiB === 2048, list.stdout);
    const plan = await runCli(['exams', 'plan', 'starter-fixed', '--seed', '1'], { env: process.env });
    assert.equal(plan.code, 0, plan.stderr);
    assert.match(plan.stdout, /1\. encryption-at-rest \(Cluster Setup, \d+ points\) on cks1/);
    assert.match(plan.stdout, /cks1: lab default, changes kube-apiserver/);
    const bad = await runCli(['exams', 'plan', 'nope'], { env: process.env });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /exams plan needs the id of an exam: cks-curriculum, starter-fixed/);
  });
});
