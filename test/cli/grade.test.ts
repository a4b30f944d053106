/**
 * `cks-lab grade` end to end on one shared cluster: the real CLI (main() in-process, and the
 * built bin once per state) against fake kind/docker and the fake API server with its simulated
 * kubelet. The cluster is graded right after the scenario's setup (every task must fail) and
 * again after its reference solution (every task must pass).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadLabs } from '../../server/clusters/index.js';
import { runNodeScript } from '../../server/proving/index.js';
import { ScenarioCatalog, loadCatalog } from '../../server/scenarios/index.js';
import { fakeClusterWorld } from '../helpers/fakeCluster.js';
import { ANSI, ROOT, assertOneLineError, ensureBuilt, envWithoutKind, runBin, runCli, tempDir } from './cliHelpers.js';
import { elements, parseXml, textOf, type XmlElement } from './xml.js';

const catalog = new ScenarioCatalog(loadCatalog(join(ROOT, 'scenarios'), { labsDir: join(ROOT, 'labs') }).scenarios);
const scenario = catalog.require('init-containers');
const lab = loadLabs(join(ROOT, 'labs')).get('default')!;
const MAX_SCORE = scenario.tasks.reduce((n, t) => n + t.weight, 0);

interface CheckJson {
  id: string;
  passed: boolean;
  message: string;
  expected: string;
  actual: string;
  status?: string;
}
interface TaskJson {
  id: string;
  title: string;
  weight: number;
  passed: boolean;
  checks: CheckJson[];
  hint?: string;
}
interface GradeJson {
  scenario: string;
  passed: boolean;
  score: number;
  maxScore: number;
  tasks: TaskJson[];
}

const sorted = (o: object) => Object.keys(o).sort();

/** The ⚑ grade JSON contract, checked key by key and against the scenario's own definition. */
function assertGradeJson(value: unknown): GradeJson {
  assert.ok(value && typeof value === 'object' && !Array.isArray(value), 'one JSON object for one scenario');
  const g = value as GradeJson;
  assert.deepEqual(sorted(g), ['maxScore', 'passed', 'scenario', 'score', 'tasks']);
  assert.equal(g.scenario, 'init-containers');
  assert.equal(typeof g.passed, 'boolean');
  assert.ok(Number.isInteger(g.score) && Number.isInteger(g.maxScore));
  assert.equal(g.maxScore, MAX_SCORE);
  assert.ok(Array.isArray(g.tasks));
  // Same tasks, in the order the scenario declares them.
  assert.deepEqual(
    g.tasks.map((t) => [t.id, t.title, t.weight]),
    scenario.tasks.map((t) => [t.id, t.title, t.weight]),
  );
  for (const t of g.tasks) {
    const keys = sorted(t).filter((k) => k !== 'hint'); // hint: an optional extra for learners
    assert.deepEqual(keys, ['checks', 'id', 'passed', 'title', 'weight'], `task ${t.id} keys`);
    if ('hint' in t) assert.equal(typeof t.hint, 'string');
    assert.equal(typeof t.passed, 'boolean');
    const def = scenario.tasks.find((d) => d.id === t.id)!;
    assert.deepEqual(t.checks.map((c) => c.id), def.checks.map((c) => c.id), `task ${t.id} checks`);
    for (const c of t.checks) {
      const ckeys = sorted(c).filter((k) => k !== 'status'); // status pass|fail|error: an optional extra
      assert.deepEqual(ckeys, ['actual', 'expected', 'id', 'message', 'passed'], `check ${c.id} keys`);
      assert.equal(typeof c.passed, 'boolean');
      for (const k of ['message', 'expected', 'actual'] as const) assert.equal(typeof c[k], 'string', `check ${c.id}.${k}`);
      assert.ok(c.message.length > 0, `check ${c.id} says what it checked`);
      if (c.status !== undefined) assert.equal(c.passed, c.status === 'pass');
    }
    assert.equal(t.passed, t.checks.every((c) => c.passed), `task ${t.id} passes exactly when all its checks do`);
  }
  assert.equal(g.score, g.tasks.filter((t) => t.passed).reduce((n, t) => n + t.weight, 0), 'score = weights of passed tasks');
  assert.equal(g.passed, g.tasks.every((t) => t.passed));
  return g;
}

/** The JUnit report's structure, tied to the grade JSON of the same cluster state. */
function assertJunit(xml: string, grade: GradeJson): XmlElement {
  const doc = parseXml(xml);
  assert.equal(doc.declaration?.version, '1.0');
  assert.equal(doc.root.name, 'testsuites');
  const suites = elements(doc.root);
  assert.deepEqual(suites.map((s) => s.name), ['testsuite']);
  const suite = suites[0]!;
  assert.equal(suite.attrs.name, 'init-containers');
  assert.equal(suite.attrs.tests, '4');
  const cases = elements(suite, 'testcase');
  assert.equal(cases.length, grade.tasks.length, 'one testcase per task');
  assert.ok(elements(suite).every((e) => e.name === 'testcase' || e.name === 'properties'), 'nothing but properties and testcases');
  const outcome = (c: XmlElement) => elements(c).filter((e) => e.name === 'failure' || e.name === 'error');
  const failures = cases.filter((c) => outcome(c)[0]?.name === 'failure').length;
  const errors = cases.filter((c) => outcome(c)[0]?.name === 'error').length;
  assert.equal(suite.attrs.failures, String(failures));
  assert.equal(suite.attrs.errors ?? '0', String(errors));
  assert.equal(doc.root.attrs.tests, '4');
  assert.equal(doc.root.attrs.failures, String(failures));
  assert.equal(doc.root.attrs.errors ?? '0', String(errors));

  grade.tasks.forEach((task, i) => {
    const tc = cases[i]!;
    assert.equal(tc.attrs.classname, 'init-containers');
    assert.ok(tc.attrs.name?.includes(task.id) && tc.attrs.name.includes(task.title), `testcase name ${tc.attrs.name} names task ${task.id}`);
    const out = outcome(tc);
    if (task.passed) {
      assert.deepEqual(out, [], `passed task ${task.id} has no failure`);
      return;
    }
    assert.equal(out.length, 1, `failed task ${task.id} has one failure/error`);
    const f = out[0]!;
    const bad = task.checks.filter((c) => !c.passed);
    assert.equal(f.attrs.message, bad[0]!.message, 'failure message = the first failed check');
    const body = textOf(f);
    for (const c of bad) {
      assert.ok(body.includes(c.message), `failure body carries check ${c.id}'s message`);
      assert.match(body, new RegExp(`expected: *${escapeRe(c.expected)}`), `… what ${c.id} expected`);
      assert.match(body, new RegExp(`found: *${escapeRe(c.actual)}`), `… and what it found`);
    }
  });
  return suite;
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The text report has a line per check and, for checks that did not pass, expected vs found under it. */
function assertTextReport(text: string, grade: GradeJson): void {
  const lines = text.split('\n');
  assert.match(lines[0]!, new RegExp(`^init-containers: ${grade.score}/${grade.maxScore}\\b`));
  for (const task of grade.tasks) {
    assert.ok(lines.some((l) => l.includes(task.title) && l.includes(`${task.weight} points`)), `a line for task ${task.id}`);
    for (const c of task.checks) {
      const at = lines.findIndex((l) => l.trimEnd().endsWith(c.message));
      assert.ok(at >= 0, `a line for check ${c.id}`);
      if (c.passed) continue;
      assert.match(lines[at + 1]!, new RegExp(`^\\s+expected: ${escapeRe(c.expected || '-')}$`), `expected under ${c.id}`);
      assert.match(lines[at + 2]!, new RegExp(`^\\s+found: +${escapeRe(c.actual || '-')}$`), `found under ${c.id}`);
    }
  }
}

describe('cks-lab grade (against a cluster on the fakes)', function () {
  this.timeout(120_000);
  const world = fakeClusterWorld();
  const cluster = 'cks-cli-grade';
  const work = tempDir('cks-cli-grade-');
  const env = { ...world.env, CKS_DATA_DIR: join(work, 'data') };
  const grade = (...extra: string[]) => runCli(['grade', 'init-containers', '--cluster', cluster, ...extra], { env });

  before(async () => {
    await world.provider.create(cluster, lab, () => undefined);
    await runNodeScript(world.provider, cluster, scenario.setupScript);
  });
  after(async () => {
    await world.cleanup();
    rmSync(work, { recursive: true, force: true });
  });

  describe('right after the scenario setup', () => {
    it('--format json: exit 1 and the ⚑ grade JSON with every task failed', async () => {
      const r = await grade('--format', 'json');
      assert.equal(r.code, 1, r.stderr);
      assert.equal(r.stderr, '');
      const g = assertGradeJson(JSON.parse(r.stdout));
      assert.equal(g.passed, false);
      assert.equal(g.score, 0);
      assert.deepEqual(g.tasks.filter((t) => t.passed).map((t) => t.id), [], 'no task passes before the learner did anything');
      for (const c of g.tasks.flatMap((t) => t.checks)) assert.ok(c.actual.length > 0, `failed check ${c.id} says what it found`);
    });

    it('--format junit --output FILE: a well-formed JUnit report with a failure per task, nothing on stdout', async () => {
      const g = assertGradeJson(JSON.parse((await grade('--format', 'json')).stdout));
      const file = join(work, 'setup-junit.xml');
      const r = await grade('--format', 'junit', '--output', file);
      assert.equal(r.code, 1, r.stderr);
      assert.equal(r.stdout, '', 'the report goes to the file');
      assert.equal(r.stderr, '');
      const suite = assertJunit(readFileSync(file, 'utf8'), g);
      assert.equal(Number(suite.attrs.failures) + Number(suite.attrs.errors ?? 0), 4, 'every task is reported as failed');
    });

    it('--format junit without --output writes the same well-formed report to stdout', async () => {
      const g = assertGradeJson(JSON.parse((await grade('--format', 'json')).stdout));
      const r = await grade('--format', 'junit');
      assert.equal(r.code, 1);
      assertJunit(r.stdout, g);
    });

    it('--format text (the default): a line per check with expected vs found, no colour codes when not a TTY', async () => {
      const g = assertGradeJson(JSON.parse((await grade('--format', 'json')).stdout));
      for (const r of [await grade('--format', 'text'), await grade()]) {
        assert.equal(r.code, 1);
        assert.doesNotMatch(r.stdout, ANSI);
        assertTextReport(r.stdout, g);
      }
    });

    it('colours the text report on a TTY, but never what goes to --output', async () => {
      const tty = await runCli(['grade', 'init-containers', '--cluster', cluster], { env, isTty: true });
      assert.equal(tty.code, 1);
      assert.match(tty.stdout, ANSI);
      const file = join(work, 'report.txt');
      const toFile = await runCli(['grade', 'init-containers', '--cluster', cluster, '--output', file], { env, isTty: true });
      assert.equal(toFile.code, 1);
      assert.doesNotMatch(readFileSync(file, 'utf8'), ANSI);
    });

    it('--kubeconfig FILE grades without asking kind (kind is not even on PATH)', async () => {
      const kubeconfig = join(work, 'cluster.kubeconfig');
      writeFileSync(kubeconfig, await world.provider.kubeconfig(cluster));
      const noKind = envWithoutKind(env);
      const withoutFile = await runCli(['grade', 'init-containers', '--cluster', cluster, '--format', 'json'], { env: noKind });
      assertOneLineError(withoutFile, /kind was not found/);
      const r = await runCli(['grade', 'init-containers', '--cluster', cluster, '--kubeconfig', kubeconfig, '--format', 'json'], { env: noKind });
      assert.equal(r.code, 1, r.stderr);
      const g = assertGradeJson(JSON.parse(r.stdout));
      assert.equal(g.score, 0);
    });

    it('a cluster kind does not know: exit 2, says it does not exist and which clusters do, writes no report', async () => {
      const file = join(work, 'never.xml');
      const r = await runCli(['grade', 'init-containers', '--cluster', 'cks-cli-ghost', '--format', 'junit', '--output', file], { env });
      const line = assertOneLineError(r, /"cks-cli-ghost" does not exist/);
      assert.match(line, new RegExp(`kind get clusters: .*${cluster}`));
      assert.doesNotMatch(line, /could not create/, 'nothing was being created');
      assert.equal(existsSync(file), false);
    });

    it('the built bin exits 1 and prints the grade JSON', async function () {
      this.timeout(240_000);
      await ensureBuilt();
      const r = await runBin(['grade', 'init-containers', '--cluster', cluster, '--format', 'json'], env);
      assert.equal(r.code, 1, r.stderr);
      assert.equal(r.stderr, '');
      assert.equal(assertGradeJson(JSON.parse(r.stdout)).score, 0);
    });
  });

  describe('after the reference solution', () => {
    before(async () => {
      await runNodeScript(world.provider, cluster, scenario.solutionScript);
    });

    it('--format json: exit 0, every task passed, score == maxScore', async () => {
      const r = await grade('--format', 'json');
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.equal(r.stderr, '');
      const g = assertGradeJson(JSON.parse(r.stdout));
      assert.equal(g.passed, true);
      assert.equal(g.score, g.maxScore);
      assert.equal(g.score, 8);
      assert.deepEqual(g.tasks.filter((t) => !t.passed).map((t) => t.id), []);
    });

    it('--format junit --output FILE: no failures or errors, the score recorded', async () => {
      const g = assertGradeJson(JSON.parse((await grade('--format', 'json')).stdout));
      const file = join(work, 'solved-junit.xml');
      const r = await grade('--format', 'junit', '--output', file);
      assert.equal(r.code, 0, r.stderr);
      const suite = assertJunit(readFileSync(file, 'utf8'), g);
      assert.equal(suite.attrs.failures, '0');
      assert.equal(suite.attrs.errors ?? '0', '0');
      const props = elements(suite, 'properties').flatMap((p) => elements(p, 'property'));
      assert.deepEqual(Object.fromEntries(props.map((p) => [p.attrs.name, p.attrs.value])), { score: '8', maxScore: '8' });
    });

    it('--format text: the score line says passed and no check shows expected/found', async () => {
      const r = await grade('--format', 'text');
      assert.equal(r.code, 0);
      assert.match(r.stdout.split('\n')[0]!, /^init-containers: 8\/8\b.*passed/);
      assert.doesNotMatch(r.stdout, /expected:|found:|hint:/);
      assertTextReport(r.stdout, assertGradeJson(JSON.parse((await grade('--format', 'json')).stdout)));
    });

    it('the built bin exits 0', async function () {
      this.timeout(240_000);
      await ensureBuilt();
      const r = await runBin(['grade', 'init-containers', '--cluster', cluster, '--format', 'json'], env);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(assertGradeJson(JSON.parse(r.stdout)).passed, true);
    });
  });
});
