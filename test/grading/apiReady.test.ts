/**
 * `apiReady` checks: ready passes; a crash loop is answered at once (no waiting out the restart
 * window) as an API error the engine explains; a restart is waited for, up to waitSeconds.
 */
import assert from 'node:assert/strict';
import { CheckEngine } from '../../server/grading/index.js';
import type { ApiHealth, ClusterProbes } from '../../server/grading/types.js';
import { createSilentLogger } from '../../server/log/index.js';
import type { Scenario } from '../../server/scenarios/types.js';
import { fakeProbes } from './fakeProbes.js';

const scenario = {
  id: 'api', title: 'api', domain: 'Cluster Setup', difficulty: 'easy', lab: 'default', timeLimitMinutes: 5, summary: '', instructions: '', setupScript: '', solutionScript: '',
  tasks: [{ id: 'ready', title: 'ready', weight: 1, hint: '', checks: [{ id: 'apiserver-ready', type: 'apiReady', description: 'kube-apiserver is ready', waitSeconds: 3, timeoutMs: 10_000 }] }],
} as unknown as Scenario;

function healthSequence(states: ApiHealth[]): ClusterProbes & { asked: number } {
  let asked = 0;
  const probes = Object.assign(fakeProbes(), {
    get asked() {
      return asked;
    },
    apiHealth: async () => states[Math.min(asked++, states.length - 1)]!,
  });
  return probes;
}
const grade = (probes: ClusterProbes) => new CheckEngine({ logger: createSilentLogger() }).grade(scenario, probes);
const READY: ApiHealth = { ready: true, state: 'ready', evidence: '/readyz: ok' };
const RESTARTING: ApiHealth = { ready: false, state: 'restarting', evidence: '/readyz: connection refused' };
const CRASH: ApiHealth = { ready: false, state: 'crashLoop', evidence: 'kube-apiserver exited 3 times (last exit code 1); its log ends: "command failed" err="unknown flag: --anonymus-auth"' };

describe('apiReady checks', () => {
  it('passes when kube-apiserver is ready, and waits through a restart', async () => {
    const r = await grade(healthSequence([RESTARTING, RESTARTING, READY]));
    assert.equal(r.tasks[0]!.checks[0]!.status, 'pass');
  });

  it('answers a crash loop at once, as an error that names it and quotes the log', async () => {
    const probes = healthSequence([CRASH]);
    const c = (await grade(probes)).tasks[0]!.checks[0]!;
    assert.equal(c.status, 'error');
    assert.match(c.message, /API server is not coming back: its container keeps exiting \(crash loop\)/);
    assert.match(c.actual, /unknown flag: --anonymus-auth/);
    assert.ok(probes.asked <= 2, `asked once by the check (and once by the engine), not polled for waitSeconds: ${probes.asked}`);
  });

  it('a restart that outlasts waitSeconds is an error saying to Check again, never a fail', async () => {
    const c = (await grade(healthSequence([RESTARTING]))).tasks[0]!.checks[0]!;
    assert.equal(c.status, 'error');
    assert.match(c.message, /API server is restarting, press Check again in a moment/);
    assert.match(c.actual, /connection refused/);
  });
});
