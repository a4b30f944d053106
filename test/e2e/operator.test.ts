/** Operators' endpoints on the real platform (fakes for kind/docker/API): health, readiness, metrics. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../server/config/index.js';
import { createSilentLogger } from '../../server/log/index.js';
import { startPlatform, type Platform } from '../../server/platform/index.js';
import { fakeClusterWorld } from '../helpers/fakeCluster.js';
import { Learner } from '../helpers/testServer.js';
import { waitFor } from '../helpers/wait.js';

describe('operators: /api/health, /api/ready, /metrics', function () {
  this.timeout(60_000);

  async function withPlatform(extra: Record<string, string>, fn: (p: Platform) => Promise<void>): Promise<void> {
    const world = fakeClusterWorld({ extra });
    const dataDir = mkdtempSync(join(tmpdir(), 'cks-op-'));
    const platform = await startPlatform(loadConfig({ port: '0', dataDir }, { CKS_INSTRUCTOR_TOKEN: 'operator-test-token' }), createSilentLogger(), { env: world.env, terminalEnv: world.terminalEnv });
    try {
      await fn(platform);
    } finally {
      await platform.close();
      await world.cleanup();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }

  it('is healthy and ready with kind and docker reachable, and counts labs and grades', async () => {
    await withPlatform({}, async (p) => {
      const l = new Learner(p.server.url);
      assert.deepEqual((await l.request('GET', '/api/health')).json, { status: 'ok' });
      const ready = await l.request('GET', '/api/ready');
      assert.equal(ready.status, 200);
      assert.equal(ready.json.status, 'ready');

      const { session, token } = (await l.request('POST', '/api/sessions', { scenarioId: 'init-containers' })).json;
      await waitFor(async () => (await l.request('GET', `/api/sessions/${session.id}`, undefined, { 'x-session-token': token })).json.state === 'ready', 'ready', 30_000);
      await l.request('POST', `/api/sessions/${session.id}/grade`, undefined, { 'x-session-token': token });
      const res = await fetch(`${p.server.url}/metrics`);
      assert.match(res.headers.get('content-type') ?? '', /text\/plain; version=0.0.4/);
      const text = await res.text();
      assert.match(text, /^cks_sessions\{state="ready"\} 1$/m);
      assert.match(text, /^cks_provisioning_seconds_count\{lab="default",start="cold"\} 1$/m);
      assert.match(text, /^cks_grading_seconds_bucket\{scenario="init-containers",le="\+Inf"\} 1$/m);
      assert.match(text, /^cks_grades_total\{scenario="init-containers",source="learner",passed="false"\} 1$/m);
      assert.match(text, /^cks_clusters\{state="in_use"\} 1$/m);
      assert.match(text, /^# TYPE cks_cluster_capacity gauge$/m);
    });
  });

  it('is not ready, and says why, when Docker is down', async () => {
    await withPlatform({ FAKE_DOCKER_DOWN: '1' }, async (p) => {
      const ready = await new Learner(p.server.url).request('GET', '/api/ready');
      assert.equal(ready.status, 503);
      assert.match(ready.json.problems.join(' '), /Docker is not running/);
      assert.equal((await new Learner(p.server.url).request('GET', '/api/health')).status, 200, 'still alive');
    });
  });
});
