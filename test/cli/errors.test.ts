/**
 * `cks-lab grade` could not grade: exit code 2 and one plain line on stderr saying why (never a
 * stack trace), for every way a CI job can get the call or its environment wrong.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fakeClusterWorld } from '../helpers/fakeCluster.js';
import { assertOneLineError, ensureBuilt, envWithoutKind, runBin, runCli, tempDir } from './cliHelpers.js';

/** A localhost port nothing listens on (bound, then closed again). */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as { port: number };
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

describe('cks-lab grade: could not grade → exit 2 and one line on stderr', function () {
  this.timeout(60_000);
  // Fake kind/docker first on PATH, with no cluster at all.
  const world = fakeClusterWorld();
  const work = tempDir('cks-cli-errors-');
  const env = { ...world.env, CKS_DATA_DIR: join(work, 'data') };
  const grade = (...args: string[]) => runCli(['grade', ...args], { env });
  after(async () => {
    await world.cleanup();
    rmSync(work, { recursive: true, force: true });
  });

  it('unknown scenario: names the scenarios that exist', async () => {
    const line = assertOneLineError(await grade('no-such-scenario', '--cluster', 'cks-x'), /Unknown scenario "no-such-scenario"/);
    assert.match(line, /Known scenarios: .*\binit-containers\b/);
  });

  it('a cluster that does not exist (kind get kubeconfig fails): says so, not that a create failed', async () => {
    const line = assertOneLineError(await grade('init-containers', '--cluster', 'cks-absent'), /cluster "cks-absent" does not exist/);
    assert.match(line, /kind get clusters: none/);
    assert.doesNotMatch(line, /could not create/);
  });

  it('--kubeconfig pointing to a missing file', async () => {
    const missing = join(work, 'nope', 'kubeconfig');
    assertOneLineError(await grade('init-containers', '--cluster', 'cks-x', '--kubeconfig', missing), new RegExp(`--kubeconfig ${missing}: no such file`));
  });

  it('--kubeconfig pointing to a directory', async () => {
    assertOneLineError(await grade('init-containers', '--cluster', 'cks-x', '--kubeconfig', work), /--kubeconfig .*: not a file/);
  });

  it('--kubeconfig that is not a kubeconfig (broken YAML, empty file)', async () => {
    const broken = join(work, 'broken.kubeconfig');
    writeFileSync(broken, 'clusters: [unterminated\n');
    assertOneLineError(await grade('init-containers', '--cluster', 'cks-x', '--kubeconfig', broken), /--kubeconfig .*broken\.kubeconfig is not a usable kubeconfig/);
    const empty = join(work, 'empty.kubeconfig');
    writeFileSync(empty, '');
    assertOneLineError(await grade('init-containers', '--cluster', 'cks-x', '--kubeconfig', empty), /is not a usable kubeconfig/);
  });

  it('a kubeconfig pointing at a closed port: the cluster is unreachable', async () => {
    const port = await closedPort();
    const file = join(work, 'closed.kubeconfig');
    writeFileSync(
      file,
      `apiVersion: v1
kind: Config
clusters: [{ name: gone, cluster: { server: "https://127.0.0.1:${port}", insecure-skip-tls-verify: true } }]
users: [{ name: gone, user: { token: abc } }]
contexts: [{ name: gone, context: { cluster: gone, user: gone } }]
current-context: gone
`,
    );
    const started = Date.now();
    const line = assertOneLineError(await grade('init-containers', '--cluster', 'cks-x', '--kubeconfig', file), /cannot reach cluster "cks-x"/);
    assert.match(line, new RegExp(`127\\.0\\.0\\.1:${port}`));
    assert.match(line, /connection refused/i);
    assert.ok(Date.now() - started < 30_000, 'fails fast instead of grading every check against a dead API');
  });

  it('--output in a missing directory (checked before any grading)', async () => {
    const out = join(work, 'no-such-dir', 'report.xml');
    assertOneLineError(await grade('init-containers', '--cluster', 'cks-x', '--format', 'junit', '--output', out), /--output .*report\.xml: directory .*no-such-dir does not exist/);
    assert.equal(existsSync(out), false);
  });

  it('bad --format', async () => {
    assertOneLineError(await grade('init-containers', '--cluster', 'cks-x', '--format', 'xml'), /--format must be one of text, json, junit \(got "xml"\)/);
  });

  it('missing --cluster, missing scenario id, unknown option', async () => {
    assertOneLineError(await grade('init-containers'), /grade needs --cluster/);
    assertOneLineError(await grade('--cluster', 'cks-x'), /grade needs a scenario id/);
    assertOneLineError(await grade('init-containers', '--cluster', 'cks-x', '--bogus'), /Unknown option '--bogus'/);
  });

  it('an invalid cluster name is refused before anything runs', async () => {
    assertOneLineError(await grade('init-containers', '--cluster', 'Bad_Name'), /--cluster must be .*lowercase.*\(got "Bad_Name"\)/);
    // Something that looks like a flag never reaches kind's argv.
    assertOneLineError(await grade('init-containers', '--cluster', '-rf'), /Option '--cluster' argument is ambiguous\. Did you forget/);
    assertOneLineError(await grade('init-containers', '--cluster=-rf'), /--cluster must be .*\(got "-rf"\)/);
  });

  it('kind not on PATH: says kind was not found and how to install it', async () => {
    const noKind = envWithoutKind(env);
    const line = assertOneLineError(await runCli(['grade', 'init-containers', '--cluster', 'cks-x'], { env: noKind }), /kind was not found on PATH/);
    assert.match(line, /Install kind \(https:\/\/kind\.sigs\.k8s\.io\/[^)]*\)/);
  });

  it('the built bin really exits with code 2 and prints no stack trace', async function () {
    this.timeout(240_000);
    await ensureBuilt();
    const r = await runBin(['grade', 'no-such-scenario', '--cluster', 'cks-x'], env);
    assertOneLineError(r, /Unknown scenario "no-such-scenario"/);
  });
});

describe('cks-lab: other usage errors', () => {
  it('an unknown command exits 2 and shows the usage on stderr', async () => {
    const r = await runCli(['frobnicate'], { env: process.env });
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^cks-lab: unknown command "frobnicate"\nUsage:\n/);
    assert.match(r.stderr, /cks-lab grade <scenario-id> --cluster <kind-cluster-name>/);
  });

  it('no command at all prints the usage and exits 2; --help exits 0', async () => {
    const none = await runCli([], { env: process.env });
    assert.equal(none.code, 2);
    assert.match(none.stdout, /^Usage:/);
    const help = await runCli(['--help'], { env: process.env });
    assert.equal(help.code, 0);
    assert.match(help.stdout, /cks-lab clusters list \| create <name> --lab <lab> \| delete <name>/);
  });

  it('a --kubeconfig in a directory that exists, next to an output dir that does, is fine up to the cluster check', async () => {
    // Guard against over-eager validation: both paths valid, the failure is about the cluster only.
    const dir = tempDir('cks-cli-ok-paths-');
    try {
      mkdirSync(join(dir, 'out'));
      const port = await closedPort();
      writeFileSync(join(dir, 'kc'), `apiVersion: v1\nkind: Config\nclusters: [{ name: c, cluster: { server: "http://127.0.0.1:${port}" } }]\nusers: [{ name: u, user: {} }]\ncontexts: [{ name: c, context: { cluster: c, user: u } }]\ncurrent-context: c\n`);
      const r = await runCli(['grade', 'init-containers', '--cluster', 'cks-x', '--kubeconfig', join(dir, 'kc'), '--output', join(dir, 'out', 'r.json'), '--format', 'json'], { env: process.env });
      assertOneLineError(r, /cannot reach cluster "cks-x"/);
      assert.equal(existsSync(join(dir, 'out', 'r.json')), false, 'no half report is written');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
