/**
 * The fake kubelet's Secret and ConfigMap handling as a real node shows it from inside the
 * container: volume files with defaultMode / items modes behind the `..data` symlinks, mounted
 * read-only (EROFS) whatever the volumeMount says, and env from secretKeyRef / configMapKeyRef /
 * envFrom fixed at container creation (a missing key is CreateContainerConfigError).
 */
import assert from 'node:assert/strict';
import type { CoreV1Api, KubeConfig, V1Pod } from '@kubernetes/client-node';
import { execSh, startPodLab, type startTestServer, waitFor } from './testHelpers.js';

type Started = Awaited<ReturnType<typeof startTestServer>>;

const sh = execSh;

describe('fake kube-apiserver: Secret and ConfigMap volumes and env', function () {
  this.timeout(60_000);
  let t: Started;
  let kc: KubeConfig;
  let core: CoreV1Api;
  const ns = 'vault-lab';

  before(async () => {
    ({ t, kc, core } = await startPodLab(ns));
    await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'db' }, stringData: { username: 'admin', password: 's3cr3t' } } });
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'settings' }, data: { mode: 'fast', level: '3' } } });
  });
  after(async () => t.dispose());

  const pod = (name: string, spec: Omit<NonNullable<V1Pod['spec']>, 'containers'> & { app: Record<string, unknown> }): V1Pod => {
    const { app, ...rest } = spec;
    return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns }, spec: { ...rest, containers: [{ name: 'app', image: 'busybox:1.36.1', command: ['sleep', '3600'], ...app }] } };
  };
  const running = (name: string): Promise<V1Pod> =>
    waitFor(async () => {
      const p = await core.readNamespacedPod({ name, namespace: ns });
      return p.status?.phase === 'Running' && p;
    });

  it('writes defaultMode and item modes behind ..data links, read-only even without readOnly: true', async () => {
    await core.createNamespacedPod({
      namespace: ns,
      body: pod('files', {
        app: { volumeMounts: [{ name: 'creds', mountPath: '/etc/creds' }, { name: 'cfg', mountPath: '/etc/cfg' }] },
        volumes: [
          { name: 'creds', secret: { secretName: 'db', defaultMode: 0o400 } },
          { name: 'cfg', configMap: { name: 'settings', items: [{ key: 'mode', path: 'conf/mode.txt', mode: 0o440 }] } },
        ],
      }),
    });
    await running('files');
    const out = await sh(kc, ns, 'files', [
      'stat -L -c "%a %s" /etc/creds/password',
      'stat -c %F /etc/creds/password',
      'readlink /etc/creds/password /etc/creds/..data',
      'ls -a /etc/creds | tr "\\n" " "; echo',
      'cat /etc/creds/password; echo',
      'stat -L -c %a /etc/cfg/conf/mode.txt',
      'ls /etc/cfg | tr "\\n" " "; echo',
      '(echo x > /etc/creds/password) 2>&1 || echo WRITE-FAILED',
      'touch /etc/cfg/new 2>&1 || echo TOUCH-FAILED',
    ].join('; '));
    const lines = out.split('\n');
    assert.equal(lines[0], '400 6');
    assert.equal(lines[1], 'symbolic link');
    assert.equal(lines[2], '..data/password');
    assert.match(lines[3]!, /^\.\.\d{4}_\d\d_\d\d_\d\d_\d\d_\d\d\.\d+$/);
    assert.match(lines[4]!, /^\. \.\. \.\.\d{4}_\S+ \.\.data password username $/);
    assert.equal(lines[5], 's3cr3t');
    assert.equal(lines[6], '440');
    assert.equal(lines[7], 'conf ');
    assert.match(out, /Read-only file system\nWRITE-FAILED/);
    assert.match(out, /Read-only file system\nTOUCH-FAILED/);
  });

  it('sets env from secretKeyRef, configMapKeyRef and envFrom (prefix), env overriding envFrom', async () => {
    await core.createNamespacedPod({
      namespace: ns,
      body: pod('env', {
        app: {
          envFrom: [{ configMapRef: { name: 'settings' }, prefix: 'CFG_' }, { secretRef: { name: 'db' } }],
          env: [
            { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
            { name: 'LEVEL', valueFrom: { configMapKeyRef: { name: 'settings', key: 'level' } } },
            { name: 'username', value: 'overridden' },
            { name: 'GONE', valueFrom: { secretKeyRef: { name: 'nope', key: 'x', optional: true } } },
          ],
        },
      }),
    });
    await running('env');
    const out = await sh(kc, ns, 'env', 'echo "$DB_PASSWORD|$LEVEL|$CFG_mode|$CFG_level|$password|$username|${GONE-unset}"');
    assert.equal(out, 's3cr3t|3|fast|3|s3cr3t|overridden|unset\n');
  });

  it('a missing Secret key is CreateContainerConfigError until the key exists', async () => {
    await core.createNamespacedPod({
      namespace: ns,
      body: pod('late', { app: { env: [{ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'db', key: 'token' } } }] } }),
    });
    const waiting = await waitFor(async () => {
      const p = await core.readNamespacedPod({ name: 'late', namespace: ns });
      return p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CreateContainerConfigError' && p;
    });
    assert.equal(waiting.status?.containerStatuses?.[0]?.state?.waiting?.message, `couldn't find key token in Secret ${ns}/db`);
    const secret = await core.readNamespacedSecret({ name: 'db', namespace: ns });
    await core.replaceNamespacedSecret({ name: 'db', namespace: ns, body: { ...secret, data: { ...secret.data, token: Buffer.from('t0k').toString('base64') } } });
    await running('late');
    assert.equal(await sh(kc, ns, 'late', 'echo $TOKEN'), 't0k\n');
  });
});
