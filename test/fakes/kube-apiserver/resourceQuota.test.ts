import assert from 'node:assert/strict';
import { kubectl, startTestServer, waitFor } from './testHelpers.js';

const pod = (name: string, resources = '') => `apiVersion: v1
kind: Pod
metadata: { name: ${name}, namespace: tenant }
spec:
  containers:
    - name: app
      image: busybox:1.36.1
      command: [sleep, '3600']${resources ? `\n      resources: ${resources}` : ''}`;

describe('fake kube-apiserver: LimitRanger and ResourceQuota admission', function () {
  this.timeout(60_000);
  let t: Awaited<ReturnType<typeof startTestServer>>;
  const k = (args: string[], stdin?: string) => kubectl(t.kubeconfigFile, args, stdin);
  before(async () => {
    t = await startTestServer();
    assert.equal((await k(['create', 'namespace', 'tenant'])).code, 0);
  });
  after(() => t.dispose());

  it('a quota on cpu/memory refuses a Pod whose containers state none, naming what is missing', async () => {
    await k(['apply', '-f', '-'], `apiVersion: v1
kind: ResourceQuota
metadata: { name: q, namespace: tenant }
spec: { hard: { pods: '2', requests.cpu: '1', limits.memory: 1Gi } }`);
    const r = await k(['apply', '--dry-run=server', '-f', '-'], pod('plain'));
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /pods "plain" is forbidden: failed quota: q: must specify limits\.memory for: app; requests\.cpu for: app/);
  });

  it('a LimitRange defaults missing requests and limits (canonical quantities, annotation), so the quota admits the Pod', async () => {
    await k(['apply', '-f', '-'], `apiVersion: v1
kind: LimitRange
metadata: { name: lr, namespace: tenant }
spec:
  limits: [{ type: Container, default: { cpu: '0.5', memory: 256Mi }, defaultRequest: { cpu: 100m, memory: 128Mi } }]`);
    const r = await k(['apply', '--dry-run=server', '-o', 'json', '-f', '-'], pod('plain'));
    assert.equal(r.code, 0, r.stderr);
    const obj = JSON.parse(r.stdout);
    assert.deepEqual(obj.spec.containers[0].resources, { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } });
    assert.equal(obj.metadata.annotations['kubernetes.io/limit-ranger'], 'LimitRanger plugin set: cpu, memory request for container app; cpu, memory limit for container app');
    const lr = JSON.parse((await k(['get', 'limitrange', 'lr', '-n', 'tenant', '-o', 'json'])).stdout);
    assert.equal(lr.spec.limits[0].default.cpu, '500m');
    assert.match((await k(['get', 'limits', '-n', 'tenant'])).stdout, /^NAME\s+CREATED AT\nlr\s+\d{4}-\d\d-\d\dT/);
  });

  it('exceeding the quota is refused with the real message; a dry run charges nothing; status.used follows the Pods', async () => {
    const big = await k(['apply', '--dry-run=server', '-f', '-'], pod('big', '{ requests: { cpu: 1500m } }'));
    assert.match(big.stderr, /pods "big" is forbidden: exceeded quota: q, requested: requests\.cpu=1500m, used: requests\.cpu=0, limited: requests\.cpu=1/);
    assert.equal((await k(['apply', '-f', '-'], pod('one', '{ requests: { cpu: 600m } }'))).code, 0);
    const q = await waitFor(async () => {
      const o = JSON.parse((await k(['get', 'quota', 'q', '-n', 'tenant', '-o', 'json'])).stdout);
      return o.status?.used?.['requests.cpu'] === '600m' ? o : undefined;
    }, 10_000, 'quota status');
    assert.deepEqual(q.status.hard, { pods: '2', 'requests.cpu': '1', 'limits.memory': '1Gi' });
    assert.deepEqual(q.status.used, { pods: '1', 'requests.cpu': '600m', 'limits.memory': '256Mi' });
    const second = await k(['apply', '-f', '-'], pod('two', '{ requests: { cpu: 500m } }'));
    assert.match(second.stderr, /exceeded quota: q, requested: requests\.cpu=500m, used: requests\.cpu=600m, limited: requests\.cpu=1/);
    const table = await k(['get', 'quota', '-n', 'tenant']);
    assert.match(table.stdout, /^NAME\s+AGE\s+REQUEST\s+LIMIT\nq\s+\S+\s+pods: 1\/2, requests\.cpu: 600m\/1\s+limits\.memory: 256Mi\/1Gi\n$/);
    const describe = await k(['describe', 'quota', 'q', '-n', 'tenant']);
    assert.match(describe.stdout, /requests\.cpu\s+600m\s+1/);
  });

  it('a namespace admin (ClusterRole admin bound by a RoleBinding) manages workloads but cannot change its quota, LimitRange or namespace', async () => {
    assert.equal((await k(['create', 'rolebinding', 'owner', '-n', 'tenant', '--clusterrole=admin', '--user=carol'])).code, 0);
    const can = async (...args: string[]) => (await k(['auth', 'can-i', ...args, '--as=carol'])).stdout.trim();
    assert.equal(await can('create', 'pods', '-n', 'tenant'), 'yes');
    assert.equal(await can('delete', 'secrets', '-n', 'tenant'), 'yes');
    assert.equal(await can('get', 'resourcequotas', '-n', 'tenant'), 'yes');
    assert.equal(await can('update', 'resourcequotas', '-n', 'tenant'), 'no');
    assert.equal(await can('delete', 'limitranges', '-n', 'tenant'), 'no');
    const ns = await k(['auth', 'can-i', 'patch', 'namespaces/tenant', '--as=carol']);
    assert.equal(ns.stdout.trim(), 'no', ns.stderr);
  });

  it('deleting the namespace deletes its quotas and LimitRanges', async () => {
    await k(['create', 'namespace', 'gone']);
    assert.equal((await k(['create', 'quota', 'q', '-n', 'gone', '--hard=pods=1'])).code, 0);
    await k(['apply', '-f', '-'], 'apiVersion: v1\nkind: LimitRange\nmetadata: { name: lr, namespace: gone }\nspec: { limits: [{ type: Container, default: { cpu: 100m } }] }');
    assert.equal((await k(['delete', 'namespace', 'gone'])).code, 0);
    await k(['create', 'namespace', 'gone']);
    assert.equal((await k(['get', 'quota,limits', '-n', 'gone', '-o', 'name'])).stdout, '');
  });

  it('LimitRange max refuses a container above it, with the real wording, and becomes the default limit when none is given', async () => {
    await k(['delete', 'pod', 'one', '-n', 'tenant', '--wait=false']);
    await k(['apply', '-f', '-'], `apiVersion: v1
kind: LimitRange
metadata: { name: lr, namespace: tenant }
spec:
  limits: [{ type: Container, max: { cpu: 500m }, defaultRequest: { memory: 128Mi }, default: { memory: 256Mi } }]`);
    const over = await k(['apply', '--dry-run=server', '-f', '-'], pod('over', '{ limits: { cpu: "1" } }'));
    assert.match(over.stderr, /pods "over" is forbidden: maximum cpu usage per Container is 500m, but limit is 1/);
    const plain = JSON.parse((await k(['apply', '--dry-run=server', '-o', 'json', '-f', '-'], pod('plain2'))).stdout);
    assert.equal(plain.spec.containers[0].resources.limits.cpu, '500m');
    assert.equal(plain.spec.containers[0].resources.requests.cpu, '500m');
  });
});
