/**
 * `admission` checks: a server-side dry-run create, judged by what admission did — allowed (and
 * changed as `match` says) or denied (with the denial message shown as found).
 */
import assert from 'node:assert/strict';
import { defaultCheckRunners } from '../../server/grading/index.js';
import type { ClusterProbes, DryRunAnswer } from '../../server/grading/types.js';
import type { AdmissionCheck } from '../../server/scenarios/types.js';
import { fakeProbes } from './fakeProbes.js';

const runner = defaultCheckRunners().get('admission')!;
const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { generateName: 'probe-', namespace: 'team' }, spec: { containers: [{ name: 'app', image: 'nginx:1.27.3', imagePullPolicy: 'IfNotPresent' }] } };

function answering(answer: (obj: Record<string, unknown>) => DryRunAnswer): ClusterProbes & { sent: Record<string, unknown>[] } {
  const sent: Record<string, unknown>[] = [];
  return Object.assign(fakeProbes(), { sent, dryRunCreate: async (obj: Record<string, unknown>) => (sent.push(obj), answer(obj)) });
}
const run = (check: AdmissionCheck, probes: ClusterProbes) => runner(check, probes, new AbortController().signal);
const base = { id: 'probe', type: 'admission' as const, description: 'probe', object: pod };

describe('admission checks', () => {
  it('allowed + match: passes when admission changed the object as expected, fails naming the field otherwise', async () => {
    const check: AdmissionCheck = { ...base, expect: 'allowed', match: { spec: { containers: { $each: { imagePullPolicy: 'Always' } } } } };
    const mutated = answering((o) => ({ allowed: true, object: { ...o, spec: { containers: [{ name: 'app', imagePullPolicy: 'Always' }] } } }));
    assert.equal((await run(check, mutated)).status, 'pass');
    assert.deepEqual(mutated.sent[0], pod, 'the manifest is sent as written');
    const untouched = await run(check, answering((o) => ({ allowed: true, object: o })));
    assert.equal(untouched.status, 'fail');
    assert.match(untouched.actual, /admitted as .*imagePullPolicy.*IfNotPresent/);
    const denied = await run(check, answering(() => ({ allowed: false, code: 403, message: 'pods "probe-x" is forbidden: violates PodSecurity "restricted:latest"' })));
    assert.equal(denied.status, 'fail');
    assert.match(denied.actual, /denied \(403\): pods "probe-x" is forbidden: violates PodSecurity/);
  });

  it('denied: passes on a denial (message shown as found), fails when admitted or when the message is another one', async () => {
    const check: AdmissionCheck = { ...base, expect: 'denied', messageMatches: 'PodSecurity' };
    const ok = await run(check, answering(() => ({ allowed: false, code: 403, message: 'violates PodSecurity "restricted:latest": privileged' })));
    assert.equal(ok.status, 'pass');
    assert.match(ok.actual, /denied \(403\): violates PodSecurity/);
    const admitted = await run(check, answering((o) => ({ allowed: true, object: o })));
    assert.equal(admitted.status, 'fail');
    assert.equal(admitted.actual, 'Pod team/probe-* admitted');
    const other = await run(check, answering(() => ({ allowed: false, code: 422, message: 'Pod "x" is invalid: spec.containers: Required value' })));
    assert.equal(other.status, 'fail');
    assert.match(other.expected, /matching \/PodSecurity\//);
  });

  it('podFrom: sends the Pod the workload\'s controller would create from its template, and says so', async () => {
    const deployment = {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api', namespace: 'team-red' },
      spec: { template: { metadata: { labels: { app: 'api' }, annotations: { a: 'b' } }, spec: { containers: [{ name: 'api', image: 'busybox:1.36.1', securityContext: { privileged: true } }] } } },
    };
    const check: AdmissionCheck = { id: 'tpl', type: 'admission', description: 'template admitted', podFrom: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'team-red', name: 'api' }, expect: 'allowed' };
    const probes = Object.assign(fakeProbes({ objects: [deployment] }), { sent: [] as Record<string, unknown>[] });
    probes.dryRunCreate = async (o: Record<string, unknown>) => (probes.sent.push(o), { allowed: false, code: 403, message: 'pods "api-cks-probe-x1" is forbidden: violates PodSecurity "restricted:latest": privileged' });
    const denied = await run(check, probes);
    assert.deepEqual(probes.sent[0], {
      apiVersion: 'v1', kind: 'Pod',
      metadata: { generateName: 'api-cks-probe-', namespace: 'team-red', labels: { app: 'api' }, annotations: { a: 'b' } },
      spec: deployment.spec.template.spec,
    });
    assert.equal(denied.status, 'fail');
    assert.equal(denied.expected, "a dry-run create of a Pod from Deployment team-red/api's template admitted");
    assert.match(denied.actual, /^denied \(403\): pods "api-cks-probe-x1" is forbidden: violates PodSecurity/);
    const missing = await run({ ...check, podFrom: { ...check.podFrom!, name: 'nope' } }, probes);
    assert.equal(missing.status, 'fail');
    assert.equal(missing.actual, 'Deployment team-red/nope does not exist');
  });

  it('probes that cannot dry-run are an error, not a fail', async () => {
    await assert.rejects(run({ ...base, expect: 'allowed' }, fakeProbes()), /cannot send server-side dry-run requests/);
  });
});
