/**
 * The whole platform as a learner uses it, on the fakes: start a lab over HTTP, watch kind's
 * phases arrive over socket.io, work in the node's shell, Check, survive a server restart, stop.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'socket.io-client';
import { loadConfig } from '../../server/config/index.js';
import { createSilentLogger } from '../../server/log/index.js';
import { startPlatform, type Platform } from '../../server/platform/index.js';
import type { TerminalClientToServer, TerminalServerToClient } from '../../server/wire/types.js';
import { fakeClusterWorld } from '../helpers/fakeCluster.js';
import { Learner, ROOT, startTestServer } from '../helpers/testServer.js';
import { waitFor } from '../helpers/wait.js';

type TermSocket = Socket<TerminalServerToClient, TerminalClientToServer>;

/** Collects a socket's terminal output and answers flow-control acks like the browser does. */
function terminal(sock: TermSocket) {
  const t = { text: '', replay: '', steps: [] as string[], states: [] as string[] };
  sock.on('replay', (d) => (t.replay += d));
  sock.on('output', (d) => {
    t.text += d;
    sock.emit('ack', d.length);
  });
  sock.on('progress', (p) => t.steps.push(`${p.step}:${p.state}`));
  sock.on('state', (s) => t.states.push(s.state));
  return t;
}

describe('platform end to end on the fakes (HTTP + socket.io + pty + kind/docker/API fakes)', function () {
  this.timeout(120_000);
  const world = fakeClusterWorld({ phaseDelayMs: 30 });
  const dataDir = mkdtempSync(join(tmpdir(), 'cks-data-'));
  const sockets: TermSocket[] = [];
  let platform: Platform | undefined;

  const start = () =>
    startPlatform(loadConfig({ port: '0', dataDir }, { CKS_LOG_LEVEL: 'error' }), createSilentLogger(), { env: world.env, terminalEnv: world.terminalEnv });

  after(async () => {
    for (const s of sockets) s.disconnect();
    await platform?.close();
    await world.cleanup();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('start → progress → shell on the node → Check fails → fix in the shell → Check passes → restart → stop', async () => {
    platform = await start();
    const learner = new Learner(platform.server.url);
    const created = await learner.request('POST', '/api/sessions', { scenarioId: 'init-containers' });
    assert.equal(created.status, 201);
    const { session, token } = created.json as { session: { id: string }; token: string };
    const h = { 'x-session-token': token };

    const sock = learner.socket(session.id, token);
    sockets.push(sock);
    const t = terminal(sock);
    sock.on('connect', () => sock.emit('resize', { cols: 120, rows: 40 }));
    await waitFor(() => t.states.includes('ready'), 'session ready', 60_000);
    const kindDone = t.steps.filter((s) => s.endsWith(':done')).map((s) => s.split(':')[0]);
    // The default lab's node image (kindest/node + editors) is built on first use on this host.
    assert.equal(kindDone[0], 'Building node image', t.steps.join(', '));
    assert.deepEqual(kindDone.slice(1, 7), ['Ensuring node image', 'Preparing nodes', 'Writing configuration', 'Starting control-plane', 'Installing CNI', 'Installing StorageClass']);
    assert.ok(kindDone.includes('Waiting for node Ready') && kindDone.includes('Running scenario setup'), t.steps.join(', '));

    // A real shell on the node: its hostname, the broken manifest setup left, kubectl to the cluster.
    await waitFor(() => t.replay.length > 0 || t.text.length > 0, 'prompt');
    sock.emit('input', 'hostname; stty size; head -2 /root/init-pod.yaml | tail -1; kubectl get ns init-lab -o name\r');
    await waitFor(() => t.text.includes('namespace/init-lab'), 'kubectl output in the terminal', 20_000);
    assert.match(t.text, /cks-[a-f0-9]{10}-control-plane/);
    assert.match(t.text, /40 120/, 'the pty follows the client size: ' + JSON.stringify(t.text.slice(-600)));
    assert.match(t.text, /kind: pod/);

    const first = await learner.request('POST', `/api/sessions/${session.id}/grade`, undefined, h);
    assert.equal(first.status, 200);
    assert.equal(first.json.passed, false);
    assert.equal(first.json.score, 0);
    for (const task of first.json.tasks) assert.equal(task.passed, false, `${task.id} fails right after setup`);

    // The learner fixes the manifest in their shell (here: by running the reference solution there).
    const cluster = platform.sessions.get(session.id)!.clusterName;
    const solution = readFileSync(join(ROOT, 'scenarios/init-containers/solution.sh'), 'utf8');
    await world.provider.nodeExec(cluster, ['bash', '-c', 'cat > /root/fix.sh'], { input: solution });
    sock.emit('input', 'bash /root/fix.sh && echo FIXED-$((20+1))\r');
    await waitFor(() => t.text.includes('FIXED-21'), 'fix ran in the terminal', 60_000);

    const second = await learner.request('POST', `/api/sessions/${session.id}/grade`, undefined, h);
    assert.equal(second.json.passed, true, JSON.stringify(second.json.tasks.filter((x: { passed: boolean }) => !x.passed)));
    assert.equal(second.json.score, 8);

    // Restart the server: the session, its attempts and the cluster are kept; the shell comes back.
    sock.disconnect();
    await platform.close();
    platform = await start();
    const again = new Learner(platform.server.url);
    again.cookie = learner.cookie;
    const reloaded = await again.request('GET', `/api/sessions/${session.id}`, undefined, h);
    assert.equal(reloaded.status, 200);
    assert.equal(reloaded.json.state, 'ready');
    assert.equal(reloaded.json.attempts, 2);
    assert.equal(reloaded.json.lastGrade.score, 8);
    const sock2 = again.socket(session.id, token);
    sockets.push(sock2);
    const t2 = terminal(sock2);
    await waitFor(() => sock2.connected, 'reconnected');
    sock2.emit('input', 'echo back-$((2+3))\r');
    await waitFor(() => t2.text.includes('back-5'), 'shell after restart', 20_000);

    const stop = await again.request('DELETE', `/api/sessions/${session.id}`, undefined, h);
    assert.equal(stop.status, 204);
    assert.deepEqual(await world.provider.list(), [], 'the cluster is deleted');
  });
});

describe('platform failures a learner can act on (fakes)', function () {
  this.timeout(60_000);

  async function failedReason(extra: Record<string, string>, pathOverride?: string): Promise<string> {
    const world = fakeClusterWorld({ extra: { ...extra, ...(pathOverride ? { PATH: pathOverride } : {}) } });
    const srv = await startTestServer({ provider: world.provider, probesFor: world.probesFor });
    try {
      const l = new Learner(srv.url);
      const { session, token } = (await l.request('POST', '/api/sessions', { scenarioId: 'init-containers' })).json;
      const s = await waitFor(async () => {
        const r = await l.request('GET', `/api/sessions/${session.id}`, undefined, { 'x-session-token': token });
        return r.json.state === 'failed' ? r.json : null;
      }, 'failed session');
      assert.deepEqual(await world.provider.list().catch(() => []), [], 'no half-made cluster is left');
      return s.error as string;
    } finally {
      await srv.close();
      await world.cleanup();
    }
  }

  it('Docker not running: the learner is told to start Docker and retry', async () => {
    const reason = await failedReason({ FAKE_DOCKER_DOWN: '1' });
    assert.match(reason, /Docker is not running/);
    assert.match(reason, /Retry/);
  });

  it('kind missing from PATH: the learner is told kind is not installed and how to fix it', async () => {
    const reason = await failedReason({}, '/usr/bin:/bin');
    assert.match(reason, /kind was not found on PATH/);
    assert.match(reason, /Install kind/);
  });

  it('kind failing half way: the half-made cluster is removed and kind’s reason is shown', async () => {
    const reason = await failedReason({ FAKE_KIND_FAIL_AT: 'Starting control-plane' });
    assert.match(reason, /kind could not create the cluster/);
  });
});
