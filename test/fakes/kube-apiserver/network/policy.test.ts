/**
 * NetworkPolicy semantics, case by case from the networking.k8s.io/v1 API reference
 * (NetworkPolicySpec, NetworkPolicyPeer, NetworkPolicyPort) and the concepts page's examples.
 */
import assert from 'node:assert/strict';
import { connectionAllowed, inCidr, policyTypes, selectorMatches, type NetPod, type NetworkPolicyLike, type PolicyWorld } from './policy.js';

const pod = (namespace: string, name: string, labels: Record<string, string>, ip: string, ports: NetPod['ports'] = []): { pod: NetPod } => ({ pod: { namespace, name, labels, ip, ports } });
const frontend = pod('shop', 'frontend', { app: 'frontend' }, '10.244.0.10');
const backend = pod('shop', 'backend', { app: 'backend' }, '10.244.0.11', [{ name: 'http', containerPort: 8080 }]);
const intruder = pod('shop', 'intruder', { app: 'intruder' }, '10.244.0.12');
const dns = pod('kube-system', 'coredns', { 'k8s-app': 'kube-dns' }, '10.244.0.2', [{ name: 'dns', containerPort: 53, protocol: 'UDP' }, { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' }]);
const otherNs = pod('other', 'client', { app: 'frontend' }, '10.244.0.20');
const NS: Record<string, Record<string, string>> = {
  shop: { 'kubernetes.io/metadata.name': 'shop' },
  other: { 'kubernetes.io/metadata.name': 'other', team: 'blue' },
  'kube-system': { 'kubernetes.io/metadata.name': 'kube-system' },
};
const world = (...policies: NetworkPolicyLike[]): PolicyWorld => ({ policies, namespaceLabels: (n) => NS[n] });
const np = (name: string, spec: NonNullable<NetworkPolicyLike['spec']>, namespace = 'shop'): NetworkPolicyLike => ({ metadata: { name, namespace }, spec });
const DENY_ALL = np('default-deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
const ok = (w: PolicyWorld, src: Parameters<typeof connectionAllowed>[1], dst: Parameters<typeof connectionAllowed>[2], port: number, proto = 'TCP'): boolean => connectionAllowed(w, src, dst, port, proto).allowed;

describe('NetworkPolicy evaluation', () => {
  it('a pod no policy selects is open both ways', () => {
    assert.equal(ok(world(), intruder, backend, 8080), true);
    assert.equal(ok(world(np('other-pods', { podSelector: { matchLabels: { app: 'frontend' } }, policyTypes: ['Ingress'] })), intruder, backend, 8080), true);
  });

  it('default deny with policyTypes Ingress and Egress and no rules blocks both directions, and says why', () => {
    const v = connectionAllowed(world(DENY_ALL), frontend, backend, 8080, 'TCP');
    assert.equal(v.allowed, false);
    assert.match(v.reason, /shop\/frontend → shop\/backend:8080\/TCP denied on egress: shop\/frontend is isolated by default-deny/);
    assert.equal(ok(world(DENY_ALL), otherNs, backend, 8080), false, 'ingress from another namespace');
    assert.equal(ok(world(DENY_ALL), frontend, { ip: '8.8.8.8' }, 53, 'UDP'), false, 'egress to the outside');
  });

  it('policyTypes left out: Ingress only, unless the policy has egress rules (the API server default)', () => {
    assert.deepEqual(policyTypes(np('a', { podSelector: {} })), ['Ingress']);
    assert.deepEqual(policyTypes(np('b', { podSelector: {}, egress: [] })), ['Ingress']);
    assert.deepEqual(policyTypes(np('c', { podSelector: {}, egress: [{}] })), ['Ingress', 'Egress']);
    assert.deepEqual(policyTypes(np('d', { podSelector: {}, policyTypes: ['Egress'] })), ['Egress']);
    const ingressOnly = world(np('deny', { podSelector: {} }));
    assert.equal(ok(ingressOnly, frontend, { ip: '8.8.8.8' }, 443), true, 'egress stays open');
    assert.equal(ok(ingressOnly, frontend, backend, 8080), false, 'ingress is denied');
  });

  it('policies are additive: an allow in a second policy opens what the default deny closed, for that pair and port only', () => {
    const allowEgress = np('frontend-egress', { podSelector: { matchLabels: { app: 'frontend' } }, policyTypes: ['Egress'], egress: [{ to: [{ podSelector: { matchLabels: { app: 'backend' } } }], ports: [{ port: 8080 }] }] });
    const allowIngress = np('backend-ingress', { podSelector: { matchLabels: { app: 'backend' } }, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: { matchLabels: { app: 'frontend' } } }], ports: [{ protocol: 'TCP', port: 8080 }] }] });
    const w = world(DENY_ALL, allowEgress, allowIngress);
    assert.equal(ok(w, frontend, backend, 8080), true);
    assert.equal(ok(w, frontend, backend, 9090), false, 'another port');
    assert.equal(ok(w, intruder, backend, 8080), false, 'another source');
    assert.equal(ok(w, backend, frontend, 80), false, 'the reverse direction');
    assert.equal(ok(world(DENY_ALL, allowEgress), frontend, backend, 8080), false, 'egress alone is not enough: the destination must admit it');
  });

  it('a podSelector peer means pods of the policy\'s own namespace only', () => {
    const w = world(np('in', { podSelector: { matchLabels: { app: 'backend' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'frontend' } } }] }] }));
    assert.equal(ok(w, frontend, backend, 8080), true);
    assert.equal(ok(w, otherNs, backend, 8080), false, 'same labels, other namespace');
  });

  it('namespaceSelector alone admits every pod of those namespaces; with podSelector in the same peer both must match; as two peers either', () => {
    const nsOnly = world(np('in', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'blue' } } }] }] }));
    assert.equal(ok(nsOnly, otherNs, backend, 8080), true);
    assert.equal(ok(nsOnly, frontend, backend, 8080), false);
    const and = world(np('in', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'blue' } }, podSelector: { matchLabels: { app: 'backend' } } }] }] }));
    assert.equal(ok(and, otherNs, backend, 8080), false, 'namespace matches, pod does not');
    const or = world(np('in', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'blue' } } }, { podSelector: { matchLabels: { app: 'intruder' } } }] }] }));
    assert.equal(ok(or, otherNs, backend, 8080), true);
    assert.equal(ok(or, intruder, backend, 8080), true);
    const everyNs = world(np('in', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: {} }] }] }));
    assert.equal(ok(everyNs, otherNs, backend, 8080), true, 'namespaceSelector {} selects every namespace');
  });

  it('ipBlock matches addresses in cidr and not in except', () => {
    const w = world(np('out', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.244.0.0/16'] } }] }] }));
    assert.equal(ok(w, frontend, { ip: '10.1.2.3' }, 443), true);
    assert.equal(ok(w, frontend, backend, 8080), false, 'inside except');
    assert.equal(ok(w, frontend, { ip: '169.254.169.254' }, 80), false);
    assert.equal(inCidr('169.254.169.254', '169.254.169.254/32'), true);
    assert.equal(inCidr('1.2.3.4', '0.0.0.0/0'), true);
  });

  it('ports: protocol defaults to TCP, endPort makes a range, no port means every port of the protocol', () => {
    const w = (ports: NonNullable<NonNullable<NetworkPolicyLike['spec']>['egress']>[number]['ports']) => world(np('out', { podSelector: {}, policyTypes: ['Egress'], egress: [{ ports }] }));
    assert.equal(ok(w([{ port: 53 }]), frontend, dns, 53, 'UDP'), false, 'TCP by default');
    assert.equal(ok(w([{ port: 53, protocol: 'UDP' }]), frontend, dns, 53, 'UDP'), true);
    assert.equal(ok(w([{ port: 32000, endPort: 32768 }]), frontend, { ip: '1.1.1.1' }, 32100), true);
    assert.equal(ok(w([{ port: 32000, endPort: 32768 }]), frontend, { ip: '1.1.1.1' }, 32769), false);
    assert.equal(ok(w([{ protocol: 'UDP' }]), frontend, { ip: '1.1.1.1' }, 9999, 'UDP'), true);
    assert.equal(ok(w([{ protocol: 'UDP' }]), frontend, { ip: '1.1.1.1' }, 9999, 'TCP'), false);
    assert.equal(ok(w([]), frontend, { ip: '1.1.1.1' }, 9999), true, 'empty ports: every port');
  });

  it('a named port is resolved in the destination pod (name and protocol)', () => {
    const egress = world(np('out', { podSelector: {}, policyTypes: ['Egress'], egress: [{ ports: [{ port: 'dns', protocol: 'UDP' }, { port: 'dns-tcp' }] }] }));
    assert.equal(ok(egress, frontend, dns, 53, 'UDP'), true);
    assert.equal(ok(egress, frontend, dns, 53, 'TCP'), true);
    assert.equal(ok(egress, frontend, { ip: '8.8.8.8' }, 53, 'UDP'), false, 'an address outside has no named ports');
    const ingress = world(np('in', { podSelector: { matchLabels: { app: 'backend' } }, ingress: [{ ports: [{ port: 'http' }] }] }));
    assert.equal(ok(ingress, frontend, backend, 8080), true);
    assert.equal(ok(ingress, frontend, backend, 8081), false);
  });

  it('an empty ingress rule list isolates; a rule with neither from nor ports allows everything', () => {
    assert.equal(ok(world(np('in', { podSelector: {}, policyTypes: ['Ingress'], ingress: [] })), frontend, backend, 8080), false);
    assert.equal(ok(world(np('in', { podSelector: {}, policyTypes: ['Ingress'], ingress: [{}] })), otherNs, backend, 8080), true);
  });

  it('label selectors: matchLabels and the four matchExpressions operators', () => {
    const l = { app: 'web', tier: 'front' };
    assert.equal(selectorMatches({}, l), true);
    assert.equal(selectorMatches({ matchLabels: { app: 'web' } }, l), true);
    assert.equal(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['front', 'back'] }] }, l), true);
    assert.equal(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['front'] }] }, l), false);
    assert.equal(selectorMatches({ matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] }, l), true);
    assert.equal(selectorMatches({ matchExpressions: [{ key: 'app', operator: 'Exists' }] }, l), true);
    assert.equal(selectorMatches({ matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] }, l), false);
    assert.equal(selectorMatches({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['back'] }] }, l), false, 'all terms must match');
  });

  it('DNS egress written the usual way admits kube-dns in kube-system, UDP and TCP 53, and nothing else', () => {
    const allowDns = np('allow-dns', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] }] });
    const w = world(DENY_ALL, allowDns);
    assert.equal(ok(w, intruder, dns, 53, 'UDP'), true);
    assert.equal(ok(w, intruder, dns, 53, 'TCP'), true);
    assert.equal(ok(w, intruder, { ip: '8.8.8.8' }, 53, 'UDP'), false);
    assert.equal(ok(w, intruder, backend, 53, 'UDP'), false);
  });
});
