import { strict as assert } from 'node:assert';
import { runPodExecCheck } from '../../server/grading/checks/command.js';
import type { PodExecCheck } from '../../server/scenarios/types.js';
import type { ClusterProbes } from '../../server/grading/types.js';
import { fakeProbes, ok } from './fakeProbes.js';

type Pod = Record<string, unknown>;
const pod = (name: string, phase = 'Running', extra: Record<string, unknown> = {}): Pod => ({ metadata: { name, namespace: 'shop', labels: { app: 'api' }, ...extra }, status: { phase } });

function probes(pods: Pod[], seccomp: Record<string, string>): ClusterProbes {
  const base = fakeProbes({
    pods: Object.fromEntries(Object.keys(seccomp).map((n) => [`shop/${n}`, () => ok(`Seccomp:\t${seccomp[n]}\n`)])),
  });
  return { ...base, listPods: async (ns, selector) => (ns === 'shop' && selector['app'] === 'api' ? pods : []) };
}

describe('podExec over a selector (every replica)', () => {
  const check: PodExecCheck = { id: 'c', type: 'podExec', description: 'seccomp in effect', namespace: 'shop', selector: { app: 'api' }, command: ['cat', '/proc/1/status'], expect: { stdoutMatches: 'Seccomp:\\s+2' } };
  const run = (p: ClusterProbes) => runPodExecCheck(check, p, new AbortController().signal);

  it('passes when every matching pod meets the expectation, naming them', async () => {
    const r = await run(probes([pod('api-b'), pod('api-a')], { 'api-a': '2', 'api-b': '2' }));
    assert.equal(r.status, 'pass');
    assert.equal(r.actual, '2 pod(s) (api-a, api-b) met it');
  });

  it('fails naming the one pod that does not, with what it found', async () => {
    const r = await run(probes([pod('api-a'), pod('api-b')], { 'api-a': '2', 'api-b': '0' }));
    assert.equal(r.status, 'fail');
    assert.match(r.actual, /^pod api-b: output "Seccomp:\\t0\\n"|^pod api-b: output/);
    assert.match(r.message, /^seccomp in effect: expected every pod matching app=api in shop: exit code 0, output matching \/Seccomp:\\s\+2\/, found in pod api-b: /);
  });

  it('fails when no pod matches, or one is not Running (saying why); skips pods being deleted', async () => {
    assert.equal((await run(probes([], {}))).actual, 'no pod matching app=api');
    const waiting = { ...pod('api-c', 'Pending'), status: { phase: 'Pending', containerStatuses: [{ name: 'app', state: { waiting: { reason: 'CreateContainerError' } } }] } };
    const r = await run(probes([pod('api-a'), waiting], { 'api-a': '2' }));
    assert.equal(r.actual, 'pod api-c not Running (pod phase Pending; app: CreateContainerError)');
    const leaving = pod('api-old', 'Running', { deletionTimestamp: '2026-01-01T00:00:00Z' });
    assert.equal((await run(probes([pod('api-a'), leaving], { 'api-a': '2', 'api-old': '0' }))).status, 'pass');
  });

  it('names a replica whose container is not running first, with its state and last log line', async () => {
    const crashing = {
      ...pod('api-z'),
      spec: { containers: [{ name: 'app' }, { name: 'side' }] },
      status: { phase: 'Running', containerStatuses: [{ name: 'app', state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { reason: 'Error', exitCode: 1 } } }, { name: 'side', state: { running: {} } }] },
    };
    const asked: unknown[] = [];
    const withLogs: ClusterProbes = {
      ...probes([pod('api-a'), crashing], { 'api-a': '0' }),
      podLogs: async (ns, name, container, opts) => (asked.push([ns, name, container, opts]), 'starting\nnginx: [emerg] mkdir() "/var/cache/nginx/client_temp" failed (30: Read-only file system)\n\n'),
    };
    const r = await run(withLogs);
    assert.equal(r.status, 'fail');
    assert.equal(r.actual, `pod api-z: container app is not running (pod phase Running; app: CrashLoopBackOff (last: Error, exit code 1)); its last log line: "nginx: [emerg] mkdir() "/var/cache/nginx/client_temp" failed (30: Read-only file system)"`);
    assert.deepEqual(asked, [['shop', 'api-z', 'app', { tailLines: 5, previous: true }]]);
    const side = await runPodExecCheck({ ...check, container: 'side' }, withLogs, new AbortController().signal);
    assert.match(side.actual, /^pod api-a: /, 'the named container runs in api-z: its command is judged');
  });

  it('is an error (ProbeError) when the probes cannot list pods', async () => {
    await assert.rejects(runPodExecCheck(check, fakeProbes({}), new AbortController().signal), /cannot list pods by selector/);
  });
});
