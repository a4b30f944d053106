import { strict as assert } from 'node:assert';
import { decryptValue, encryptValue, EncryptionConfigError, parseEncryptionConfig, providersFor } from './encryption.js';
import { secretboxOpen, secretboxSeal } from './secretbox.js';

const key = (n: number) => Buffer.alloc(n, 3).toString('base64');
const cfg = (providers: string) => `apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n  - resources: [secrets]\n    providers:\n${providers}`;
const K = '/registry/secrets/default/s';

describe('fake kube-apiserver: encryption at rest', () => {
  for (const type of ['aescbc', 'aesgcm', 'secretbox'] as const) {
    it(`${type}: stores k8s:enc:${type}:v1:<key>: + ciphertext that reads back, never the plain text`, () => {
      const c = parseEncryptionConfig(cfg(`      - ${type}: { keys: [{ name: key1, secret: ${key(32)} }] }\n      - identity: {}`), '/enc.yaml');
      const providers = providersFor(c, '', 'secrets');
      const raw = encryptValue(providers, K, Buffer.from('k8s\0plain-secret-value'))!;
      assert.ok(raw.subarray(0, `k8s:enc:${type}:v1:key1:`.length).equals(Buffer.from(`k8s:enc:${type}:v1:key1:`)));
      assert.ok(!raw.includes(Buffer.from('plain-secret-value')));
      assert.equal(decryptValue(providers, K, raw).toString(), 'k8s\0plain-secret-value');
      assert.equal(decryptValue(providers, K, Buffer.from('k8s\0old plain')).toString(), 'k8s\0old plain', 'identity reads what was stored before');
    });
  }

  it('identity first writes plain text; other resources are untouched', () => {
    const c = parseEncryptionConfig(cfg(`      - identity: {}\n      - aescbc: { keys: [{ name: k, secret: ${key(16)} }] }`), '/enc.yaml');
    assert.equal(encryptValue(providersFor(c, '', 'secrets'), K, Buffer.from('x')), undefined);
    assert.equal(providersFor(c, '', 'configmaps'), undefined);
  });

  it('a value encrypted with a key that is no longer configured cannot be read', () => {
    const a = providersFor(parseEncryptionConfig(cfg(`      - aescbc: { keys: [{ name: old, secret: ${key(32)} }] }`), '/e'), '', 'secrets');
    const b = providersFor(parseEncryptionConfig(cfg(`      - aescbc: { keys: [{ name: new, secret: ${key(24)} }] }\n      - identity: {}`), '/e'), '', 'secrets');
    assert.throws(() => decryptValue(b, K, encryptValue(a, K, Buffer.from('v'))!), /no matching key was found for the provided AES transformer/);
  });

  it('refuses invalid configurations with kube-apiserver’s messages', () => {
    const bad = (text: string, re: RegExp) => assert.throws(() => parseEncryptionConfig(text, '/etc/kubernetes/enc/enc.yaml'), (e: Error) => e instanceof EncryptionConfigError && re.test(e.message));
    bad(cfg(`      - aescbc: { keys: [{ name: key1, secret: ${Buffer.from('0123456789').toString('base64')} }] }`), /^error while parsing file: resources\[0\]\.providers\[0\]\.aescbc\.keys\[0\]\.secret: Invalid value: "REDACTED": secret is not of the expected length, got 10, expected one of \[16 24 32\]$/);
    bad(cfg(`      - secretbox: { keys: [{ name: key1, secret: ${key(16)} }] }`), /expected one of \[32\]/);
    bad(cfg('      - aescbc: {}'), /keys \(each key has a name and a secret\) are required/);
    bad(cfg(`      - { identity: {}, aescbc: { keys: [{ name: k, secret: ${key(16)} }] } }`), /more than one provider specified in a single element/);
    bad(cfg('      - identity: {}').replace('apiserver.config.k8s.io/v1', 'v1'), /no kind "EncryptionConfiguration" is registered for version "v1"/);
    bad('', /encryption provider configuration file "\/etc\/kubernetes\/enc\/enc.yaml" is empty/);
  });

  it('secretbox matches golang.org/x/crypto/nacl/secretbox (TestSealed vector)', () => {
    const box = secretboxSeal(Buffer.alloc(64, 3), Buffer.alloc(24, 2), Buffer.alloc(32, 1));
    assert.equal(box.toString('hex'), '8442bc313f4626f1359e3b50122b6ce6fe66ddfe7d39d14e637eb4fd5b45beadab55198df6ab5368439792a23c87db70acb6156dc5ef957ac04f6276cf6093b84be77ff0849cc33e34b7254d5a8f65ad');
    assert.equal(secretboxOpen(box, Buffer.alloc(24, 2), Buffer.alloc(32, 1))?.equals(Buffer.alloc(64, 3)), true);
    box[20]! ^= 1;
    assert.equal(secretboxOpen(box, Buffer.alloc(24, 2), Buffer.alloc(32, 1)), null);
  });
});
