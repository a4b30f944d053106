/** `cks-lab scenarios list` and `cks-lab validate` on the repo's scenarios and on a broken copy. */
import assert from 'node:assert/strict';
import { cpSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, runCli, tempDir } from './cliHelpers.js';
import { inspectLabs } from '../../server/clusters/labs.js';

/** Labs in the repo (validate reports them too). */
const LABS = inspectLabs(join(ROOT, 'labs')).labs.size;

const env = process.env;
const repoScenarioCount = readdirSync(join(ROOT, 'scenarios'), { withFileTypes: true }).filter((d) => d.isDirectory()).length;

describe('cks-lab scenarios list', () => {
  it('--json lists init-containers with its domain, difficulty and score', async () => {
    const r = await runCli(['scenarios', 'list', '--json'], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    const { scenarios } = JSON.parse(r.stdout) as { scenarios: Record<string, unknown>[] };
    assert.equal(scenarios.length, repoScenarioCount, 'every scenario folder is listed');
    const s = scenarios.find((x) => x.id === 'init-containers');
    assert.ok(s, 'init-containers is listed');
    assert.equal(s.domain, 'Minimize Microservice Vulnerabilities');
    assert.equal(s.difficulty, 'easy');
    assert.equal(s.lab, 'default');
    assert.equal(s.timeLimitMinutes, 15);
    assert.equal(s.taskCount, 4);
    assert.equal(s.maxScore, 8);
    assert.equal(typeof s.title, 'string');
  });

  it('without --json prints one readable line per scenario', async () => {
    const r = await runCli(['scenarios', 'list'], { env });
    assert.equal(r.code, 0);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines.length, repoScenarioCount);
    assert.match(lines.find((l) => l.startsWith('init-containers')) ?? '', /^init-containers\s+easy\s+15 min\s+Minimize Microservice Vulnerabilities — Repair a Pod/);
  });

  it('anything but `list` is a usage error', async () => {
    const r = await runCli(['scenarios', 'show'], { env });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^cks-lab: usage: cks-lab scenarios list \[--json\]\n$/);
  });
});

describe('cks-lab validate', () => {
  let dir: string;
  before(() => {
    dir = tempDir('cks-cli-validate-');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 0 on the repo scenarios (default folder and given explicitly)', async () => {
    for (const args of [[], [join(ROOT, 'scenarios')]]) {
      const r = await runCli(['validate', ...args], { env });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, '');
      assert.equal(r.stdout, `${repoScenarioCount} scenario(s), ${LABS} lab(s) and ${readdirSync(join(ROOT, 'exams')).filter((f) => f.endsWith('.yaml')).length} exam(s) valid, 0 problem(s)\n`);
    }
  });

  it('exits 1 with `file:line field: message` for a typo\'d field in a copied scenario', async () => {
    const root = join(dir, 'typo');
    cpSync(join(ROOT, 'scenarios', 'init-containers'), join(root, 'init-containers'), { recursive: true });
    const file = join(root, 'init-containers', 'scenario.yaml');
    const lines = readFileSync(file, 'utf8').split('\n');
    // The second task's `weight:` becomes `wieght:`.
    const weightLines = lines.flatMap((l, i) => (/^    weight: /.test(l) ? [i] : []));
    const at = weightLines[1]!;
    lines[at] = lines[at]!.replace('weight:', 'wieght:');
    writeFileSync(file, lines.join('\n'));

    const r = await runCli(['validate', root], { env });
    assert.equal(r.code, 1);
    assert.equal(r.stdout, `0 scenario(s) and ${LABS} lab(s) valid, 1 problem(s)\n`);
    const problems = r.stderr.trimEnd().split('\n');
    assert.equal(problems.length, 1, r.stderr);
    const m = /^(.+?):(\d+)(?::(\d+))? (\S+): (.+)$/.exec(problems[0]!);
    assert.ok(m, `file:line field: message, got ${problems[0]}`);
    const [, where, line, column, field, message] = m;
    assert.equal(where, file);
    assert.equal(Number(line), at + 1, 'the line of the typo');
    if (column !== undefined) assert.equal(Number(column), lines[at]!.indexOf('wieght') + 1);
    assert.equal(field, 'tasks[1].wieght');
    assert.match(message!, /unknown field 'wieght'.*did you mean 'weight'/);
  });

  it('reports every broken scenario and still counts the valid ones', async () => {
    const root = join(dir, 'mixed');
    cpSync(join(ROOT, 'scenarios', 'init-containers'), join(root, 'init-containers'), { recursive: true });
    cpSync(join(ROOT, 'scenarios', 'init-containers'), join(root, 'broken'), { recursive: true });
    const file = join(root, 'broken', 'scenario.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('id: init-containers', 'id: broken').replace('difficulty: easy', 'difficulty: trivial'));
    const r = await runCli(['validate', root], { env });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^1 scenario\(s\) and \d+ lab\(s\) valid, [1-9]\d* problem\(s\)\n$/);
    assert.match(r.stderr, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+(:\\d+)? difficulty: .*`, 'm'));
    assert.doesNotMatch(r.stderr, /init-containers\/scenario\.yaml/, 'the good copy has no problems');
  });

  it('validates one scenario when given its own folder', async () => {
    const r = await runCli(['validate', join(ROOT, 'scenarios', 'init-containers')], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `1 scenario(s) and ${LABS} lab(s) valid, 0 problem(s)\n`);
  });

  it('a folder that does not exist is an error, not "0 problems"', async () => {
    const r = await runCli(['validate', join(dir, 'nowhere')], { env });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /nowhere.*cannot be read/);
  });
});
