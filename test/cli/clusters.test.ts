/** `cks-lab clusters create|list|delete` against the fake kind and docker. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fakeClusterWorld } from '../helpers/fakeCluster.js';
import { assertOneLineError, envWithoutKind, runCli, tempDir } from './cliHelpers.js';

describe('cks-lab clusters (on the fakes)', function () {
  this.timeout(120_000);
  const world = fakeClusterWorld();
  const work = tempDir('cks-cli-clusters-');
  const dataDir = join(work, 'data');
  const env = { ...world.env, CKS_DATA_DIR: dataDir };
  const cli = (...args: string[]) => runCli(['clusters', ...args], { env });
  const name = 'cks-cli-made';
  after(async () => {
    await world.cleanup();
    rmSync(work, { recursive: true, force: true });
  });

  it('list with no clusters prints nothing and exits 0', async () => {
    const r = await cli('list');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
  });

  it('create NAME --lab default makes a cluster whose node is Ready, reporting progress on stderr', async () => {
    const r = await cli('create', name, '--lab', 'default');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${name}\n`, 'stdout is just the name (scriptable)');
    const progress = r.stderr.trimEnd().split('\n');
    assert.ok(progress.length >= 2, `progress lines on stderr:\n${r.stderr}`);
    assert.ok(progress.every((l) => /^[•✓✗] \S/.test(l)), `every stderr line is a progress line:\n${r.stderr}`);
    assert.ok(progress.some((l) => /^✓ .*Ready/.test(l)), 'ends with the node Ready');
    assert.ok(!progress.some((l) => l.startsWith('✗')), 'no failed step');
    assert.deepEqual(await world.provider.list(), [name], 'kind knows the cluster');
    assert.ok(existsSync(join(dataDir, 'kubeconfigs', `${name}.kubeconfig`)), 'kind wrote its kubeconfig into the data dir, not ~/.kube/config');
    // Its credentials were captured at creation, readable by the operator only.
    const credentials = join(dataDir, 'kubeconfigs', `${name}.credentials`);
    assert.equal(statSync(credentials).mode & 0o777, 0o600);
    // And it is a working cluster: its API answers.
    const probes = world.probesFor(name, readFileSync(credentials, 'utf8'));
    assert.ok(await probes.getObject({ apiVersion: 'v1', kind: 'Namespace', name: 'default' }));
  });

  it('list prints the cluster, one name per line', async () => {
    const r = await cli('list');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${name}\n`);
  });

  it('create refuses an unknown lab (naming the labs there are) and a bad name, before running kind', async () => {
    assertOneLineError(await cli('create', 'cks-cli-other', '--lab', 'nope'), /--lab must be one of: .*\bdefault\b/);
    assertOneLineError(await cli('create', 'Bad_Name', '--lab', 'default'), /cluster name must be .*\(got "Bad_Name"\)/);
    assertOneLineError(await cli('create', '--lab', 'default'), /cluster name must be/);
    assert.deepEqual(await world.provider.list(), [name], 'no cluster was made');
  });

  it('delete NAME removes it; deleting again is fine (kind is idempotent)', async () => {
    const r = await cli('delete', name);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await world.provider.list(), []);
    assert.equal((await cli('list')).stdout, '');
    const again = await cli('delete', name);
    assert.equal(again.code, 0, again.stderr);
  });

  it('delete with a bad name, an unknown subcommand, or no kind on PATH: exit 2, one line', async () => {
    assertOneLineError(await cli('delete', 'Bad_Name'), /cluster name must be/);
    assertOneLineError(await cli('resize', name), /usage: cks-lab clusters list \| create <name> --lab <lab> \| delete <name>/);
    assertOneLineError(await runCli(['clusters', 'list'], { env: envWithoutKind(env) }), /kind was not found on PATH\. Install kind/);
  });
});
