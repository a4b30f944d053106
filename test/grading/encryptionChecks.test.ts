import { strict as assert } from 'node:assert';
import { CheckEngine } from '../../server/grading/engine.js';
import { createSilentLogger } from '../../server/log/index.js';
import type { Check } from '../../server/scenarios/types.js';
import { fakeProbes, ok } from './fakeProbes.js';

const engine = () => new CheckEngine({ logger: createSilentLogger() });
const ENC = '/etc/kubernetes/enc/enc.yaml';
const key = (bytes: number) => Buffer.alloc(bytes, 1).toString('base64');
const files = (content: Record<string, string>) => (cmd: string[]) =>
  cmd[0] === 'cat' && content[cmd[2]!] !== undefined ? ok(content[cmd[2]!]) : ok('', 1, `cat: ${cmd[2]}: No such file or directory`);
const config = (providers: string) => `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
  - resources: [secrets]
    providers:
${providers}`;
const encCheck: Check = {
  id: 'order',
  type: 'encryptionConfig',
  description: 'secrets are encrypted',
  path: ENC,
  resource: 'secrets',
  expect: { firstProviderOneOf: ['aescbc', 'aesgcm', 'secretbox'], identityLast: true },
};
const run = (check: Check, content: Record<string, string>) => engine().runCheck(check, fakeProbes({ node: files(content) }));

describe('encryptionConfig checks', () => {
  it('passes aescbc first with a 32-byte key and identity last', async () => {
    const r = await run(encCheck, { [ENC]: config(`      - aescbc: { keys: [{ name: key1, secret: ${key(32)} }] }\n      - identity: {}`) });
    assert.equal(r.status, 'pass', r.message);
    assert.match(r.actual, /secrets: aescbc, identity \(aescbc key key1\)/);
  });

  it('fails identity first, explaining that only the first provider encrypts', async () => {
    const r = await run(encCheck, { [ENC]: config(`      - identity: {}\n      - aescbc: { keys: [{ name: key1, secret: ${key(32)} }] }`) });
    assert.equal(r.status, 'fail');
    assert.match(r.actual, /first provider for secrets is identity — identity stores plain text/);
  });

  it('fails keys that kube-apiserver would refuse (length, base64), and secretbox needs exactly 32 bytes', async () => {
    let r = await run(encCheck, { [ENC]: config(`      - aescbc: { keys: [{ name: k, secret: ${key(10)} }] }\n      - identity: {}`) });
    assert.match(r.actual, /decodes to 10 bytes; aescbc needs 16, 24, 32 bytes/);
    r = await run(encCheck, { [ENC]: config(`      - aesgcm: { keys: [{ name: k, secret: "not base64!" }] }\n      - identity: {}`) });
    assert.match(r.actual, /not base64/);
    r = await run(encCheck, { [ENC]: config(`      - secretbox: { keys: [{ name: k, secret: ${key(16)} }] }\n      - identity: {}`) });
    assert.match(r.actual, /secretbox needs 32 bytes/);
  });

  it('fails without identity last, without a rule for secrets, a wrong kind, or no file', async () => {
    let r = await run(encCheck, { [ENC]: config(`      - aescbc: { keys: [{ name: k, secret: ${key(16)} }] }`) });
    assert.match(r.actual, /last provider for secrets is aescbc, not identity/);
    r = await run(encCheck, { [ENC]: config(`      - identity: {}`).replace('[secrets]', '[configmaps]') });
    assert.match(r.actual, /no entry under resources lists "secrets"/);
    r = await run(encCheck, { [ENC]: config(`      - identity: {}`).replace('kind: EncryptionConfiguration', 'kind: EncryptionConfig') });
    assert.match(r.actual, /not apiserver.config.k8s.io\/v1 EncryptionConfiguration/);
    r = await run(encCheck, {});
    assert.equal(r.status, 'fail');
    assert.match(r.actual, /not found/);
  });
});

describe('nodeYaml checks', () => {
  const M = '/etc/kubernetes/manifests/kube-apiserver.yaml';
  const yamlCheck: Check = {
    id: 'flag',
    type: 'nodeYaml',
    description: 'the manifest passes the flag',
    path: M,
    match: { spec: { containers: { $contains: [{ name: 'kube-apiserver', command: { $contains: [{ $regex: '^--encryption-provider-config=' }] } }] } } },
  };
  const manifest = (flag: string) => `apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - command:\n    - kube-apiserver\n${flag}    name: kube-apiserver\n`;

  it('matches a YAML file on the node like an object', async () => {
    const r = await run(yamlCheck, { [M]: manifest('    - --encryption-provider-config=/etc/kubernetes/enc/enc.yaml\n') });
    assert.equal(r.status, 'pass', r.message);
  });

  it('says what differs, and fails invalid YAML or a missing file', async () => {
    let r = await run(yamlCheck, { [M]: manifest('') });
    assert.equal(r.status, 'fail');
    assert.match(r.message, /spec\.containers/);
    r = await run(yamlCheck, { [M]: 'spec: [unclosed' });
    assert.match(r.actual, /not valid YAML/);
    r = await run(yamlCheck, {});
    assert.match(r.actual, /not found/);
  });
});
