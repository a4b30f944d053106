/** What CKS Lab accepts from a kubeconfig that came from a learner's node, and what it refuses. */
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import { AppError } from '../../server/errors.js';
import { credentialsToKubeconfig, kubeConfigFromCredentials, parseClusterCredentials } from '../../server/kube/clusterCredentials.js';

const CA = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').toString('base64');
const rules = { source: 'the kubeconfig kind printed for cluster "c"' };

function kubeconfig(cluster: Record<string, unknown>, user: Record<string, unknown>, extra: Record<string, unknown> = {}): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'kind-c', cluster: { server: 'https://127.0.0.1:40123', 'certificate-authority-data': CA, ...cluster } }],
    users: [{ name: 'kind-c', user }],
    contexts: [{ name: 'kind-c', context: { cluster: 'kind-c', user: 'kind-c' } }],
    'current-context': 'kind-c',
    ...extra,
  });
}

function refused(text: string, field: RegExp, opts = rules): AppError {
  try {
    parseClusterCredentials(text, opts);
  } catch (e) {
    assert.ok(e instanceof AppError, String(e));
    assert.match(e.message, /not safe to use/);
    assert.match(e.message, field);
    return e;
  }
  assert.fail('accepted');
}

describe('cluster credentials from a node-supplied kubeconfig', () => {
  it('keeps an inline token or an inline client certificate and key, with the CA and server', () => {
    const t = parseClusterCredentials(kubeconfig({}, { token: 'abc.def' }), rules);
    assert.deepEqual(t, { server: 'https://127.0.0.1:40123', caData: CA, auth: { token: 'abc.def' } });
    const c = parseClusterCredentials(kubeconfig({}, { 'client-certificate-data': CA, 'client-key-data': CA }), rules);
    assert.deepEqual(c.auth, { certData: CA, keyData: CA });
  });

  it('writes back a kubeconfig with only those fields, which client-node loads', () => {
    const creds = parseClusterCredentials(kubeconfig({}, { token: 'abc' }), rules);
    const again = parseClusterCredentials(credentialsToKubeconfig(creds, 'kind-c'), rules);
    assert.deepEqual(again, creds);
    const kc = kubeConfigFromCredentials(creds, 'kind-c');
    assert.equal(kc.getCurrentCluster()?.server, 'https://127.0.0.1:40123');
    assert.equal(kc.getCurrentUser()?.exec, undefined);
  });

  const hostile: [string, Record<string, unknown>, Record<string, unknown>, RegExp][] = [
    ['an exec credential plugin', {}, { exec: { command: '/bin/sh', apiVersion: 'client.authentication.k8s.io/v1' } }, /users\[kind-c\]\.user\.exec runs a credential plugin/],
    ['an auth-provider', {}, { 'auth-provider': { name: 'gcp' }, token: 'x' }, /user\.auth-provider runs an auth provider/],
    ['a token file', {}, { tokenFile: '/etc/shadow' }, /user\.tokenFile reads a file/],
    ['a client certificate file', {}, { 'client-certificate': '/root/.ssh/id_rsa', 'client-key': '/x' }, /user\.client-certificate reads a file/],
    ['a CA file', { 'certificate-authority': '/etc/shadow' }, { token: 'x' }, /cluster\.certificate-authority reads a file/],
    ['a proxy', { 'proxy-url': 'socks5://127.0.0.1:1080' }, { token: 'x' }, /cluster\.proxy-url sends the traffic through a proxy/],
    ['TLS checks off', { 'insecure-skip-tls-verify': true }, { token: 'x' }, /insecure-skip-tls-verify turns off certificate checks/],
    ['impersonation', {}, { token: 'x', as: 'system:admin' }, /user\.as impersonates/],
    ['an unknown field', {}, { token: 'x', 'disable-compression': true, mystery: 1 }, /user\.(disable-compression|mystery) is not a field/],
    ['a plain-HTTP server', { server: 'http://127.0.0.1:8080' }, { token: 'x' }, /server must be https/],
    ['a server elsewhere', { server: 'https://169.254.169.254:443' }, { token: 'x' }, /server points at 169\.254\.169\.254/],
    ['a server with a path', { server: 'https://127.0.0.1:6443/proxy' }, { token: 'x' }, /server has a path/],
    ['no CA', { 'certificate-authority-data': undefined }, { token: 'x' }, /certificate-authority-data is missing/],
    ['a token with a newline (header injection)', {}, { token: 'a\nX-Evil: 1' }, /token is not a bounded printable token/],
  ];
  for (const [what, cluster, user, field] of hostile) {
    it(`refuses ${what}, naming the field`, () => {
      const c = Object.fromEntries(Object.entries(cluster).filter(([, v]) => v !== undefined));
      const text = kubeconfig(c, user);
      const e = refused(what === 'no CA' ? text.replace(/ *certificate-authority-data: .*\n/, '') : text, field);
      assert.ok(e.field, 'the error carries the field');
    });
  }

  it('reads the current context only, and refuses YAML aliases (no alias bombs) and oversized files', () => {
    const text = kubeconfig({}, { token: 'x' }, { 'current-context': 'other' });
    refused(text, /contexts has no entry named "other"/);
    refused('a: &x [1]\nb: *x\n', /kubeconfig (cannot be read|is not valid)/);
    refused('x'.repeat(300 * 1024), /larger than 256 KiB/);
  });

  it('takes other API server hosts only when the operator allows them', () => {
    const text = kubeconfig({ server: 'https://10.0.0.5:6443' }, { token: 'x' });
    refused(text, /points at 10\.0\.0\.5/);
    assert.equal(parseClusterCredentials(text, { ...rules, allowedHosts: ['10.0.0.5'] }).server, 'https://10.0.0.5:6443');
  });
});
