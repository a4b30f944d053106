/**
 * The fake kube-apiserver's `scale` subresource of Deployments, driven by the real kubectl: `kubectl
 * scale` PATCHes …/deployments/<name>/scale, discovery lists deployments/scale as autoscaling/v1
 * Scale, and the Scale answers spec.replicas, status.replicas and the selector as a string.
 */
import assert from 'node:assert/strict';
import { kubectl, startTestServer, waitFor } from './testHelpers.js';

type Started = Awaited<ReturnType<typeof startTestServer>>;

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: default }
spec:
  replicas: 2
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec: { containers: [{ name: web, image: nginx:1.27 }] }
`;

describe('fake kube-apiserver: deployments/scale', () => {
  let t: Started;
  const k = (args: string[], stdin?: string) => kubectl(t.kubeconfigFile, args, stdin);
  before(async () => {
    t = await startTestServer();
    assert.equal((await k(['apply', '-f', '-'], DEPLOYMENT)).code, 0);
  });
  after(async () => t.dispose());

  it('discovery lists deployments/scale as autoscaling/v1 Scale', async () => {
    const r = await k(['get', '--raw', '/apis/apps/v1']);
    const scale = (JSON.parse(r.stdout) as { resources: Record<string, unknown>[] }).resources.find((x) => x.name === 'deployments/scale');
    assert.deepEqual(scale, { name: 'deployments/scale', singularName: '', namespaced: true, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] });
  });

  it('GET answers the Scale of the Deployment', async () => {
    const r = await k(['get', '--raw', '/apis/apps/v1/namespaces/default/deployments/web/scale']);
    const scale = JSON.parse(r.stdout);
    assert.equal(scale.kind, 'Scale');
    assert.equal(scale.apiVersion, 'autoscaling/v1');
    assert.equal(scale.metadata.name, 'web');
    assert.equal(scale.spec.replicas, 2);
    assert.equal(scale.status.selector, 'app=web');
  });

  it('kubectl scale sets spec.replicas (0 included), and the Deployment follows', async () => {
    let r = await k(['scale', 'deployment', 'web', '--replicas=0']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'deployment.apps/web scaled');
    r = await k(['get', 'deployment', 'web', '-o', 'jsonpath={.spec.replicas}']);
    assert.equal(r.stdout, '0');
    await waitFor(async () => (await k(['get', 'pods', '-l', 'app=web', '-o', 'name'])).stdout.trim() === '', 10_000, 'no Pods of web');
    r = await k(['scale', 'deploy/web', '--replicas', '3']);
    assert.equal(r.code, 0, r.stderr);
    r = await k(['get', 'deployment', 'web', '-o', 'jsonpath={.spec.replicas}']);
    assert.equal(r.stdout, '3');
  });

  it('refuses a negative replica count as the API server does (422 Invalid)', async () => {
    const r = await k(['patch', 'deployment', 'web', '--subresource=scale', '--type=merge', '-p', '{"spec":{"replicas":-1}}']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /The Scale "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0/);
  });
});
