import { strict as assert } from 'node:assert';
import { CheckEngine } from '../../server/grading/engine.js';
import { toGradeJson } from '../../server/grading/format.js';
import { createSilentLogger } from '../../server/log/index.js';
import type { Check } from '../../server/scenarios/types.js';
import { fakeProbes } from './fakeProbes.js';
import { namespace, nsExists, scenario, task } from './scenarioFixture.js';

const engine = () => new CheckEngine({ logger: createSilentLogger() });
const KEY = '/registry/secrets/vault/db-credentials';
const etcdCheck = (id: string): Check => ({
  id,
  type: 'etcdValue',
  description: 'Secret vault/db-credentials is encrypted in etcd',
  key: KEY,
  expect: { prefixOneOf: ['k8s:enc:aescbc:v1:', 'k8s:enc:aesgcm:v1:', 'k8s:enc:secretbox:v1:'], notContains: ['s3cr3t'] },
});

describe('skipUnless: checks the host cannot run', () => {
  const kvmOnly = (id: string): Check => ({ ...nsExists(id, 'x'), skipUnless: { command: ['test', '-c', '/dev/kvm'], reason: 'this node has no /dev/kvm, so Kata VMs cannot run here' } });

  it('skips the check, leaves the task out of the score, and says why', async () => {
    const node = (cmd: string[]) => ({ exitCode: cmd[0] === 'test' ? 1 : 0, stdout: '', stderr: '' });
    const r = await engine().grade(scenario([task('spec', 2, [nsExists('a', 'x')]), task('runs', 3, [kvmOnly('b')])]), fakeProbes({ objects: [namespace('x')], node }));
    const runs = r.tasks.find((t) => t.id === 'runs')!;
    assert.equal(runs.skipped, true);
    assert.equal(runs.checks[0]?.status, 'skip');
    assert.match(runs.checks[0]?.message ?? '', /not checked on this host — this node has no \/dev\/kvm/);
    assert.equal(r.score, 2);
    assert.equal(r.maxScore, 2, 'a skipped task counts neither for nor against the learner');
    assert.equal(r.passed, true);
    const json = toGradeJson(r);
    assert.equal(json.tasks[1]?.skipped, true);
    assert.equal(json.tasks[0]?.skipped, undefined);
  });

  it('runs the check normally where the condition holds', async () => {
    const node = () => ({ exitCode: 0, stdout: '', stderr: '' });
    const r = await engine().grade(scenario([task('runs', 3, [kvmOnly('b')])]), fakeProbes({ objects: [], node }));
    assert.equal(r.tasks[0]?.skipped, false);
    assert.equal(r.tasks[0]?.checks[0]?.status, 'fail');
    assert.equal(r.maxScore, 3);
  });
});

describe('etcdValue checks', () => {
  it('passes for a value stored with an encryption prefix', async () => {
    const r = await engine().grade(scenario([task('enc', 2, [etcdCheck('e')])]), fakeProbes({ etcd: { [KEY]: Buffer.concat([Buffer.from('k8s:enc:aescbc:v1:key1:'), Buffer.from([0, 1, 2, 250])]) } }));
    assert.equal(r.tasks[0]?.checks[0]?.status, 'pass');
    assert.match(r.tasks[0]?.checks[0]?.actual ?? '', /k8s:enc:aescbc:v1:key1:/);
  });

  it('fails a plaintext value and says it is not encrypted, without dumping the secret', async () => {
    const plain = Buffer.concat([Buffer.from('k8s\0\n\x0c\n\x02v1\x12\x06Secret'), Buffer.from('x'.repeat(60)), Buffer.from('s3cr3t')]);
    const r = await engine().grade(scenario([task('enc', 2, [etcdCheck('e')])]), fakeProbes({ etcd: { [KEY]: plain } }));
    const c = r.tasks[0]!.checks[0]!;
    assert.equal(c.status, 'fail');
    assert.match(c.actual, /stored in plain text \(not encrypted\)/);
    assert.doesNotMatch(c.actual, /s3cr3t/);
    assert.match(c.expected, /k8s:enc:aescbc:v1: or k8s:enc:aesgcm:v1: or k8s:enc:secretbox:v1:/);
  });

  it('fails a missing key', async () => {
    const r = await engine().grade(scenario([task('enc', 2, [etcdCheck('e')])]), fakeProbes({}));
    assert.equal(r.tasks[0]?.checks[0]?.status, 'fail');
    assert.match(r.tasks[0]?.checks[0]?.actual ?? '', /etcd has no key \/registry\/secrets\/vault\/db-credentials/);
  });
});
