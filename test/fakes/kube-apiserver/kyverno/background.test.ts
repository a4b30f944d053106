/**
 * The fake Kyverno background controller on a bare object store: generate rules for Namespaces
 * created after the policy (not before, unless generateExisting), synchronize putting a deleted or
 * edited object back, no synchronize leaving it alone, and the policy's deletion taking its data
 * downstream with it; the webhook controller's policy status.
 */
import assert from 'node:assert/strict';
import { createSilentLogger } from '../../../../server/log/index.js';
import { findKind, type ResourceType } from '../resources.js';
import { ObjectStore, type KubeObject } from '../store.js';
import { policyStatus, startKyvernoBackground } from './background.js';
import { generatePolicy } from './fixtures.js';

const CPOL: ResourceType = { group: 'kyverno.io', version: 'v1', resource: 'clusterpolicies', singular: 'clusterpolicy', kind: 'ClusterPolicy', namespaced: false };
const NS = findKind('v1', 'Namespace')!;
const NETPOL = findKind('networking.k8s.io/v1', 'NetworkPolicy')!;

const policy = generatePolicy;

const ns = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });

describe('fake Kyverno background controller', () => {
  let store: ObjectStore;
  let bg: ReturnType<typeof startKyvernoBackground>;
  const start = (): void => {
    bg = startKyvernoBackground({ store, kindType: findKind, policyTypes: () => ({ cluster: CPOL }), logger: createSilentLogger() });
  };
  beforeEach(() => {
    store = new ObjectStore();
  });
  afterEach(() => bg.close());

  it('generates into Namespaces created after the policy, not into older ones', async () => {
    store.create(NS, ns('old'));
    start();
    store.create(CPOL, policy());
    await bg.settle();
    store.create(NS, ns('fresh'));
    await bg.settle();
    assert.equal(store.get(NETPOL, 'old', 'default-deny'), undefined);
    const np = store.get(NETPOL, 'fresh', 'default-deny');
    assert.deepEqual(np?.spec, { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    assert.equal(np?.metadata.labels['generate.kyverno.io/policy-name'], 'default-deny');
  });

  it('generateExisting also covers the Namespaces that predate the policy', async () => {
    store.create(NS, ns('old'));
    start();
    store.create(CPOL, policy({ generateExisting: true }));
    await bg.settle();
    assert.ok(store.get(NETPOL, 'old', 'default-deny'));
  });

  it('synchronize puts a deleted or edited object back; without it, a deleted one stays gone', async () => {
    start();
    store.create(CPOL, policy());
    await bg.settle();
    store.create(NS, ns('a'));
    await bg.settle();
    store.delete(NETPOL, 'a', 'default-deny');
    await bg.settle();
    assert.ok(store.get(NETPOL, 'a', 'default-deny'), 'restored after deletion');
    const live = store.get(NETPOL, 'a', 'default-deny')!;
    store.update(NETPOL, { ...live, spec: { podSelector: {}, policyTypes: ['Ingress'] } });
    await bg.settle();
    assert.deepEqual(store.get(NETPOL, 'a', 'default-deny')?.spec.policyTypes, ['Ingress', 'Egress'], 'edit reverted');

    store.update(CPOL, { ...store.get(CPOL, '', 'default-deny')!, spec: policy({ synchronize: false }).spec });
    await bg.settle();
    store.create(NS, ns('b'));
    await bg.settle();
    store.delete(NETPOL, 'b', 'default-deny');
    await bg.settle();
    assert.equal(store.get(NETPOL, 'b', 'default-deny'), undefined);
  });

  it("deleting a synchronized policy deletes the objects it generated from data", async () => {
    start();
    store.create(CPOL, policy());
    await bg.settle();
    store.create(NS, ns('a'));
    await bg.settle();
    assert.ok(store.get(NETPOL, 'a', 'default-deny'));
    store.delete(CPOL, '', 'default-deny');
    await bg.settle();
    assert.equal(store.get(NETPOL, 'a', 'default-deny'), undefined);
  });

  it('the policy status says Ready, counts rules and lists autogen rules', () => {
    const validate: KubeObject = {
      apiVersion: 'kyverno.io/v1',
      kind: 'ClusterPolicy',
      metadata: { name: 'p' },
      spec: { rules: [{ name: 'r', match: { any: [{ resources: { kinds: ['Pod'] } }] }, validate: { failureAction: 'Enforce', pattern: { spec: { containers: [{ image: '!*:latest' }] } } } }] },
    };
    const s = policyStatus(validate, undefined);
    assert.deepEqual(s.conditions.map((c: Record<string, string>) => [c.type, c.status, c.reason, c.message]), [['Ready', 'True', 'Succeeded', 'Ready']]);
    assert.deepEqual(s.rulecount, { generate: 0, mutate: 0, validate: 3, verifyimages: 0 });
    assert.deepEqual(s.autogen.rules.map((r: Record<string, string>) => r.name), ['autogen-r', 'autogen-cronjob-r']);
  });
});
