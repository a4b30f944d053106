/**
 * The engine meets kube-apiserver restarting: every check type that depends on the API comes out
 * as `error` "API server is restarting, press Check again in a moment" with evidence (never a
 * fail); checks that do not depend on it keep their verdict; a crash loop says what to look at.
 */
import { strict as assert } from 'node:assert';
import { CheckEngine } from '../../server/grading/engine.js';
import { ApiUnavailableError, ProbeError, type ApiHealth, type CheckResult, type ClusterProbes } from '../../server/grading/types.js';
import { createSilentLogger } from '../../server/log/index.js';
import type { Check } from '../../server/scenarios/types.js';
import { fakeProbes, ok, type FakeProbesOptions } from './fakeProbes.js';
import { namespace, nsRef, scenario, task } from './scenarioFixture.js';

const RESTARTING = 'API server is restarting, press Check again in a moment';
const engine = new CheckEngine({ logger: createSilentLogger(), defaultTimeoutMs: 2000 });

const health = {
  ready: { ready: true, state: 'ready', evidence: '/readyz: ok' },
  restarting: { ready: false, state: 'restarting', evidence: '/readyz: connection refused; crictl ps -a: kube-apiserver exited 1 time (last exit code 0), the last 4 s ago' },
  warming: { ready: false, state: 'restarting', evidence: '/readyz: HTTP 500: [-]poststarthook/rbac/bootstrap-roles failed' },
  crashLoop: { ready: false, state: 'crashLoop', evidence: '/readyz: connection refused; crictl ps -a: kube-apiserver exited 4 times (last exit code 1); its log ends: "command failed" err="open /etc/kubernetes/enc/enc.yaml: no such file or directory"' },
  gone: { ready: false, state: 'gone', evidence: '/readyz: connection refused; crictl ps -a lists no kube-apiserver container' },
} satisfies Record<string, ApiHealth>;

/** fakeProbes that also answer `apiHealth`, counting how often they were asked. */
function probesWith(h: ApiHealth | undefined, opts: FakeProbesOptions = {}, overrides: Partial<ClusterProbes> = {}) {
  const base = fakeProbes(opts);
  const asked = { n: 0 };
  const probes: ClusterProbes = { ...base, ...overrides };
  if (h) probes.apiHealth = async () => (asked.n++, h);
  return { probes, asked };
}

async function one(check: Check, probes: ClusterProbes): Promise<CheckResult> {
  const r = await engine.grade(scenario([task('t', 1, [check])]), probes);
  return r.tasks[0]!.checks[0]!;
}

function assertRestarting(c: CheckResult, evidence: RegExp): void {
  assert.equal(c.status, 'error', `${c.message} | ${c.actual}`);
  assert.equal(c.message, `${DESC}: ${RESTARTING}`);
  assert.match(c.actual, evidence);
}

const DESC = 'the thing is right';
const refused = () => new ApiUnavailableError(`${RESTARTING} (cannot reach the cluster API at https://127.0.0.1:6443: connection refused; waited 8 s)`, 'connection refused (for 8 s)');

const objectCheck: Check = { id: 'c', type: 'object', description: DESC, resource: nsRef('vault'), match: { metadata: { labels: { a: 'b' } } } };
const absentCheck: Check = { id: 'c', type: 'objectAbsent', description: DESC, resource: nsRef('vault') };
const jsonpathCheck: Check = { id: 'c', type: 'jsonpath', description: DESC, resource: nsRef('vault'), paths: ['{.metadata.labels.a}'], expect: { equals: 'b' } };
const podExecCheck: Check = { id: 'c', type: 'podExec', description: DESC, namespace: 'sandbox', pod: 'web', command: ['dmesg'], expect: { stdoutContains: ['gVisor'] } };
const readiness = (cmd: string): Check => ({ id: 'c', type: 'nodeCommand', description: DESC, command: ['sh', '-c', cmd], expect: { exitCode: 0, stdoutContains: ['ok'] } });
const READY_LOOP = 'for i in $(seq 1 30); do kubectl get --raw=/readyz 2>/dev/null && exit 0; sleep 1; done; kubectl get --raw=/readyz';

describe('grading while the API server restarts', () => {
  describe('checks that read the API', () => {
    for (const check of [objectCheck, absentCheck, jsonpathCheck]) {
      it(`${check.type}: an API that stayed away is an error with the restart message and what the API answered`, async () => {
        const { probes } = probesWith(health.restarting, {}, { getObject: () => Promise.reject(refused()) });
        const c = await one(check, probes);
        assertRestarting(c, /the check saw: connection refused \(for 8 s\); \/readyz: connection refused; crictl ps -a: kube-apiserver exited 1 time/);
      });
    }

    it('without apiHealth (other ClusterProbes), an ApiUnavailableError still reads as a restart', async () => {
      const c = await one(objectCheck, { ...fakeProbes(), getObject: () => Promise.reject(refused()) });
      assertRestarting(c, /connection refused \(for 8 s\)/);
    });

    it('a fail seen while /readyz is not ok (API starting: 404s, 403s, stale caches) is an error, not a fail', async () => {
      for (const check of [objectCheck, absentCheck, jsonpathCheck]) {
        const objects = check.type === 'objectAbsent' ? [namespace('vault')] : [];
        const { probes } = probesWith(health.warming, { objects });
        const c = await one(check, probes);
        assertRestarting(c, /\/readyz: HTTP 500: \[-\]poststarthook\/rbac\/bootstrap-roles failed/);
      }
    });

    it('a fail with the API ready stays a fail (the health is asked, the verdict stands)', async () => {
      const { probes, asked } = probesWith(health.ready, { objects: [namespace('vault')] });
      const c = await one(objectCheck, probes);
      assert.equal(c.status, 'fail');
      assert.match(c.message, /metadata\.labels/);
      assert.equal(asked.n, 1);
    });

    it('a pass never asks about the API', async () => {
      const { probes, asked } = probesWith(health.restarting, { objects: [{ ...namespace('vault'), metadata: { name: 'vault', labels: { a: 'b' } } }] });
      assert.equal((await one(objectCheck, probes)).status, 'pass');
      assert.equal(asked.n, 0);
    });

    it('objectAbsent: "not found" from an API that is not ready is no proof (CRDs not served yet): an error, not a pass', async () => {
      const starting = probesWith(health.warming);
      assertRestarting(await one(absentCheck, starting.probes), /\/readyz: HTTP 500/);
      const ready = probesWith(health.ready);
      assert.equal((await one(absentCheck, ready.probes)).status, 'pass');
      assert.equal(ready.asked.n, 1);
    });

    it("a runner's own error (a JSONPath the author got wrong) is left alone", async () => {
      const bad: Check = { ...jsonpathCheck, paths: ['{.metadata[?(@.x==}'] } as Check;
      const { probes } = probesWith(health.restarting, { objects: [namespace('vault')] });
      const c = await one(bad, probes);
      assert.equal(c.status, 'error');
      assert.doesNotMatch(c.message, /API server/);
    });
  });

  describe('podExec', () => {
    it('exec that cannot reach the API while it restarts is the restart error', async () => {
      const { probes } = probesWith(health.restarting, {}, { podExec: () => Promise.reject(new ProbeError('cannot exec in pod sandbox/web (container app): connect ECONNREFUSED 127.0.0.1:6443')) });
      assertRestarting(await one(podExecCheck, probes), /\/readyz: connection refused/);
    });

    it("a pod's own 'connection refused' with the API ready stays a fail", async () => {
      const { probes } = probesWith(health.ready, { pods: { 'sandbox/web': () => ok('', 1, 'wget: can\'t connect to remote host (10.96.0.10): Connection refused') } });
      assert.equal((await one(podExecCheck, probes)).status, 'fail');
    });
  });

  describe('nodeCommand', () => {
    const kubectlRefused = 'The connection to the server 172.18.0.2:6443 was refused - did you specify the right host or port?\n';
    const outputs: [string, string][] = [
      ['kubectl: connection refused', kubectlRefused],
      ['kubectl: unable to connect', 'Unable to connect to the server: dial tcp 172.18.0.2:6443: connect: connection refused\n'],
      ['kubectl: 503', 'Error from server (ServiceUnavailable): the server is currently unable to handle the request\n'],
      ['kubectl: readyz 500', 'Error from server (InternalError): an error on the server ("[+]ping ok\\n[-]poststarthook/rbac/bootstrap-roles failed: reason withheld\\nreadyz check failed") has prevented the request from succeeding\n'],
      ['kubectl: etcd timeout', 'Error from server: etcdserver: request timed out\n'],
      ['curl: 6443 refused', 'curl: (7) Failed to connect to 127.0.0.1 port 6443 after 0 ms: Couldn\'t connect to server\n'],
    ];
    for (const [name, stderr] of outputs) {
      it(`${name}: seen in the output, it is the restart error even if the API is back by the time we ask`, async () => {
        const { probes } = probesWith(health.ready, { node: () => ok('', 1, stderr) });
        const c = await one(readiness(READY_LOOP), probes);
        assertRestarting(c, /the check saw: .+; kube-apiserver answers \/readyz again now/);
      });
    }

    it('seen in the output with no apiHealth at all: still the restart error', async () => {
      const c = await one(readiness(READY_LOOP), fakeProbes({ node: () => ok('', 1, kubectlRefused) }));
      assertRestarting(c, /the check saw: The connection to the server 172\.18\.0\.2:6443 was refused/);
    });

    it('a kubectl readiness loop with its errors hidden (2>/dev/null) is judged by /readyz through our own client', async () => {
      const { probes } = probesWith(health.restarting, { node: () => ok('', 1, '') });
      assertRestarting(await one(readiness('until kubectl get ns vault 2>/dev/null; do sleep 1; done >/dev/null; false'), probes), /\/readyz: connection refused/);
    });

    it('a kubectl loop still waiting when the check times out is the restart error, not "timed out"', async () => {
      const { probes } = probesWith(health.restarting, { node: () => new Promise(() => undefined) });
      const check = { ...readiness('until kubectl get --raw=/readyz; do sleep 1; done'), timeoutMs: 150 };
      assertRestarting(await one(check, probes), /\/readyz: connection refused/);
    });

    it("a check that wants kubectl to fail (exit 1) does not pass on the API's 'connection refused'", async () => {
      const check: Check = { id: 'c', type: 'nodeCommand', description: DESC, command: ['kubectl', 'auth', 'can-i', 'create', 'pods', '--as=dev'], expect: { exitCode: 1 } };
      const down = probesWith(health.restarting, { node: () => ok('', 1, kubectlRefused) });
      assertRestarting(await one(check, down.probes), /the check saw: The connection to the server/);
      const up = probesWith(health.ready, { node: () => ok('no\n', 1) });
      assert.equal((await one(check, up.probes)).status, 'pass');
      assert.equal(up.asked.n, 0, 'a plain "no" is not about the API');
    });

    it('a kubectl check that fails with the API ready keeps its fail', async () => {
      const { probes } = probesWith(health.ready, { node: () => ok('', 1, 'Error from server (NotFound): namespaces "vault" not found\n') });
      const c = await one(readiness('kubectl get ns vault'), probes);
      assert.equal(c.status, 'fail');
      assert.match(c.actual, /NotFound/);
    });

    it('a node command that does not involve the API keeps its fail while the API restarts', async () => {
      const { probes, asked } = probesWith(health.restarting, { node: () => ok('no', 0) });
      const c = await one(readiness('cat /etc/motd'), probes);
      assert.equal(c.status, 'fail');
      assert.equal(asked.n, 0);
    });

    it('a skipUnless condition that failed because the API was away is the restart error, not a skip', async () => {
      const check: Check = { ...readiness('true'), skipUnless: { command: ['kubectl', 'get', 'runtimeclass', 'gvisor'], reason: 'no gVisor here' } };
      const { probes } = probesWith(health.restarting, { node: (cmd) => (cmd[0] === 'kubectl' ? ok('', 1, kubectlRefused) : ok('ok')) });
      assertRestarting(await one(check, probes), /the check saw: The connection to the server/);
    });
  });

  describe('checks that do not depend on the API keep their verdict', () => {
    const manifest = 'apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: kube-apiserver\n    command: [kube-apiserver]\n';
    const node = (cmd: string[]) => (cmd[0] === 'cat' ? ok(manifest) : ok('', 1, 'cat: no such file or directory'));
    const cases: [string, Check, CheckResult['status']][] = [
      ['nodeFile', { id: 'c', type: 'nodeFile', description: DESC, path: '/etc/kubernetes/manifests/kube-apiserver.yaml', expect: { contains: ['--encryption-provider-config'] } }, 'fail'],
      ['nodeYaml', { id: 'c', type: 'nodeYaml', description: DESC, path: '/etc/kubernetes/manifests/kube-apiserver.yaml', match: { spec: { containers: { $contains: [{ name: 'kube-apiserver', command: { $contains: ['--profiling=false'] } }] } } } }, 'fail'],
      ['encryptionConfig', { id: 'c', type: 'encryptionConfig', description: DESC, path: '/etc/kubernetes/enc/enc.yaml', resource: 'secrets', expect: { firstProviderOneOf: ['aescbc'] } }, 'fail'],
      ['etcdValue (absent)', { id: 'c', type: 'etcdValue', description: DESC, key: '/registry/secrets/a/b', expect: { prefixOneOf: ['k8s:enc:aescbc:v1:'] } }, 'fail'],
      ['etcdValue (encrypted)', { id: 'c', type: 'etcdValue', description: DESC, key: '/registry/secrets/a/c', expect: { prefixOneOf: ['k8s:enc:aescbc:v1:'] } }, 'pass'],
    ];
    for (const [name, check, status] of cases) {
      it(`${name}: ${status}`, async () => {
        const { probes, asked } = probesWith(health.crashLoop, { node, etcd: { '/registry/secrets/a/c': Buffer.from('k8s:enc:aescbc:v1:key1:xyz') } });
        const c = await one(check, probes);
        assert.equal(c.status, status, c.message);
        assert.doesNotMatch(c.message, /API server/);
        assert.equal(asked.n, 0, 'the API is not even asked about');
      });
    }
  });

  describe('an API server that does not come back', () => {
    it('crash loop: an error (not a fail) that says so, what to look at, and the evidence', async () => {
      for (const check of [objectCheck, readiness(READY_LOOP)]) {
        const { probes } = probesWith(health.crashLoop, { node: () => ok('', 1, 'The connection to the server 172.18.0.2:6443 was refused - did you specify the right host or port?') }, { getObject: () => Promise.reject(refused()) });
        const c = await one(check, probes);
        assert.equal(c.status, 'error');
        assert.doesNotMatch(c.message, /press Check again in a moment/);
        assert.match(c.message, /^the thing is right: API server is not coming back: its container keeps exiting \(crash loop\)/);
        assert.match(c.message, /crictl ps -a --name kube-apiserver/);
        assert.match(c.message, /\/var\/log\/pods\/kube-system_kube-apiserver-\*/);
        assert.match(c.actual, /exited 4 times \(last exit code 1\); its log ends: "command failed" err="open \/etc\/kubernetes\/enc\/enc\.yaml/);
      }
    });

    it('no container for a long while: points at the manifest and the kubelet log', async () => {
      const { probes } = probesWith(health.gone, {}, { getObject: () => Promise.reject(refused()) });
      const c = await one(objectCheck, probes);
      assert.equal(c.status, 'error');
      assert.match(c.message, /API server is not running and the kubelet has not started it again: .*kube-apiserver\.yaml.*journalctl -u kubelet/);
      assert.match(c.actual, /crictl ps -a lists no kube-apiserver container/);
    });
  });

  it('a whole grade during a restart: API checks error, node-file checks keep their verdict, no task passes by accident', async () => {
    const { probes } = probesWith(health.restarting, { node: (cmd) => (cmd[0] === 'cat' ? ok('x') : ok('', 1, 'The connection to the server 127.0.0.1:6443 was refused')) }, { getObject: () => Promise.reject(refused()) });
    const s = scenario([
      task('api', 2, [objectCheck]),
      task('ready', 3, [readiness(READY_LOOP)]),
      task('file', 1, [{ id: 'f', type: 'nodeFile', description: 'file', path: '/x', expect: { contains: ['x'] } }]),
    ]);
    const r = await engine.grade(s, probes);
    assert.deepEqual(
      r.tasks.map((t) => [t.id, t.passed, t.checks[0]!.status]),
      [['api', false, 'error'], ['ready', false, 'error'], ['file', true, 'pass']],
    );
    assert.equal(r.score, 1);
  });
});
