/**
 * pod-mtls proven on the fakes, on one cluster of the `mesh` lab (whose bootstrap installs istiod
 * from the manifest its image carries and proves injection and STRICT mTLS): the fake istiod
 * (test/fakes/kube-apiserver/istio/) injects sidecars through the API server's mutating webhook
 * call while its pod runs, and the fake pod network asks it about every connection reaching a
 * meshed pod (PeerAuthentication: plain text to a STRICT workload is reset after the handshake).
 * Graded by effect: sidecars really running (2/2), the meshed frontend served, the legacy client
 * reset. Each way learners get it wrong fails exactly the task it breaks, and a right answer
 * written differently passes.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { inspectLabs } from '../../server/clusters/labs.js';
import { CheckEngine } from '../../server/grading/index.js';
import type { GradeResult } from '../../server/grading/types.js';
import { createSilentLogger } from '../../server/log/index.js';
import { ScenarioCatalog, loadCatalog } from '../../server/scenarios/index.js';
import { fakeClusterWorld } from '../helpers/fakeCluster.js';
import { ROOT } from '../helpers/testServer.js';
import { checkIn as check, failedTasks as failed, onCluster } from './grades.js';

const catalog = new ScenarioCatalog(loadCatalog(join(ROOT, 'scenarios'), { labsDir: join(ROOT, 'labs') }).scenarios);
const scenario = catalog.require('pod-mtls');
// inspectLabs: only this file's lab must be valid (another lab being written must not sink it).
const lab = inspectLabs(join(ROOT, 'labs')).labs.get('mesh')!;
const grader = new CheckEngine({ logger: createSilentLogger() });
const KUBECONFIG = { KUBECONFIG: '/etc/kubernetes/admin.conf' };
const CLUSTER = 'cks-mesh';
const NS = 'shop';

const PA = (name: string, namespace: string, mode: string, selector = ''): string => `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: ${name}
  namespace: ${namespace}
spec:${selector ? `\n  selector:\n    matchLabels:\n      ${selector}` : ''}
  mtls:
    mode: ${mode}`;

describe('scenario pod-mtls on the fakes', function () {
  this.timeout(400_000);
  const world = fakeClusterWorld();
  after(() => world.cleanup());
  const { grade, run, setup, solve } = onCluster(world, scenario, CLUSTER, { grader, env: KUBECONFIG });
  const why = (r: GradeResult): string => JSON.stringify(r.tasks.flatMap((t) => t.checks.filter((c) => c.status !== 'pass')), null, 2);
  /** Replaces every PeerAuthentication by these manifests. */
  const policies = async (...docs: string[]): Promise<void> => {
    await run(`set -e
kubectl delete peerauthentications.security.istio.io --all -A >/dev/null
${docs.length ? `kubectl apply -f - >/dev/null <<'YAML'\n${docs.join('\n---\n')}\nYAML` : ''}
`);
  };
  /** Restarts these Deployments of the app namespace and waits for their new Pods. */
  const restart = async (...deployments: string[]): Promise<void> => {
    await run(`set -e
kubectl -n ${NS} rollout restart ${deployments.map((d) => `deployment/${d}`).join(' ')} >/dev/null
for d in ${deployments.join(' ')}; do kubectl -n ${NS} rollout status deployment/$d --timeout=120s >/dev/null; done
`);
  };

  before(async () => {
    await world.provider.create(CLUSTER, lab, () => undefined);
    await setup();
  });

  it('after setup every task fails', async () => {
    const r = await grade();
    assert.deepEqual(failed(r), ['sidecars-injected', 'strict-mtls'], why(r));
    assert.equal(check(r, 'strict-mtls', 'frontend-gets-200').status, 'pass'); // no mesh at all: plain HTTP everywhere
    assert.match(check(r, 'sidecars-injected', 'pods-have-sidecars').actual, /backend backend-[a-z0-9-]+ 1\/1 proxy=none/);
    assert.match(check(r, 'strict-mtls', 'legacy-reset').actual, /served in plain text: backend ok/);
  });

  it('STRICT with the namespace labelled but no Pod restarted: no sidecars, plain text still served', async () => {
    await run(`kubectl label namespace ${NS} istio-injection=enabled --overwrite >/dev/null`);
    await policies(PA('default', NS, 'STRICT'));
    const r = await grade();
    assert.deepEqual(failed(r), ['sidecars-injected', 'strict-mtls'], why(r));
    assert.match(check(r, 'strict-mtls', 'legacy-reset').actual, /served in plain text: backend ok/);
  });

  it('only the backend restarted: the frontend without a sidecar is reset by the STRICT backend', async () => {
    await restart('backend');
    const r = await grade();
    assert.deepEqual(failed(r), ['sidecars-injected', 'strict-mtls'], why(r));
    assert.equal(check(r, 'strict-mtls', 'legacy-reset').status, 'pass');
    assert.match(check(r, 'strict-mtls', 'frontend-gets-200').actual, /exited 1: wget: error getting response: Con/);
    assert.match(check(r, 'sidecars-injected', 'pods-have-sidecars').actual, /backend backend-[a-z0-9-]+ 2\/2 proxy=running ⏎ frontend frontend-/);
  });

  it('the reference solution passes every task', async () => {
    await solve();
    const r = await grade();
    assert.deepEqual(failed(r), [], why(r));
    assert.match(check(r, 'strict-mtls', 'legacy-reset').actual, /plain text reset after connecting: wget: error getting response/);
  });

  it('PERMISSIVE instead of STRICT: plain text still served', async () => {
    await policies(PA('default', NS, 'PERMISSIVE'));
    const r = await grade();
    assert.deepEqual(failed(r), ['strict-mtls'], why(r));
  });

  it('STRICT in the wrong namespace (legacy) protects nothing in the app namespace', async () => {
    await policies(PA('default', 'legacy', 'STRICT'));
    const r = await grade();
    assert.deepEqual(failed(r), ['strict-mtls'], why(r));
  });

  it('a workload selector that misses the backend leaves it PERMISSIVE', async () => {
    await policies(PA('strict', NS, 'STRICT', 'app: front-end'));
    const r = await grade();
    assert.deepEqual(failed(r), ['strict-mtls'], why(r));
  });

  it('a right answer written differently passes: istio.io/rev label, mesh-wide STRICT in istio-system, the v1beta1 API', async () => {
    await run(`set -e
kubectl label namespace ${NS} istio-injection- istio.io/rev=default --overwrite >/dev/null
`);
    await restart('backend', 'frontend');
    await policies(PA('default', 'istio-system', 'STRICT').replace('security.istio.io/v1', 'security.istio.io/v1beta1'));
    const r = await grade();
    assert.deepEqual(failed(r), [], why(r));
  });
});
