/** The deploy tests' model of NetworkPolicy semantics, checked on small cases with known answers. */
import assert from 'node:assert/strict';
import { allowed, inCidr, selects, type Endpoint, type Obj } from './networkPolicy.js';

const pod = (name: string, ip: string, namespace: string, labels: Record<string, string>, ports?: Record<string, number>): Endpoint => ({ name, ip, namespace, labels, ...(ports ? { ports } : {}) });
const policy = (namespace: string, spec: Obj): Obj => ({ metadata: { name: 'p', namespace }, spec });

describe('NetworkPolicy model (test/deploy/networkPolicy.ts)', () => {
  const web = pod('web', '10.0.0.1', 'shop', { app: 'web' }, { http: 8080 });
  const db = pod('db', '10.0.0.2', 'shop', { app: 'db' });
  const other = pod('x', '10.1.0.1', 'other', { app: 'x' });
  const outside: Endpoint = { name: 'outside', ip: '198.51.100.1' };

  it('label selectors: matchLabels and every matchExpressions operator; an absent selector selects nothing', () => {
    assert.ok(selects({}, { a: '1' }));
    assert.ok(selects({ matchLabels: { a: '1' } }, { a: '1', b: '2' }) && !selects({ matchLabels: { a: '1' } }, { a: '2' }));
    assert.ok(selects({ matchExpressions: [{ key: 'a', operator: 'In', values: ['1', '2'] }] }, { a: '2' }));
    assert.ok(selects({ matchExpressions: [{ key: 'a', operator: 'NotIn', values: ['1'] }] }, {}));
    assert.ok(!selects({ matchExpressions: [{ key: 'a', operator: 'Exists' }] }, {}) && selects({ matchExpressions: [{ key: 'a', operator: 'DoesNotExist' }] }, {}));
    assert.ok(!selects(undefined, {}));
  });

  it('CIDRs', () => {
    assert.ok(inCidr('10.244.3.4', '10.0.0.0/8') && !inCidr('11.0.0.1', '10.0.0.0/8'));
    assert.ok(inCidr('172.31.255.255', '172.16.0.0/12') && !inCidr('172.32.0.0', '172.16.0.0/12'));
    assert.ok(inCidr('1.2.3.4', '0.0.0.0/0') && !inCidr('1.2.3.4', '::/0'));
  });

  it('no policy allows everything; a selecting policy without rules denies its direction only', () => {
    assert.ok(allowed([], web, db, 5432));
    const denyIn = [policy('shop', { podSelector: {}, policyTypes: ['Ingress'] })];
    assert.ok(!allowed(denyIn, web, db, 5432));
    assert.ok(allowed(denyIn, web, outside, 443), 'egress is not restricted by an Ingress policy');
    const denyOut = [policy('shop', { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Egress'] })];
    assert.ok(!allowed(denyOut, web, outside, 443) && allowed(denyOut, db, outside, 443));
    assert.ok(allowed([policy('other', { podSelector: {}, policyTypes: ['Ingress'] })], web, db, 5432), "another namespace's policy does not apply");
  });

  it('peers: pods of the policy namespace, namespaceSelector, ipBlock with exceptions; ports numeric and named', () => {
    const p = [
      policy('shop', {
        podSelector: { matchLabels: { app: 'web' } },
        policyTypes: ['Ingress'],
        ingress: [
          { from: [{ podSelector: { matchLabels: { app: 'db' } } }], ports: [{ protocol: 'TCP', port: 'http' }] },
          { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'other' } } }], ports: [{ port: 9000 }] },
          { from: [{ ipBlock: { cidr: '198.51.100.0/24', except: ['198.51.100.1/32'] } }] },
        ],
      }),
    ];
    assert.ok(allowed(p, db, web, 8080), 'named port http = 8080');
    assert.ok(!allowed(p, db, web, 8081));
    assert.ok(!allowed(p, db, web, 8080, 'UDP'), 'TCP is the default protocol');
    assert.ok(!allowed(p, pod('db2', '10.1.0.9', 'other', { app: 'db' }), web, 8080), 'a podSelector alone means the policy namespace');
    assert.ok(allowed(p, other, web, 9000) && !allowed(p, other, web, 8080));
    assert.ok(!allowed(p, outside, web, 22), 'excepted address');
    assert.ok(allowed(p, { name: 'o2', ip: '198.51.100.2' }, web, 22), 'an ipBlock rule without ports allows every port');
  });
});
