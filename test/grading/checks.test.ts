import { strict as assert } from 'node:assert';
import { defaultCheckRunners } from '../../server/grading/checks/index.js';
import type { Check } from '../../server/scenarios/types.js';
import { fakeProbes, ok } from './fakeProbes.js';

const podRef = { apiVersion: 'v1', kind: 'Pod', namespace: 'init-lab', name: 'web' };
const webPod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: 'init-lab' },
  spec: { initContainers: [{ name: 'prepare', image: 'busybox:1.36' }], volumes: [{ name: 'content', emptyDir: {} }] },
  status: {
    phase: 'Pending',
    initContainerStatuses: [
      {
        name: 'prepare',
        state: { waiting: { reason: 'CrashLoopBackOff' } },
        lastState: { terminated: { exitCode: 1, reason: 'Error' } },
      },
    ],
  },
};

const runners = defaultCheckRunners();
async function run(check: Check, probes = fakeProbes({ objects: [webPod] })) {
  const runner = runners.get(check.type);
  assert.ok(runner, `runner for ${check.type}`);
  return runner(check, probes, new AbortController().signal);
}

describe('check runners', () => {
  it('registers a runner for every check type', () => {
    assert.deepEqual([...runners.keys()].sort(), ['admission', 'apiReady', 'auditEvent', 'canI', 'connectivity', 'encryptionConfig', 'etcdValue', 'jsonpath', 'nodeCommand', 'nodeDockerfile', 'nodeFile', 'nodeHttp', 'nodeReady', 'nodeYaml', 'object', 'objectAbsent', 'podExec']);
  });

  describe('object', () => {
    it('fails with "not found" when the object is missing', async () => {
      const r = await run({ id: 'c', type: 'object', description: 'pod exists', resource: { ...podRef, name: 'api' }, match: {} });
      assert.equal(r.status, 'fail');
      assert.equal(r.actual, 'Pod init-lab/api not found');
    });

    it('reports the first differing path as expected vs actual', async () => {
      const r = await run({
        id: 'c',
        type: 'object',
        description: 'content volume is an emptyDir',
        resource: podRef,
        match: { spec: { volumes: { $contains: [{ name: 'content', emptyDir: {} }] }, initContainers: { $contains: [{ name: 'prepare', image: 'busybox:1.37' }] } } },
      });
      assert.equal(r.status, 'fail');
      assert.equal(r.expected, 'spec.initContainers[name=prepare].image: "busybox:1.37"');
      assert.equal(r.actual, 'spec.initContainers[name=prepare].image: "busybox:1.36"');
      assert.match(r.message, /^content volume is an emptyDir: Pod init-lab\/web: spec\.initContainers\[name=prepare\]\.image: expected/);
    });

    it('passes on a partial match', async () => {
      const r = await run({ id: 'c', type: 'object', description: 'ok', resource: podRef, match: { spec: { volumes: { $contains: [{ name: 'content', emptyDir: {} }] } } } });
      assert.equal(r.status, 'pass');
      assert.equal(r.expected, 'Pod init-lab/web with spec.volumes contains [{"name":"content","emptyDir":{}}]');
    });
  });

  it('objectAbsent passes when missing and fails when present', async () => {
    const absent = await run({ id: 'c', type: 'objectAbsent', description: 'gone', resource: { ...podRef, name: 'old' } });
    assert.equal(absent.status, 'pass');
    const present = await run({ id: 'c', type: 'objectAbsent', description: 'gone', resource: podRef });
    assert.equal(present.status, 'fail');
    assert.equal(present.actual, 'Pod init-lab/web exists');
  });

  describe('jsonpath', () => {
    const exitCode = (expect: object): Check => ({
      id: 'c',
      type: 'jsonpath',
      description: 'init container exited 0',
      resource: podRef,
      paths: [
        '{.status.initContainerStatuses[?(@.name=="prepare")].state.terminated.exitCode}',
        '{.status.initContainerStatuses[?(@.name=="prepare")].lastState.terminated.exitCode}',
      ],
      expect,
    });

    it('falls back to the next path and explains the pod state on failure', async () => {
      const r = await run(exitCode({ equals: 0 }));
      assert.equal(r.status, 'fail');
      assert.equal(r.expected, '0');
      assert.equal(r.actual, '1 (pod phase Pending; prepare: CrashLoopBackOff (last: Error, exit code 1))');
    });

    it('compares values as kubectl prints them', async () => {
      assert.equal((await run(exitCode({ equals: '1' }))).status, 'pass');
      assert.equal((await run(exitCode({ oneOf: [1, 2] }))).status, 'pass');
      assert.equal((await run(exitCode({ matches: '^[12]$' }))).status, 'pass');
    });

    it('says when no path yields a value', async () => {
      const r = await run({ id: 'c', type: 'jsonpath', description: 'runtime', resource: podRef, paths: ['{.spec.runtimeClassName}'], expect: { equals: 'gvisor' } });
      assert.equal(r.status, 'fail');
      assert.match(r.actual, /^no value at \{\.spec\.runtimeClassName\} \(pod phase Pending/);
      const absent = await run({ id: 'c', type: 'jsonpath', description: 'no runtime', resource: podRef, paths: ['{.spec.runtimeClassName}'], expect: { exists: false } });
      assert.equal(absent.status, 'pass');
    });

    it('is an error, not a fail, when the expression is invalid', async () => {
      const r = await run({ id: 'c', type: 'jsonpath', description: 'bad', resource: podRef, paths: ['{.status['], expect: { exists: true } });
      assert.equal(r.status, 'error');
      assert.match(r.message, /invalid JSONPath/);
    });
  });

  describe('commands', () => {
    const probes = fakeProbes({
      pods: { 'sandbox/untrusted': (cmd) => (cmd[0] === 'dmesg' ? ok('[    0.000000] Starting gVisor...\n') : ok('', 127, 'not found')) },
      node: (cmd) => (cmd[0] === 'crictl' ? ok('', 1, 'connect: connection refused') : ok('enforce\n')),
    });

    it('podExec checks exit code and output', async () => {
      const check: Check = { id: 'c', type: 'podExec', description: 'gVisor kernel', namespace: 'sandbox', pod: 'untrusted', command: ['dmesg'], expect: { stdoutContains: ['gVisor'] } };
      const r = await run(check, probes);
      assert.equal(r.status, 'pass');
      const wrong = await run({ ...check, expect: { stdoutContains: ['runc'] } } as Check, probes);
      assert.equal(wrong.status, 'fail');
      assert.equal(wrong.expected, 'exit code 0, output containing "runc"');
      assert.match(wrong.actual, /without "runc"/);
    });

    it('requires exit code 0 unless told otherwise', async () => {
      const r = await run({ id: 'c', type: 'nodeCommand', description: 'crictl works', command: ['crictl', 'ps'], expect: {} }, probes);
      assert.equal(r.status, 'fail');
      assert.equal(r.expected, 'exit code 0');
      assert.equal(r.actual, 'exit code 1: connect: connection refused');
    });

    it('lets a ProbeError through for a missing pod (the engine makes it an error)', async () => {
      await assert.rejects(
        run({ id: 'c', type: 'podExec', description: 'x', namespace: 'sandbox', pod: 'gone', command: ['true'], expect: {} }, probes),
        /pod sandbox\/gone not found/,
      );
    });
  });

  describe('nodeFile', () => {
    const files: Record<string, string> = { '/etc/kubernetes/enc/enc.yaml': 'resources:\n- resources: [secrets]\n  providers:\n  - aescbc: {}\n  - identity: {}\n' };
    const probes = fakeProbes({
      node: (cmd) => {
        const path = cmd[2]!;
        if (path === '/root/secret') return ok('', 1, 'cat: /root/secret: Permission denied');
        const content = files[path];
        return content === undefined ? ok('', 1, `cat: ${path}: No such file or directory`) : ok(content);
      },
    });

    it('checks content', async () => {
      const check: Check = { id: 'c', type: 'nodeFile', description: 'enc config', path: '/etc/kubernetes/enc/enc.yaml', expect: { contains: ['aescbc'], matches: '^\\s*- identity' } };
      assert.equal((await run(check, probes)).status, 'pass');
      const r = await run({ ...check, expect: { notContains: ['identity'] } } as Check, probes);
      assert.equal(r.status, 'fail');
      assert.equal(r.actual, '/etc/kubernetes/enc/enc.yaml contains "identity"');
    });

    it('distinguishes a missing file from an unreadable one', async () => {
      const missing = await run({ id: 'c', type: 'nodeFile', description: 'f', path: '/nope', expect: {} }, probes);
      assert.equal(missing.status, 'fail');
      assert.equal(missing.actual, '/nope not found');
      assert.equal((await run({ id: 'c', type: 'nodeFile', description: 'f', path: '/nope', expect: { exists: false } }, probes)).status, 'pass');
      await assert.rejects(run({ id: 'c', type: 'nodeFile', description: 'f', path: '/root/secret', expect: {} }, probes), /Permission denied/);
    });
  });
});
