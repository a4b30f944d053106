/** `cks-lab prove` and `cks-lab new` against the fakes of kind/docker/API. */
import assert from 'node:assert/strict';
import { cpSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fakeClusterWorld } from '../helpers/fakeCluster.js';
import { ROOT, runCli, tempDir } from './cliHelpers.js';

describe('cks-lab prove / new', function () {
  this.timeout(120_000);
  const world = fakeClusterWorld();
  const dirs: string[] = [];
  after(async () => {
    await world.cleanup();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  function scenariosCopy(): string {
    const dir = tempDir('cks-prove-');
    dirs.push(dir);
    cpSync(join(ROOT, 'scenarios/init-containers'), join(dir, 'init-containers'), { recursive: true });
    cpSync(join(ROOT, 'scenarios/schema.json'), join(dir, 'schema.json'));
    return dir;
  }

  it('proves init-containers: exit 0 and a summary table', async () => {
    const r = await runCli(['prove', 'init-containers'], { env: { ...world.env, CKS_DATA_DIR: tempDir('cks-pd-') } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^scenario\s+after setup\s+after solution\s+result$/m);
    assert.match(r.stdout, /^init-containers\s+0\/4 passed\s+4\/4 passed\s+proven$/m);
    assert.match(r.stderr, /✓ Installing CNI/);
    assert.deepEqual(await world.provider.list(), [], 'its cluster is deleted');
  });

  it('exits non-zero and names the task when the reference solution is wrong', async () => {
    const dir = scenariosCopy();
    const solution = join(dir, 'init-containers/solution.sh');
    writeFileSync(solution, readFileSync(solution, 'utf8').replace('image: busybox:1.36.1', 'image: busybox'));
    const r = await runCli(['prove', 'init-containers'], { env: { ...world.env, CKS_SCENARIOS_DIR: dir, CKS_DATA_DIR: tempDir('cks-pd-') } });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /init-containers\s+0\/4 passed\s+3\/4 passed\s+NOT PROVEN/);
    assert.match(r.stdout, /init-containers: task init-spec fails after the reference solution: .*busybox/);
  });

  it('says when a task already passes right after setup', async () => {
    const dir = scenariosCopy();
    const setup = join(dir, 'init-containers/setup.sh');
    writeFileSync(setup, readFileSync(setup, 'utf8') + '\nbash /dev/stdin <<\'EOS\'\n' + readFileSync(join(ROOT, 'scenarios/init-containers/solution.sh'), 'utf8') + '\nEOS\n');
    const r = await runCli(['prove', 'init-containers'], { env: { ...world.env, CKS_SCENARIOS_DIR: dir, CKS_DATA_DIR: tempDir('cks-pd-') } });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /task page-served already passes right after setup/);
  });

  it('unknown scenario: exit 2 with one line', async () => {
    const r = await runCli(['prove', 'nope'], { env: world.env });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^cks-lab: Unknown scenario "nope"/);
  });

  it('new scaffolds a scenario that validates and proves', async () => {
    const dir = scenariosCopy();
    const made = await runCli(['new', 'my-first-lab', '--dir', dir], { env: world.env });
    assert.equal(made.code, 0, made.stderr);
    assert.equal(made.stdout.trim(), join(dir, 'my-first-lab'));
    assert.ok((statSync(join(dir, 'my-first-lab/setup.sh')).mode & 0o111) !== 0, 'scripts are executable');
    const valid = await runCli(['validate', dir], { env: world.env });
    assert.equal(valid.code, 0, valid.stderr);
    const proven = await runCli(['prove', 'my-first-lab'], { env: { ...world.env, CKS_SCENARIOS_DIR: dir, CKS_DATA_DIR: tempDir('cks-pd-') } });
    assert.equal(proven.code, 0, proven.stdout + proven.stderr);
    const again = await runCli(['new', 'my-first-lab', '--dir', dir], { env: world.env });
    assert.equal(again.code, 2);
    const bad = await runCli(['new', 'Bad_Name', '--dir', dir], { env: world.env });
    assert.equal(bad.code, 2);
  });
});
