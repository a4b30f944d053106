/**
 * The controller's view of the stored Ingresses (model.ts), as F5 NGINX Ingress Controller v5.5
 * builds its nginx servers: class selection, oldest Ingress wins a host, exact TLS host match,
 * Secret checks, nginx's server_name and location choice.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findResource } from '../resources.js';
import { ObjectStore, type KubeObject } from '../store.js';
import { ingressServers, matchLocation, matchServer } from './model.js';

const INGRESSES = findResource('networking.k8s.io', 'v1', 'ingresses')!;
const SECRETS = findResource('', 'v1', 'secrets')!;

function keyPair(dir: string, cn: string): { crt: string; key: string } {
  const crt = join(dir, `${cn}.crt`), key = join(dir, `${cn}.key`);
  execFileSync('openssl', ['req', '-x509', '-nodes', '-newkey', 'rsa:2048', '-days', '1', '-subj', `/CN=${cn}`, '-keyout', key, '-out', crt], { stdio: 'ignore' });
  return { crt: readFileSync(crt).toString('base64'), key: readFileSync(key).toString('base64') };
}

const ing = (name: string, created: string, spec: Record<string, unknown>, annotations?: Record<string, string>): KubeObject => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name, namespace: 'web', creationTimestamp: created, ...(annotations ? { annotations } : {}) },
  spec,
});
const rule = (host: string, paths: Record<string, unknown>[] = [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'app', port: { number: 80 } } } }]) => ({ host, http: { paths } });

describe('fake ingress controller model (nginx servers from Ingresses)', () => {
  let dir: string;
  let good: { crt: string; key: string };
  let other: { crt: string; key: string };
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'ingress-model-'));
    good = keyPair(dir, 'a.example.com');
    other = keyPair(dir, 'b.example.com');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('serves only Ingresses of its class (annotation first), the oldest keeps a host', () => {
    const store = new ObjectStore();
    store.create(INGRESSES, ing('none', '2026-01-01T00:00:00Z', { rules: [rule('none.example.com')] }));
    store.create(INGRESSES, ing('other', '2026-01-01T00:00:00Z', { ingressClassName: 'traefik', rules: [rule('other.example.com')] }));
    store.create(INGRESSES, ing('annotated', '2026-01-01T00:00:00Z', { ingressClassName: 'traefik', rules: [rule('annotated.example.com')] }, { 'kubernetes.io/ingress.class': 'nginx' }));
    // create() stamps now; update() keeps the timestamps given here.
    for (const [name, created] of [['newer', '2026-01-02T00:00:00Z'], ['older', '2026-01-01T00:00:00Z']] as const) {
      const made = store.create(INGRESSES, ing(name, created, { ingressClassName: 'nginx', rules: [rule('a.example.com'), rule('')] }));
      store.update(INGRESSES, { ...made, metadata: { ...made.metadata, creationTimestamp: created } });
    }
    const servers = ingressServers(store, 'nginx');
    assert.deepEqual([...servers.keys()].sort(), ['a.example.com', 'annotated.example.com']);
    assert.equal(servers.get('a.example.com')!.ingress, 'web/older');
  });

  it('gives a TLS host its Secret, and rejects the handshake for a wrong type, a mismatched key, a missing Secret or no secretName', () => {
    const store = new ObjectStore();
    const secret = (name: string, type: string, data: Record<string, string>) => store.create(SECRETS, { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'web' }, type, data });
    secret('good', 'kubernetes.io/tls', { 'tls.crt': good.crt, 'tls.key': good.key });
    secret('opaque', 'Opaque', { 'tls.crt': good.crt, 'tls.key': good.key });
    secret('mismatch', 'kubernetes.io/tls', { 'tls.crt': good.crt, 'tls.key': other.key });
    const tls = (host: string, secretName?: string) => ({ hosts: [host], ...(secretName ? { secretName } : {}) });
    store.create(INGRESSES, ing('i', '2026-01-01T00:00:00Z', {
      ingressClassName: 'nginx',
      tls: [tls('good.example.com', 'good'), tls('opaque.example.com', 'opaque'), tls('mismatch.example.com', 'mismatch'), tls('missing.example.com', 'nope'), tls('nosecret.example.com'), tls('www.plain.example.com', 'good')],
      rules: ['good', 'opaque', 'mismatch', 'missing', 'nosecret', 'plain'].map((h) => rule(`${h}.example.com`)),
    }));
    const s = ingressServers(store, 'nginx');
    assert.ok(s.get('good.example.com')!.context);
    assert.match(s.get('opaque.example.com')!.reject!, /wrong type 'Opaque', must be 'kubernetes.io\/tls'/);
    assert.match(s.get('mismatch.example.com')!.reject!, /TLS secret mismatch is invalid/);
    assert.match(s.get('missing.example.com')!.reject!, /TLS secret nope is invalid/);
    assert.match(s.get('nosecret.example.com')!.reject!, /requires specifying a TLS secret/);
    assert.equal(s.get('plain.example.com')!.ssl, false, 'a tls host must equal the rule host exactly');
  });

  it('chooses servers and locations as nginx does', () => {
    const servers = [
      { host: 'a.example.com', ingress: 'x', ssl: false, locations: [] },
      { host: '*.example.com', ingress: 'x', ssl: false, locations: [] },
      { host: '*.b.example.com', ingress: 'x', ssl: false, locations: [] },
    ];
    assert.equal(matchServer(servers, 'A.example.com')?.host, 'a.example.com');
    assert.equal(matchServer(servers, 'x.b.example.com')?.host, '*.b.example.com');
    assert.equal(matchServer(servers, 'c.example.com')?.host, '*.example.com');
    assert.equal(matchServer(servers, 'example.com'), undefined);
    const server = { host: 'h', ingress: 'x', ssl: false, locations: [
      { path: '/', exact: false, namespace: 'web', service: 'root', port: 80 },
      { path: '/api', exact: false, namespace: 'web', service: 'api', port: 80 },
      { path: '/api/v1', exact: true, namespace: 'web', service: 'v1', port: 80 },
    ] };
    assert.equal(matchLocation(server, '/api/v1')?.service, 'v1');
    assert.equal(matchLocation(server, '/api/v1/x')?.service, 'api');
    assert.equal(matchLocation(server, '/other')?.service, 'root');
  });
});
