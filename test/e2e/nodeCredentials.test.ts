/**
 * The attack of issue 9: a learner is root on their node, and `kind get kubeconfig` copies the
 * node's /etc/kubernetes/admin.conf (its `user:` map unchanged). A learner who puts an `exec:`
 * credential plugin (or an auth-provider, a token file, a proxy) into that file must not get it
 * run or followed on the platform host — neither by Check in the browser nor by `cks-lab grade`.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'socket.io-client';
import { parse, stringify } from 'yaml';
import { loadLabs } from '../../server/clusters/index.js';
import { loadConfig } from '../../server/config/index.js';
import { createSilentLogger } from '../../server/log/index.js';
import { startPlatform, type Platform } from '../../server/platform/index.js';
import type { TerminalClientToServer, TerminalServerToClient } from '../../server/wire/types.js';
import { runCli, assertOneLineError, tempDir } from '../cli/cliHelpers.js';
import { fakeClusterWorld } from '../helpers/fakeCluster.js';
import { Learner, ROOT } from '../helpers/testServer.js';
import { waitFor } from '../helpers/wait.js';

const defaultLab = loadLabs(join(ROOT, 'labs')).get('default')!;

type TermSocket = Socket<TerminalServerToClient, TerminalClientToServer>;

/** admin.conf as the learner rewrites it: the same cluster and token, plus something hostile. */
function poisoned(adminConf: string, how: 'exec' | 'auth-provider' | 'tokenFile' | 'proxy-url', marker: string): string {
  const doc = parse(adminConf) as { clusters: { cluster: Record<string, unknown> }[]; users: { user: Record<string, unknown> }[] };
  const user = doc.users[0]!.user;
  const token = user.token as string;
  if (how === 'exec') {
    // A well-behaved plugin: it hands back the real token, so before the fix nothing looked wrong.
    const cred = JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token } });
    user.exec = { apiVersion: 'client.authentication.k8s.io/v1', command: '/bin/sh', args: ['-c', `echo pwned > ${marker}; echo '${cred}'`], interactiveMode: 'Never' };
    delete user.token;
  } else if (how === 'auth-provider') {
    user['auth-provider'] = { name: 'oidc', config: { 'idp-issuer-url': 'https://127.0.0.1:1', 'client-id': 'x', 'id-token': 'x' } };
  } else if (how === 'tokenFile') {
    user.tokenFile = '/etc/shadow';
    delete user.token;
  } else {
    doc.clusters[0]!.cluster['proxy-url'] = 'http://127.0.0.1:9';
  }
  return stringify(doc);
}

describe('a learner who is root on the node cannot make the platform host run or read anything (issue 9)', function () {
  this.timeout(180_000);
  const world = fakeClusterWorld({ phaseDelayMs: 5 });
  const work = mkdtempSync(join(tmpdir(), 'cks-attack-'));
  const marker = join(work, 'PWNED');
  const sockets: TermSocket[] = [];
  let platform: Platform | undefined;

  after(async () => {
    for (const s of sockets) s.disconnect();
    await platform?.close();
    await world.cleanup();
    rmSync(work, { recursive: true, force: true });
  });

  it('Check in the browser keeps grading with the credentials captured at creation, and never runs the plugin', async () => {
    const dataDir = join(work, 'data');
    platform = await startPlatform(loadConfig({ port: '0', dataDir }, { CKS_LOG_LEVEL: 'error' }), createSilentLogger(), {
      env: world.env,
      terminalEnv: world.terminalEnv,
    });
    const learner = new Learner(platform.server.url);
    const created = await learner.request('POST', '/api/sessions', { scenarioId: 'init-containers' });
    assert.equal(created.status, 201);
    const { session, token } = created.json as { session: { id: string; clusterName?: string }; token: string };
    const h = { 'x-session-token': token };
    const sock = learner.socket(session.id, token);
    sockets.push(sock);
    let out = '';
    let ready = false;
    sock.on('output', (d) => {
      out += d;
      sock.emit('ack', d.length);
    });
    sock.on('state', (s) => (ready ||= s.state === 'ready'));
    await waitFor(() => ready, 'lab ready', 60_000);

    // The credentials were captured once, 0600, inline data only.
    const files = readdirSync(join(dataDir, 'kubeconfigs')).filter((f) => f.endsWith('.credentials'));
    assert.equal(files.length, 1, `one captured credentials file: ${files.join(', ')}`);
    const stored = join(dataDir, 'kubeconfigs', files[0]!);
    assert.equal(statSync(stored).mode & 0o777, 0o600);
    const captured = readFileSync(stored, 'utf8');
    assert.match(captured, /"token"/);
    assert.doesNotMatch(captured, /exec|auth-provider|tokenFile|proxy-url/);

    // The attack, typed in the learner's own terminal on the node.
    const cluster = files[0]!.replace(/\.credentials$/, '');
    const admin = readFileSync(join(world.env.CKS_FAKE_HOME, 'clusters', cluster, 'node', 'etc/kubernetes/admin.conf'), 'utf8');
    const evil = Buffer.from(poisoned(admin, 'exec', marker)).toString('base64');
    await waitFor(() => out.length > 0, 'prompt');
    sock.emit('input', `echo ${evil} | base64 -d > /etc/kubernetes/admin.conf && grep -c 'command: /bin/sh' /etc/kubernetes/admin.conf && echo POISONED\r`);
    await waitFor(() => out.includes('POISONED'), 'admin.conf rewritten on the node', 20_000);

    const graded = await learner.request('POST', `/api/sessions/${session.id}/grade`, undefined, h);
    assert.equal(graded.status, 200, JSON.stringify(graded.json));
    const checks = (graded.json.tasks as { checks: { status?: string; actual: string }[] }[]).flatMap((t) => t.checks);
    assert.ok(checks.length > 0);
    // The API answered (the Pod is simply not there yet) and nothing complained about credentials.
    assert.ok(checks.some((c) => c.status === 'fail' && /not found/.test(c.actual)), `the grade still reads the cluster: ${JSON.stringify(checks)}`);
    assert.ok(checks.every((c) => !/credential|kubeconfig|not safe/i.test(c.actual)), JSON.stringify(checks));
    assert.equal(existsSync(marker), false, 'the exec plugin from the node never ran on the platform host');
  });

  for (const how of ['exec', 'auth-provider', 'tokenFile', 'proxy-url'] as const) {
    it(`cks-lab grade refuses a kubeconfig kind copied from a node with ${how}, with one line naming it, and runs nothing`, async () => {
      const name = `cks-atk-${how.toLowerCase().replace(/[^a-z]/g, '')}`;
      await world.provider.create(name, defaultLab, () => undefined);
      try {
        const file = join(world.env.CKS_FAKE_HOME, 'clusters', name, 'node', 'etc/kubernetes/admin.conf');
        const r0 = await world.provider.nodeExec(name, ['sh', '-c', 'cat > /etc/kubernetes/admin.conf'], { input: poisoned(readFileSync(file, 'utf8'), how, marker) });
        assert.equal(r0.exitCode, 0, r0.stderr);

        // A data dir that never saw this cluster (made by plain `kind create cluster`, as in CI).
        const r = await runCli(['grade', 'init-containers', '--cluster', name, '--format', 'json'], { env: { ...world.env, CKS_DATA_DIR: tempDir('cks-nd-') } });
        const field = how === 'proxy-url' ? `clusters[kind-${name}].cluster.proxy-url` : `users[kind-${name}].user.${how}`;
        const line = assertOneLineError(r, /not safe to use/);
        assert.ok(line.includes(field), `names ${field}: ${line}`);
        assert.equal(existsSync(marker), false, 'no plugin ran');

        // The platform's provider grades the same cluster with what it captured at creation.
        const probes = world.probesFor(name, await world.provider.kubeconfig(name));
        assert.ok(await probes.getObject({ apiVersion: 'v1', kind: 'Namespace', name: 'default' }));
        assert.equal(existsSync(marker), false);
      } finally {
        await world.provider.delete(name);
      }
      assert.equal(existsSync(join(world.env.CKS_FAKE_HOME, 'clusters', name)), false);
    });
  }

  it('cks-lab grade uses the credentials `cks-lab clusters create` captured, not the node’s poisoned admin.conf', async () => {
    const dataDir = tempDir('cks-cd-');
    const env = { ...world.env, CKS_DATA_DIR: dataDir };
    const name = 'cks-atk-captured';
    const made = await runCli(['clusters', 'create', name, '--lab', 'default'], { env });
    assert.equal(made.code, 0, made.stderr);
    try {
      const file = join(world.env.CKS_FAKE_HOME, 'clusters', name, 'node', 'etc/kubernetes/admin.conf');
      await world.provider.nodeExec(name, ['sh', '-c', 'cat > /etc/kubernetes/admin.conf'], { input: poisoned(readFileSync(file, 'utf8'), 'exec', marker) });
      const r = await runCli(['grade', 'init-containers', '--cluster', name, '--format', 'json'], { env });
      assert.equal(r.code, 1, `graded (tasks fail, nothing set up): ${r.stderr}`);
      assert.equal(JSON.parse(r.stdout).scenario, 'init-containers');
      assert.equal(existsSync(marker), false);
    } finally {
      await runCli(['clusters', 'delete', name], { env });
    }
    assert.equal(existsSync(join(dataDir, 'kubeconfigs', `${name}.credentials`)), false, 'credentials removed with the cluster');
  });
});
