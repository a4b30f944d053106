import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { kubectl, startTestServer, waitFor } from './testHelpers.js';

type Started = Awaited<ReturnType<typeof startTestServer>>;

function pod(name: string, podSc: string, containerSc: string, image = 'busybox:1.36'): string {
  return `apiVersion: v1
kind: Pod
metadata: { name: ${name}, namespace: ids }
spec:
  securityContext: ${podSc}
  volumes: [{ name: scratch, emptyDir: {} }]
  containers:
  - name: app
    image: ${image}
    command: ["sleep", "3600"]
    securityContext: ${containerSc}
    volumeMounts: [{ name: scratch, mountPath: /scratch }]
`;
}

describe('fake kubelet: who a container runs as and what it may do (runAsUser, runAsGroup, fsGroup, runAsNonRoot, capabilities, privileged, allowPrivilegeEscalation)', function () {
  this.timeout(60_000);
  let t: Started;
  const exec = (name: string, script: string) => kubectl(t.kubeconfigFile, ['exec', '-n', 'ids', name, '--', 'sh', '-c', script]);
  const phase = (name: string) => kubectl(t.kubeconfigFile, ['get', 'pod', name, '-n', 'ids', '-o', 'jsonpath={.status.phase}']);

  before(async () => {
    t = await startTestServer();
    await kubectl(t.kubeconfigFile, ['create', 'namespace', 'ids']);
    for (const [name, podSc, cSc] of [
      ['root', '{}', '{}'],
      ['user', '{ runAsUser: 1000, runAsGroup: 3000, fsGroup: 2000 }', '{}'],
      ['override', '{ runAsUser: 1000 }', '{ runAsUser: 2000 }'],
      ['priv', '{}', '{ privileged: true }'],
      ['tight', '{ runAsUser: 1000 }', '{ allowPrivilegeEscalation: false, capabilities: { drop: [ALL], add: [NET_BIND_SERVICE] } }'],
      ['extra', '{}', '{ capabilities: { drop: [NET_RAW, CAP_MKNOD], add: [NET_ADMIN] } }'],
    ] as const) {
      const r = await kubectl(t.kubeconfigFile, ['apply', '-f', '-'], pod(name, podSc, cSc));
      assert.equal(r.code, 0, r.stderr);
    }
    for (const name of ['root', 'user', 'override', 'priv', 'tight', 'extra']) await waitFor(async () => (await phase(name)).stdout === 'Running', 20_000, `${name} running`);
  });
  after(async () => t?.dispose());

  it('runs as root by default, as runAsUser/runAsGroup/fsGroup say otherwise, container over pod (also for exec)', async () => {
    assert.equal((await exec('root', 'id -u; id -g')).stdout, '0\n0\n');
    const user = await exec('user', 'id -u; id -g; id -G');
    assert.equal(user.stdout, '1000\n3000\n3000 2000\n', user.stderr);
    assert.equal((await exec('override', 'id -u')).stdout, '2000\n');
  });

  it('capabilities and no_new_privs as containerd and runc set them, seen in /proc/1/status', async () => {
    const status = async (name: string) => (await exec(name, 'grep -E "^(CapBnd|NoNewPrivs):" /proc/1/status')).stdout;
    assert.equal(await status('root'), 'CapBnd:\t00000000a80425fb\nNoNewPrivs:\t0\n', "containerd's 14 default capabilities");
    const hostBounding = /^CapBnd:\t(\w+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    assert.equal(await status('priv'), `CapBnd:\t${hostBounding}\nNoNewPrivs:\t0\n`, 'privileged: every capability (the host may hold back some)');
    assert.equal(await status('tight'), 'CapBnd:\t0000000000000400\nNoNewPrivs:\t1\n', 'drop ALL, add NET_BIND_SERVICE, no escalation');
    assert.equal(await status('extra'), 'CapBnd:\t00000000a00415fb\nNoNewPrivs:\t0\n', 'defaults minus NET_RAW and MKNOD, plus NET_ADMIN');
  });

  it('a non-root process can write to emptyDir volumes and /tmp, not to the image\'s root-owned files', async () => {
    const r = await exec('user', 'touch /scratch/x && touch /tmp/y && echo ok; touch /etc/z 2>&1; echo "rc=$?"');
    assert.match(r.stdout, /^ok\n.*Permission denied\nrc=1\n$/s);
  });

  it('runAsNonRoot: an image that runs as root is refused with the kubelet\'s CreateContainerConfigError', async () => {
    const r = await kubectl(t.kubeconfigFile, ['apply', '-f', '-'], pod('strict', '{ runAsNonRoot: true }', '{}'));
    assert.equal(r.code, 0, r.stderr);
    const waiting = await waitFor(async () => {
      const got = await kubectl(t.kubeconfigFile, ['get', 'pod', 'strict', '-n', 'ids', '-o', 'jsonpath={.status.containerStatuses[0].state.waiting.reason}|{.status.containerStatuses[0].state.waiting.message}']);
      return got.stdout.startsWith('CreateContainerConfigError|') && got.stdout;
    }, 20_000, 'CreateContainerConfigError');
    assert.match(waiting, /\|container has runAsNonRoot and image will run as root \(pod: "strict_ids\([0-9a-f-]+\)", container: app\)$/);
    const ok = await kubectl(t.kubeconfigFile, ['apply', '-f', '-'], pod('strict-ok', '{ runAsNonRoot: true, runAsUser: 101 }', '{}'));
    assert.equal(ok.code, 0, ok.stderr);
    await waitFor(async () => (await phase('strict-ok')).stdout === 'Running', 20_000, 'strict-ok running');
    const unpriv = await kubectl(t.kubeconfigFile, ['apply', '-f', '-'], pod('unpriv', '{ runAsNonRoot: true }', '{}', 'nginxinc/nginx-unprivileged:1.27'));
    assert.equal(unpriv.code, 0, unpriv.stderr);
    await waitFor(async () => (await phase('unpriv')).stdout === 'Running', 20_000, 'an image whose USER is not root runs');
    assert.equal((await exec('unpriv', 'id -u')).stdout, '101\n');
  });
});
