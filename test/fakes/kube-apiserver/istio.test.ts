/**
 * The fake istiod's pure parts: PeerAuthentication precedence as Istio 1.30's sidecars apply it
 * (workload > namespace > mesh, oldest first, UNSET inherits, portLevelMtls only with a selector)
 * and the sidecar injector's patch (istio-init, then istio-proxy as a native sidecar, labels and
 * annotations of the injection template). The whole flow — webhook call, Deployment Pods injected,
 * plain text reset under STRICT — is proven by test/e2e/podMtls.test.ts.
 */
import assert from 'node:assert/strict';
import { hasRunningSidecar, injectionPatch, skipReason } from './istio/injector.js';
import { effectiveMode } from './istio/peerAuthentication.js';
import type { KubeObject } from './store.js';

const pa = (namespace: string, name: string, spec: Record<string, unknown>, created = '2026-01-01T00:00:00Z'): KubeObject =>
  ({ apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { namespace, name, creationTimestamp: created }, spec }) as KubeObject;
const pod = (namespace: string, labels: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { namespace, name: 'p', labels }, spec: { containers: [{ name: 'app', image: 'busybox:1.36.1' }] } }) as KubeObject;

describe('fake istiod: PeerAuthentication and the sidecar injector', () => {
  const backend = pod('shop', { app: 'backend' });

  it('defaults to PERMISSIVE and lets the namespace policy beat the mesh policy', () => {
    assert.equal(effectiveMode([], backend, 8080).mode, 'PERMISSIVE');
    assert.equal(effectiveMode([pa('istio-system', 'default', { mtls: { mode: 'STRICT' } })], backend, 8080).mode, 'STRICT');
    const both = [pa('istio-system', 'default', { mtls: { mode: 'STRICT' } }), pa('shop', 'default', { mtls: { mode: 'PERMISSIVE' } })];
    assert.deepEqual(effectiveMode(both, backend, 8080), { mode: 'PERMISSIVE', from: 'PeerAuthentication shop/default' });
  });

  it('applies a workload policy only to the pods its selector matches, and UNSET inherits', () => {
    const ns = pa('shop', 'default', { mtls: { mode: 'STRICT' } });
    assert.equal(effectiveMode([ns, pa('shop', 'front', { selector: { matchLabels: { app: 'frontend' } }, mtls: { mode: 'DISABLE' } })], backend, 8080).mode, 'STRICT');
    assert.equal(effectiveMode([ns, pa('shop', 'back', { selector: { matchLabels: { app: 'backend' } }, mtls: { mode: 'PERMISSIVE' } })], backend, 8080).mode, 'PERMISSIVE');
    assert.equal(effectiveMode([ns, pa('shop', 'back', { selector: { matchLabels: { app: 'backend' } }, mtls: { mode: 'UNSET' } })], backend, 8080).mode, 'STRICT');
    assert.equal(effectiveMode([pa('legacy', 'default', { mtls: { mode: 'STRICT' } })], backend, 8080).mode, 'PERMISSIVE');
  });

  it('reads portLevelMtls of a workload policy for that port only, and the oldest of two namespace policies', () => {
    const w = pa('shop', 'back', { selector: { matchLabels: { app: 'backend' } }, mtls: { mode: 'STRICT' }, portLevelMtls: { '9090': { mode: 'PERMISSIVE' } } });
    assert.equal(effectiveMode([w], backend, 9090).mode, 'PERMISSIVE');
    assert.equal(effectiveMode([w], backend, 8080).mode, 'STRICT');
    const older = pa('shop', 'zz-old', { mtls: { mode: 'STRICT' } }, '2025-01-01T00:00:00Z');
    assert.equal(effectiveMode([pa('shop', 'aa-new', { mtls: { mode: 'PERMISSIVE' } }), older], backend, 8080).mode, 'STRICT');
  });

  it('injects istio-init then istio-proxy as a native sidecar, with the template labels and status annotation', () => {
    const p = { metadata: { generateName: 'backend-9k8db86rqj-', labels: { app: 'backend' } }, spec: { containers: [{ name: 'backend', image: 'busybox:1.36.1' }] } };
    const ops = injectionPatch(p, { proxyImage: 'docker.io/istio/proxyv2:1.30.3', revision: 'default' });
    const by = Object.fromEntries(ops.map((o) => [o.path, o.value]));
    assert.deepEqual(by['/spec/initContainers'].map((c: any) => [c.name, c.restartPolicy ?? null, c.args[0]]), [['istio-init', null, 'istio-iptables'], ['istio-proxy', 'Always', 'proxy']]);
    assert.equal(by['/metadata/labels']['security.istio.io/tlsMode'], 'istio');
    assert.equal(by['/metadata/labels']['service.istio.io/canonical-name'], 'backend');
    assert.equal(by['/metadata/annotations']['kubectl.kubernetes.io/default-container'], 'backend');
    assert.deepEqual(JSON.parse(by['/metadata/annotations']['sidecar.istio.io/status']).initContainers, ['istio-init', 'istio-proxy']);
    assert.equal(skipReason({ metadata: { annotations: by['/metadata/annotations'] } }), 'already injected');
    assert.equal(skipReason({ metadata: { labels: { 'sidecar.istio.io/inject': 'false' } } }), 'disabled by sidecar.istio.io/inject');
    assert.equal(skipReason(p), undefined);
  });

  it('counts a sidecar only while its istio-proxy of image proxyv2 runs', () => {
    const withStatus = (state: Record<string, unknown>, image = 'docker.io/istio/proxyv2:1.30.3'): KubeObject =>
      ({ ...backend, status: { initContainerStatuses: [{ name: 'istio-proxy', image, state }] } }) as KubeObject;
    assert.equal(hasRunningSidecar(withStatus({ running: { startedAt: 'x' } })), true);
    assert.equal(hasRunningSidecar(withStatus({ waiting: { reason: 'PodInitializing' } })), false);
    assert.equal(hasRunningSidecar(withStatus({ running: { startedAt: 'x' } }, 'docker.io/library/busybox:1.36.1')), false);
    assert.equal(hasRunningSidecar(backend), false);
  });
});
