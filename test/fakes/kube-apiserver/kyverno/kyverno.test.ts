/**
 * The fake Kyverno engine (v1.18.2): pattern anchors and operators as pkg/engine/validate walks
 * them, autogen for Pod controllers, failure actions, the webhook's blocked message, deny
 * conditions with JMESPath and the `images` variable, and generate rules' downstream objects.
 */
import assert from 'node:assert/strict';
import { blockedMessage, imageInfo, validateAdmission, type AdmissionInput } from './engine.js';
import { generateExisting, inSync, planGenerate } from './generate.js';
import { matchPattern } from './pattern.js';
import { computeRules, failureAction } from './policy.js';
import { jmespath } from './variables.js';
import { wildcardMatch } from './wildcard.js';
import { generatePolicy } from './fixtures.js';

type Obj = Record<string, any>;

const pod = (name: string, containers: Obj[], initContainers?: Obj[], ns = 'default'): Obj => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: ns },
  spec: { containers, ...(initContainers ? { initContainers } : {}) },
});

const deployment = (name: string, image: string): Obj => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: 'default' },
  spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image }] } } },
});

const input = (object: Obj, over: Partial<AdmissionInput> = {}): AdmissionInput => {
  const [group, version] = String(object.apiVersion).includes('/') ? String(object.apiVersion).split('/') : ['', String(object.apiVersion)];
  return {
    operation: 'CREATE',
    object,
    group: group!,
    version: version!,
    kind: object.kind,
    resource: `${String(object.kind).toLowerCase()}s`,
    namespace: object.metadata.namespace ?? '',
    namespaceLabels: {},
    ...over,
  };
};

const latestPolicy = (over: Obj = {}): Obj => ({
  apiVersion: 'kyverno.io/v1',
  kind: 'ClusterPolicy',
  metadata: { name: 'disallow-latest-tag' },
  spec: {
    rules: [
      {
        name: 'validate-image-tag',
        match: { any: [{ resources: { kinds: ['Pod'] } }] },
        validate: { failureAction: 'Enforce', message: "Using a mutable image tag e.g. 'latest' is not allowed.", pattern: { spec: { containers: [{ image: '!*:latest' }] } } },
      },
    ],
    ...over,
  },
});

describe('fake Kyverno engine', () => {
  it('matches wildcards as go-wildcard does (* any run, ? exactly one)', () => {
    assert.equal(wildcardMatch('*:latest', 'nginx:latest'), true);
    assert.equal(wildcardMatch('*:latest', 'nginx:1.27'), false);
    assert.equal(wildcardMatch('?*', ''), false);
    assert.equal(wildcardMatch('?*', 'a'), true);
    assert.equal(wildcardMatch('*:*', 'nginx'), false);
    assert.equal(wildcardMatch('', ''), true);
  });

  it('walks patterns: scalar operators, arrays of maps, anchors', () => {
    const p = { spec: { containers: [{ image: '!*:latest' }] } };
    assert.deepEqual(matchPattern(pod('a', [{ name: 'c', image: 'nginx:1.27' }]), p), { status: 'pass' });
    const r = matchPattern(pod('a', [{ name: 'c', image: 'nginx:1.27' }, { name: 'd', image: 'busybox:latest' }]), p);
    assert.equal(r.status, 'fail');
    assert.equal((r as { path: string }).path, '/spec/containers/1/image/');
    // A list the pattern names but the resource lacks fails; =() checks only when present.
    assert.equal(matchPattern(pod('a', [{ name: 'c', image: 'nginx:1' }]), { spec: { initContainers: [{ image: '!*:latest' }] } }).status, 'fail');
    const eq = { spec: { '=(initContainers)': [{ image: '!*:latest' }], containers: [{ image: '!*:latest' }] } };
    assert.equal(matchPattern(pod('a', [{ name: 'c', image: 'nginx:1' }]), eq).status, 'pass');
    const bad = matchPattern(pod('a', [{ name: 'c', image: 'nginx:1' }], [{ name: 'i', image: 'busybox:latest' }]), eq);
    assert.equal(bad.status, 'fail');
    assert.equal((bad as { path: string }).path, '/spec/initContainers/0/image/');
    // Alternatives and conjunctions; quantities compare numerically.
    assert.equal(matchPattern({ a: 'x:1' }, { a: '*:latest | *:1' }).status, 'pass');
    assert.equal(matchPattern({ a: 'x:1' }, { a: '*:* & !*:latest' }).status, 'pass');
    assert.equal(matchPattern({ a: 'x' }, { a: '*:* & !*:latest' }).status, 'fail');
    assert.equal(matchPattern({ m: '256Mi' }, { m: '<=1Gi' }).status, 'pass');
    assert.equal(matchPattern({ m: '2Gi' }, { m: '<=1Gi' }).status, 'fail');
    // Negation anchor: the key must be absent.
    const neg = matchPattern({ spec: { hostNetwork: true } }, { spec: { 'X(hostNetwork)': 'null' } });
    assert.equal(neg.status, 'fail');
    // Conditional anchor not met → skip (the rule does not apply).
    assert.equal(matchPattern({ spec: { containers: [{ name: 'x', image: 'a:1' }] } }, { spec: { containers: [{ '(name)': 'web', image: '!*:latest' }] } }).status, 'skip');
    // Existence anchor: at least one element matches.
    assert.equal(matchPattern({ spec: { containers: [{ image: 'a:1' }, { image: 'b:latest' }] } }, { spec: { '^(containers)': [{ image: '*:latest' }] } }).status, 'pass');
    assert.equal(matchPattern({ spec: { containers: [{ image: 'a:1' }] } }, { spec: { '^(containers)': [{ image: '*:latest' }] } }).status, 'fail');
  });

  it('evaluates the JMESPath policies write (multi-select lists, flatten, projections, ||)', () => {
    const req = { request: { object: pod('a', [{ name: 'c', image: 'n:1' }], [{ name: 'i', image: 'b:latest' }]) } };
    assert.deepEqual(jmespath('request.object.spec.[containers, initContainers, ephemeralContainers][].image', req), ['n:1', 'b:latest']);
    assert.deepEqual(jmespath('request.object.spec.containers[*].image', req), ['n:1']);
    assert.deepEqual(jmespath('request.object.spec.ephemeralContainers[].image || `[]`', req), []);
    assert.throws(() => jmespath('request.object.spec.ephemeralContainers[].image', req), /Unknown key "ephemeralContainers"/);
    assert.deepEqual(jmespath('images.containers.*.tag', { images: { containers: { a: { tag: 'latest' }, b: { tag: '1' } } } }), ['latest', '1']);
    assert.throws(() => jmespath('length(request.object.spec.containers)', req), /not simulated/);
  });

  it('parses images as Kyverno GetImageInfo does (untagged is latest)', () => {
    assert.deepEqual(imageInfo('nginx'), { registry: 'docker.io', name: 'nginx', path: 'nginx', tag: 'latest', reference: 'docker.io/nginx:latest', referenceWithTag: 'docker.io/nginx:latest' });
    assert.equal(imageInfo('registry.k8s.io/pause:3.10').tag, '3.10');
    assert.equal(imageInfo('localhost:5000/app').tag, 'latest');
    assert.equal(imageInfo('nginx@sha256:abc').tag, undefined);
  });

  it('autogen adds rules for Pod controllers and CronJob, pattern under the template', () => {
    const rules = computeRules(latestPolicy());
    assert.deepEqual(rules.map((r) => r.name), ['validate-image-tag', 'autogen-validate-image-tag', 'autogen-cronjob-validate-image-tag']);
    assert.deepEqual(rules[1]!.match.any[0].resources.kinds, ['DaemonSet', 'Deployment', 'Job', 'ReplicaSet', 'ReplicationController', 'StatefulSet']);
    assert.deepEqual(rules[1]!.validate.pattern, { spec: { template: { spec: { containers: [{ image: '!*:latest' }] } } } });
    assert.deepEqual(rules[2]!.validate.pattern, { spec: { jobTemplate: { spec: { template: { spec: { containers: [{ image: '!*:latest' }] } } } } } });
    const none = latestPolicy();
    none.metadata.annotations = { 'pod-policies.kyverno.io/autogen-controllers': 'none' };
    assert.equal(computeRules(none).length, 1);
    // A rule with a name or mixing Pod with other kinds gets no autogen.
    const mixed = latestPolicy();
    mixed.spec.rules[0].match = { any: [{ resources: { kinds: ['Pod', 'Deployment'] } }] };
    assert.equal(computeRules(mixed).length, 1);
  });

  it('failure action: rule level, else the deprecated spec field, default Audit', () => {
    const p = latestPolicy();
    const rule = p.spec.rules[0];
    assert.equal(failureAction(p, rule, 'default'), 'Enforce');
    delete rule.validate.failureAction;
    assert.equal(failureAction(p, rule, 'default'), 'Audit');
    p.spec.validationFailureAction = 'enforce';
    assert.equal(failureAction(p, rule, 'default'), 'Enforce');
  });

  it('blocks an Enforce failure with the webhook message Kyverno writes', () => {
    const out = validateAdmission([latestPolicy()], input(pod('web', [{ name: 'c', image: 'nginx:latest' }])));
    assert.equal(out.allowed, false);
    assert.equal(
      out.message,
      "\n\nresource Pod/default/web was blocked due to the following policies \n\ndisallow-latest-tag:\n  validate-image-tag: 'validation error: Using a mutable image tag e.g. ''latest''\n    is not allowed. rule validate-image-tag failed at path /spec/containers/0/image/'\n",
    );
    assert.equal(validateAdmission([latestPolicy()], input(pod('web', [{ name: 'c', image: 'nginx:1.27' }]))).allowed, true);
    // A Deployment is judged by the autogen rule.
    const dep = validateAdmission([latestPolicy()], input(deployment('api', 'nginx:latest')));
    assert.equal(dep.allowed, false);
    assert.match(dep.message!, /autogen-validate-image-tag: .*failed at path \/spec\/template\/spec\/containers\/0\/image\//s);
    // Audit never blocks; kube-system is filtered out.
    const audit = latestPolicy();
    delete audit.spec.rules[0].validate.failureAction;
    assert.equal(validateAdmission([audit], input(pod('web', [{ name: 'c', image: 'nginx:latest' }]))).allowed, true);
    assert.equal(validateAdmission([latestPolicy()], input(pod('web', [{ name: 'c', image: 'nginx:latest' }], undefined, 'kube-system'))).allowed, true);
  });

  it('a namespaced Policy applies only in its namespace', () => {
    const p = latestPolicy();
    p.kind = 'Policy';
    p.metadata.namespace = 'team-a';
    assert.equal(validateAdmission([p], input(pod('w', [{ name: 'c', image: 'nginx:latest' }], undefined, 'team-a'))).allowed, false);
    assert.equal(validateAdmission([p], input(pod('w', [{ name: 'c', image: 'nginx:latest' }], undefined, 'default'))).allowed, true);
  });

  it('deny conditions with the images variable catch latest and untagged images in every container list', () => {
    const p: Obj = {
      apiVersion: 'kyverno.io/v1',
      kind: 'ClusterPolicy',
      metadata: { name: 'no-latest' },
      spec: {
        validationFailureAction: 'Enforce',
        rules: [
          {
            name: 'deny-latest',
            match: { resources: { kinds: ['Pod'] } },
            validate: {
              message: 'latest is not allowed',
              deny: {
                conditions: {
                  any: [
                    { key: '{{ images.containers.*.tag }}', operator: 'AnyIn', value: ['latest'] },
                    { key: '{{ images.initContainers.*.tag || `[]` }}', operator: 'AnyIn', value: ['latest'] },
                  ],
                },
              },
            },
          },
        ],
      },
    };
    const init = validateAdmission([p], input(pod('w', [{ name: 'c', image: 'nginx:1.27' }], [{ name: 'i', image: 'busybox' }])));
    assert.equal(init.allowed, false, JSON.stringify(init.results));
    assert.match(init.message!, /deny-latest: latest is not allowed/);
    assert.equal(validateAdmission([p], input(pod('w', [{ name: 'c', image: 'nginx:1.27' }]))).allowed, true, 'a pinned tag is admitted');
    assert.equal(validateAdmission([p], input(deployment('d', 'nginx:latest'))).allowed, false, 'autogen covers deny rules');
  });

  it('blocked messages sort policies and rules', () => {
    const m = blockedMessage('Pod', 'ns', 'x', new Map([['b', new Map([['r2', 'two'], ['r1', 'one']])], ['a', new Map([['r', 'x']])]]));
    assert.equal(m, '\n\nresource Pod/ns/x was blocked due to the following policies \n\na:\n  r: x\nb:\n  r1: one\n  r2: two\n');
  });

  it('plans a generate rule: data, variables from the trigger, labels, synchronize, generateExisting', () => {
    const policy: Obj = generatePolicy();
    const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'probe', uid: 'u1' } };
    const t = planGenerate(policy, policy.spec.rules[0], ns, () => undefined);
    assert.equal(t.namespace, 'probe');
    assert.equal(t.synchronize, true);
    assert.deepEqual(t.object.spec, { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    assert.equal(t.object.metadata.labels['generate.kyverno.io/policy-name'], 'default-deny');
    assert.equal(t.object.metadata.labels['generate.kyverno.io/trigger-name'], 'probe');
    assert.equal(generateExisting(policy, policy.spec.rules[0]), false);
    assert.equal(inSync(t.object, { ...t.object, metadata: { ...t.object.metadata, uid: 'x' } }), true);
    assert.equal(inSync(t.object, { ...t.object, spec: { podSelector: {}, policyTypes: ['Ingress'] } }), false);
    // Generate rules get no autogen.
    assert.equal(computeRules(policy).length, 1);
  });
});
