/**
 * A learner starts a parameterised scenario with chosen or drawn values: setup, the instructions
 * the page shows, and Check all use the session's values, and they survive a restart. Bad values
 * are a 400 naming the parameter. On the fakes, through the real platform.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../server/config/index.js';
import { createSilentLogger } from '../../server/log/index.js';
import { startPlatform, type Platform } from '../../server/platform/index.js';
import { runNodeScript } from '../../server/proving/index.js';
import { scriptEnv } from '../../server/scenarios/index.js';
import { fakeClusterWorld } from '../helpers/fakeCluster.js';
import { Learner, ROOT } from '../helpers/testServer.js';
import { waitFor } from '../helpers/wait.js';

describe('sessions with scenario parameters (platform on the fakes)', function () {
  this.timeout(120_000);
  const world = fakeClusterWorld({ phaseDelayMs: 5 });
  const work = mkdtempSync(join(tmpdir(), 'cks-sparams-'));
  const scenariosDir = join(work, 'scenarios');
  cpSync(join(ROOT, 'scenarios'), scenariosDir, { recursive: true });
  cpSync(join(ROOT, 'test', 'scenarios', 'fixtures', 'param-scenarios', 'param-demo'), join(scenariosDir, 'param-demo'), { recursive: true });
  const config = () => loadConfig({ port: '0', dataDir: join(work, 'data') }, { CKS_SCENARIOS_DIR: scenariosDir, CKS_LOG_LEVEL: 'error' });
  let platform: Platform | undefined;

  after(async () => {
    await platform?.close();
    await world.cleanup();
    rmSync(work, { recursive: true, force: true });
  });

  it('chosen values reach setup, the page’s instructions and Check, and survive a restart', async () => {
    platform = await startPlatform(config(), createSilentLogger(), { env: world.env });
    const learner = new Learner(platform.server.url);
    const created = await learner.request('POST', '/api/sessions', { scenarioId: 'param-demo', params: { namespace: 'demo-b' }, randomize: false });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    const { session, token } = created.json as { session: { id: string }; token: string };
    const h = { 'x-session-token': token };
    await waitFor(async () => (await learner.request('GET', `/api/sessions/${session.id}`, undefined, h)).json.state === 'ready', 'ready', 60_000);

    const detail = (await learner.request('GET', `/api/sessions/${session.id}/scenario`, undefined, h)).json;
    assert.deepEqual(detail.params, { namespace: 'demo-b', configName: 'settings' });
    assert.match(detail.instructions, /In namespace `demo-b`, create the ConfigMap `settings`/);
    assert.equal(detail.title, 'Configure settings in demo-b');
    assert.equal((await learner.request('GET', '/api/scenarios/param-demo')).json.title, 'Configure settings in demo-a', 'the catalog shows the defaults');

    const first = await learner.request('POST', `/api/sessions/${session.id}/grade`, undefined, h);
    assert.equal(first.json.passed, false);
    assert.match(first.json.tasks[0].checks[0].message, /ConfigMap demo-b\/settings/);

    // The learner does the task as the README (rendered for this session) says.
    const cluster = platform.sessions.get(session.id)!.clusterName;
    const run = platform.sessions.scenarioOf(platform.sessions.get(session.id)!);
    const ns = await world.provider.nodeExec(cluster, ['kubectl', '--kubeconfig=/etc/kubernetes/admin.conf', 'get', 'ns', 'demo-b', '-o', 'name']);
    assert.equal(ns.stdout.trim(), 'namespace/demo-b', 'setup ran with the session’s namespace');
    await runNodeScript(world.provider, cluster, run.solutionScript, 60_000, scriptEnv(run));

    await platform.close();
    platform = await startPlatform(config(), createSilentLogger(), { env: world.env });
    const again = new Learner(platform.server.url);
    again.cookie = learner.cookie;
    const second = await again.request('POST', `/api/sessions/${session.id}/grade`, undefined, h);
    assert.equal(second.status, 200);
    assert.equal(second.json.passed, true, JSON.stringify(second.json));
    assert.deepEqual((await again.request('GET', `/api/sessions/${session.id}/scenario`, undefined, h)).json.params, { namespace: 'demo-b', configName: 'settings' });
    await again.request('DELETE', `/api/sessions/${session.id}`, undefined, h);
  });

  it('randomize draws from the declared choices; wrong params are a 400 naming the parameter', async () => {
    assert.ok(platform);
    const learner = new Learner(platform.server.url);
    const bad = [
      [{ params: { namespace: 'prod' } }, 'params.namespace', /must be one of demo-a, demo-b, demo-c/],
      [{ params: { nope: 'x' } }, 'params.nope', /has no parameter 'nope'/],
      [{ params: { namespace: 'a;b' } }, 'params.namespace', /not a safe value/],
      [{ params: ['x'] }, 'params', /must be an object/],
      [{ params: { namespace: 3 } }, 'params.namespace', /must be a string/],
      [{ randomize: 'yes' }, 'randomize', /true or false/],
    ] as const;
    for (const [extra, field, message] of bad) {
      const r = await learner.request('POST', '/api/sessions', { scenarioId: 'param-demo', ...extra });
      assert.equal(r.status, 400, JSON.stringify(r.json));
      assert.equal(r.json.error.field, field);
      assert.match(r.json.error.message, message);
    }
    const drawn = await learner.request('POST', '/api/sessions', { scenarioId: 'param-demo', randomize: true });
    assert.equal(drawn.status, 201);
    const { session, token } = drawn.json as { session: { id: string }; token: string };
    const params = (await learner.request('GET', `/api/sessions/${session.id}/scenario`, undefined, { 'x-session-token': token })).json.params as Record<string, string> | undefined;
    const values = params ?? { namespace: 'demo-a', configName: 'settings' }; // all defaults drawn: stored as the defaults
    assert.ok(['demo-a', 'demo-b', 'demo-c'].includes(values.namespace!), JSON.stringify(values));
    assert.ok(['settings', 'app-config'].includes(values.configName!), JSON.stringify(values));
    await learner.request('DELETE', `/api/sessions/${session.id}`, undefined, { 'x-session-token': token });
  });
});
