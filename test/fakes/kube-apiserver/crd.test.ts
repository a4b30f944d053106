import assert from 'node:assert/strict';
import { kubectl, startTestServer, waitFor } from './testHelpers.js';

type Started = Awaited<ReturnType<typeof startTestServer>>;

const CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: { name: crontabs.stable.example.com }
spec:
  group: stable.example.com
  scope: Namespaced
  names: { plural: crontabs, singular: crontab, kind: CronTab, shortNames: [ct] }
  versions:
  - name: v1
    served: true
    storage: true
    subresources: { status: {} }
    additionalPrinterColumns:
    - { name: Spec, type: string, jsonPath: .spec.cronSpec }
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            required: [cronSpec]
            properties:
              cronSpec: { type: string }
              replicas: { type: integer, default: 1 }
              mode: { type: string, enum: [deny, warn] }
              extra: { type: object, x-kubernetes-preserve-unknown-fields: true }
          status:
            type: object
            properties:
              seen: { type: integer }
`;

const CR = (body: string) => `apiVersion: stable.example.com/v1
kind: CronTab
metadata: { name: my-cron, namespace: default }
spec:
${body}`;

describe('fake kube-apiserver: CustomResourceDefinitions', function () {
  this.timeout(60_000);
  let t: Started;
  const k = (args: string[], stdin?: string) => kubectl(t.kubeconfigFile, args, stdin);

  before(async () => {
    t = await startTestServer();
  });
  after(async () => t?.dispose());

  it('refuses a CRD whose name is not <plural>.<group>', async () => {
    const r = await k(['apply', '-f', '-'], CRD.replace('name: crontabs.stable.example.com', 'name: crontab.stable.example.com'));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /metadata\.name: Invalid value: "crontab\.stable\.example\.com": must be spec\.names\.plural\+"\."\+spec\.group/);
  });

  it('serves a created CRD: Established, discovery, kubectl by plural, kind and short name', async () => {
    const r = await k(['apply', '-f', '-'], CRD);
    assert.equal(r.code, 0, r.stderr);
    const cond = await k(['get', 'crd', 'crontabs.stable.example.com', '-o', 'jsonpath={.status.conditions[?(@.type=="Established")].status}']);
    assert.equal(cond.stdout, 'True');
    const res = await k(['api-resources', '--api-group=stable.example.com', '--no-headers']);
    assert.match(res.stdout, /crontabs\s+ct\s+stable\.example\.com\/v1\s+true\s+CronTab/);
    const body = CR('  cronSpec: "* * * * */5"\n  unknownField: 1\n  extra: { any: thing }\n');
    const strict = await k(['apply', '-f', '-'], body);
    assert.equal(strict.code, 1);
    assert.match(strict.stderr, /CronTab in version "v1" cannot be handled as a CronTab: strict decoding error: unknown field "spec\.unknownField"/);
    const created = await k(['apply', '--validate=warn', '-f', '-'], body);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stderr, /unknown field "spec\.unknownField"/);
    for (const name of ['crontabs', 'crontab', 'ct', 'CronTab']) {
      const g = await k(['get', name, 'my-cron', '-o', 'json']);
      assert.equal(g.code, 0, `${name}: ${g.stderr}`);
      const o = JSON.parse(g.stdout);
      assert.equal(o.spec.replicas, 1, 'schema default applied');
      assert.equal(o.spec.unknownField, undefined, 'pruned');
      assert.deepEqual(o.spec.extra, { any: 'thing' }, 'preserved');
    }
    const table = await k(['get', 'ct']);
    assert.match(table.stdout, /NAME\s+SPEC\s+AGE\nmy-cron\s+\* \* \* \* \*\/5\s+\d+s/);
  });

  it('validates type, required and enum with the real field errors', async () => {
    const r = await k(['apply', '-f', '-'], CR('  replicas: "three"\n  mode: audit\n'));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /The CronTab "my-cron" is invalid: /);
    assert.match(r.stderr, /spec\.replicas: Invalid value: "string": spec\.replicas in body must be of type integer: "string"/);
    assert.match(r.stderr, /spec\.mode: Unsupported value: "audit": supported values: "deny", "warn"/);
    assert.match(r.stderr, /spec\.cronSpec: Required value/);
    // The Status itself: the qualified kind in the message, the plain kind in details (NewInvalid).
    const res = await fetch(`${t.server.url}/apis/stable.example.com/v1/namespaces/default/crontabs`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${t.server.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'bad' }, spec: { cronSpec: 5 } }),
    });
    const status = (await res.json()) as { code: number; message: string; details: { kind: string; group: string } };
    assert.equal(status.code, 422);
    assert.equal(status.message, 'CronTab.stable.example.com "bad" is invalid: spec.cronSpec: Invalid value: "integer": spec.cronSpec in body must be of type string: "integer"');
    assert.deepEqual([status.details.kind, status.details.group], ['CronTab', 'stable.example.com']);
  });

  it('keeps status out of the main resource when the status subresource is declared', async () => {
    const p = await k(['patch', 'ct', 'my-cron', '--type=merge', '-p', '{"status":{"seen":3}}']);
    assert.equal(p.code, 0, p.stderr);
    assert.equal((await k(['get', 'ct', 'my-cron', '-o', 'jsonpath={.status.seen}'])).stdout, '');
    const s = await k(['patch', 'ct', 'my-cron', '--subresource=status', '--type=merge', '-p', '{"status":{"seen":3}}']);
    assert.equal(s.code, 0, s.stderr);
    assert.equal((await k(['get', 'ct', 'my-cron', '-o', 'jsonpath={.status.seen}'])).stdout, '3');
  });

  it('stops serving the resource and deletes its objects when the CRD is deleted', async () => {
    assert.equal((await k(['delete', 'crd', 'crontabs.stable.example.com'])).code, 0);
    await waitFor(async () => (await k(['get', 'ct'])).code !== 0, 10_000, 'crontabs unserved');
    const r = await k(['get', 'crontabs.stable.example.com']);
    assert.match(r.stderr, /the server doesn't have a resource type "crontabs"/);
    assert.equal(t.server.store.entries().filter((e) => e.group === 'stable.example.com').length, 0);
  });
});
