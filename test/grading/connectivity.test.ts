/** The connectivity runner: what it runs in the pod, and how it reads busybox's answers. */
import assert from 'node:assert/strict';
import { runConnectivityCheck } from '../../server/grading/checks/connectivity.js';
import { ProbeError, type ExecOutcome } from '../../server/grading/types.js';
import type { ConnectivityCheck } from '../../server/scenarios/types.js';
import { MemoryProbes } from '../helpers/memoryProbes.js';

const pod = (name: string, labels: Record<string, string>, phase = 'Running', ip = '10.244.0.5') => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'shop', labels }, status: { phase, podIP: ip } });

function world(answer: (cmd: string[]) => ExecOutcome): { probes: MemoryProbes & { listPods(ns: string, sel: Record<string, string>): Promise<Record<string, unknown>[]> }; ran: { pod: string; cmd: string[] }[] } {
  const probes = new MemoryProbes() as MemoryProbes & { listPods(ns: string, sel: Record<string, string>): Promise<Record<string, unknown>[]> };
  probes.put(pod('frontend-b-2', { app: 'frontend' }));
  probes.put(pod('frontend-a-1', { app: 'frontend' }));
  probes.put(pod('frontend-0-0', { app: 'frontend' }, 'Pending'));
  probes.put(pod('intruder', { app: 'intruder' }));
  probes.put({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'backend', namespace: 'shop' }, spec: { clusterIP: '10.96.7.8' } });
  probes.listPods = async (ns, sel) =>
    [...probes.objects.values()].filter((o) => o.kind === 'Pod' && (o.metadata as { namespace: string }).namespace === ns && Object.entries(sel).every(([k, v]) => (o.metadata as { labels: Record<string, string> }).labels[k] === v));
  const ran: { pod: string; cmd: string[] }[] = [];
  probes.podExecHandler = (_ns, name, _c, cmd) => (ran.push({ pod: name, cmd }), answer(cmd));
  return { probes, ran };
}

const check = (over: Partial<ConnectivityCheck>): ConnectivityCheck => ({ id: 'c', type: 'connectivity', description: 'frontend reaches backend', from: { namespace: 'shop', selector: { app: 'frontend' } }, to: { service: 'backend', port: 8080 }, expect: 'reach', ...over });
const signal = new AbortController().signal;
const OPEN = { exitCode: 0, stdout: '', stderr: '10.96.7.8 (10.96.7.8:8080) open\n sent 0, rcvd 0\n' };
const TIMED_OUT = { exitCode: 1, stdout: '', stderr: 'nc: 10.96.7.8 (10.96.7.8:8080): Connection timed out\n sent 0, rcvd 0\n' };
const REFUSED = { exitCode: 1, stdout: '', stderr: 'nc: 10.96.7.8 (10.96.7.8:8080): Connection refused\n sent 0, rcvd 0\n' };

describe('connectivity checks', () => {
  it('probes a Service at its ClusterIP with busybox nc from the first Running pod of the selector', async () => {
    const { probes, ran } = world(() => OPEN);
    const r = await runConnectivityCheck(check({}), probes, signal);
    assert.equal(r.status, 'pass');
    assert.deepEqual(ran, [{ pod: 'frontend-a-1', cmd: ['nc', '-vv', '-z', '-w', '2', '10.96.7.8', '8080'] }]);
    assert.equal(r.actual, 'shop/frontend-a-1 → backend:8080 (10.96.7.8): connected');
  });

  it('a connection that should open but times out fails, saying what was tried and what happened', async () => {
    const { probes } = world(() => TIMED_OUT);
    const r = await runConnectivityCheck(check({ timeoutSeconds: 3 }), probes, signal);
    assert.equal(r.status, 'fail');
    assert.equal(r.actual, 'shop/frontend-a-1 → backend:8080 (10.96.7.8): timed out after 3 s');
    assert.equal(r.expected, 'shop/frontend-a-1 → backend:8080 (10.96.7.8): connects');
  });

  it('noReach passes on a time-out or a refusal, and fails when the connection opens', async () => {
    const intruder = check({ from: { namespace: 'shop', pod: 'intruder' }, expect: 'noReach' });
    assert.equal((await runConnectivityCheck(intruder, world(() => TIMED_OUT).probes, signal)).status, 'pass');
    assert.equal((await runConnectivityCheck(intruder, world(() => REFUSED).probes, signal)).status, 'pass');
    const open = await runConnectivityCheck(intruder, world(() => OPEN).probes, signal);
    assert.equal(open.status, 'fail');
    assert.equal(open.actual, 'shop/intruder → backend:8080 (10.96.7.8): connected');
  });

  it('noReach is not proven by another failure (a bad address): it fails with what nc said', async () => {
    const r = await runConnectivityCheck(check({ to: { host: 'nowhere', port: 80 }, expect: 'noReach' }), world(() => ({ exitCode: 1, stdout: '', stderr: "nc: bad address 'nowhere'\n" })).probes, signal);
    assert.equal(r.status, 'fail');
    assert.match(r.actual, /nc exited 1: nc: bad address 'nowhere'/);
  });

  it('an image without nc is an error that names the tool, not a verdict', async () => {
    const { probes } = world(() => ({ exitCode: 126, stdout: '', stderr: 'OCI runtime exec failed: exec failed: unable to start container process: exec: "nc": executable file not found in $PATH: unknown' }));
    await assert.rejects(runConnectivityCheck(check({}), probes, signal), (e: unknown) => e instanceof ProbeError && /nc is not in pod shop\/frontend-a-1's image/.test(e.message));
  });

  it('no Running source pod, or a missing Service, fails with the reason', async () => {
    const none = await runConnectivityCheck(check({ from: { namespace: 'shop', selector: { app: 'backend' } } }), world(() => OPEN).probes, signal);
    assert.equal(none.status, 'fail');
    assert.match(none.actual, /no Running pod matches app=backend in shop/);
    const noSvc = await runConnectivityCheck(check({ to: { service: 'gone', port: 80 } }), world(() => OPEN).probes, signal);
    assert.match(noSvc.actual, /Service shop\/gone not found/);
  });

  it('a pod target is probed at its IP', async () => {
    const { probes, ran } = world(() => REFUSED);
    const r = await runConnectivityCheck(check({ from: { namespace: 'shop', pod: 'intruder' }, to: { pod: 'frontend-a-1', port: 80 }, expect: 'noReach' }), probes, signal);
    assert.equal(r.status, 'pass');
    assert.deepEqual(ran[0]!.cmd, ['nc', '-vv', '-z', '-w', '2', '10.244.0.5', '80']);
    assert.equal(r.actual, 'shop/intruder → shop/frontend-a-1:80 (10.244.0.5): connection refused');
  });

  it('dns: nslookup resolves (pass), times out or answers NXDOMAIN (fail, saying which)', async () => {
    const dns = check({ to: { dns: 'backend.shop.svc.cluster.local' } });
    const ok = world(() => ({ exitCode: 0, stdout: 'Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\nName:\tbackend.shop.svc.cluster.local\nAddress: 10.96.7.8\n\n', stderr: '' }));
    const r = await runConnectivityCheck(dns, ok.probes, signal);
    assert.equal(r.status, 'pass');
    assert.deepEqual(ok.ran[0]!.cmd, ['nslookup', 'backend.shop.svc.cluster.local']);
    assert.equal(r.actual, 'shop/frontend-a-1 → DNS backend.shop.svc.cluster.local: resolved backend.shop.svc.cluster.local to 10.96.7.8');
    const timedOut = await runConnectivityCheck(dns, world(() => ({ exitCode: 1, stdout: ';; connection timed out; no servers could be reached\n\n', stderr: '' })).probes, signal);
    assert.equal(timedOut.status, 'fail');
    assert.match(timedOut.actual, /timed out: no DNS server could be reached/);
    const nx = await runConnectivityCheck(dns, world(() => ({ exitCode: 1, stdout: "Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\n** server can't find backend.shop.svc.cluster.local: NXDOMAIN\n\n", stderr: '' })).probes, signal);
    assert.match(nx.actual, /NXDOMAIN/);
  });
});
