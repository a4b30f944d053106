/**
 * `canI` checks: the permission matrix is asked of the authorizer with the user the API server
 * would see (a ServiceAccount with its implicit groups), passes only when every answer is the
 * expected one, and explains each wrong answer (with RBAC's reason for an unwanted yes).
 */
import assert from 'node:assert/strict';
import { defaultCheckRunners } from '../../server/grading/index.js';
import type { AccessAttributes, AccessReviewSubject, ClusterProbes } from '../../server/grading/types.js';
import type { CanICheck, Check } from '../../server/scenarios/types.js';
import { fakeProbes } from './fakeProbes.js';

const runners = defaultCheckRunners();

function probesAnswering(allow: (who: AccessReviewSubject, a: AccessAttributes) => string | null): ClusterProbes & { asked: { who: AccessReviewSubject; a: AccessAttributes }[] } {
  const asked: { who: AccessReviewSubject; a: AccessAttributes }[] = [];
  return Object.assign(fakeProbes(), {
    asked,
    async accessReview(who: AccessReviewSubject, a: AccessAttributes) {
      asked.push({ who, a });
      const reason = allow(who, a);
      return reason === null ? { allowed: false } : { allowed: true, reason };
    },
  });
}

const check: CanICheck = {
  id: 'matrix',
  type: 'canI',
  description: 'deployer may patch deployments in ci and nothing else',
  as: { serviceAccount: { namespace: 'ci', name: 'deployer' } },
  allowed: [{ verb: 'patch', resource: 'deployments', group: 'apps', namespace: 'ci' }],
  denied: [
    { verb: 'get', resource: 'secrets', namespace: 'ci' },
    { verb: 'list', resource: 'nodes' },
  ],
};

const run = (c: Check, probes: ClusterProbes) => runners.get(c.type)!(c, probes, new AbortController().signal);

describe('canI checks', () => {
  it('asks as the ServiceAccount with the groups the API server adds, and passes when every answer is right', async () => {
    const probes = probesAnswering((_who, a) => (a.verb === 'patch' && a.resource === 'deployments' ? 'RBAC: allowed by RoleBinding "deployer/ci"' : null));
    const r = await run(check, probes);
    assert.equal(r.status, 'pass');
    assert.deepEqual(probes.asked[0]!.who, { user: 'system:serviceaccount:ci:deployer', groups: ['system:serviceaccounts', 'system:serviceaccounts:ci', 'system:authenticated'] });
    assert.deepEqual(probes.asked.map((q) => q.a.namespace), ['ci', 'ci', undefined]);
    assert.match(r.expected, /yes to patch deployments\.apps in ci — no to get secrets in ci; list nodes \(cluster-wide\)/);
  });

  it('fails on an unwanted yes, naming the binding RBAC says allowed it, and on a missing yes', async () => {
    const probes = probesAnswering((_who, a) => (a.resource === 'nodes' ? 'RBAC: allowed by ClusterRoleBinding "oops" of ClusterRole "view" to ServiceAccount "deployer/ci"' : null));
    const r = await run(check, probes);
    assert.equal(r.status, 'fail');
    assert.match(r.actual, /patch deployments\.apps in ci: no/);
    assert.match(r.actual, /list nodes \(cluster-wide\): yes \(RBAC: allowed by ClusterRoleBinding "oops"/);
    assert.doesNotMatch(r.actual, /secrets/, 'answers that came out right are not listed as found');
  });

  it('a user keeps its groups and gains system:authenticated; probes that cannot ask are an error, not a fail', async () => {
    const probes = probesAnswering(() => null);
    await run({ ...check, as: { user: 'jane', groups: ['dev'] } }, probes);
    assert.deepEqual(probes.asked[0]!.who, { user: 'jane', groups: ['dev', 'system:authenticated'] });
    await assert.rejects(run(check, fakeProbes()), /cannot ask the API server for access reviews/);
    const anon = probesAnswering(() => null);
    await run({ ...check, as: { user: 'system:anonymous' } }, anon);
    assert.deepEqual(anon.asked[0]!.who, { user: 'system:anonymous', groups: ['system:unauthenticated'] }, 'anonymous is unauthenticated');
  });
});
