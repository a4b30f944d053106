/**
 * The fake kubelet starts nginx the way the real image does (kubelet/imageStart.ts): with a
 * read-only root it fails with nginx's own [emerg] line and exit code 1 until emptyDirs give it
 * /var/cache/nginx and /var/run; started, it answers HTTP on :80 (here through localhost from a
 * busybox container of the same pod); a crash-looping nginx listens on nothing.
 */
import assert from 'node:assert/strict';
import { imageRepo, imageStart, nginxPidPath } from './kubelet/imageStart.js';
import { kubectl, startTestServer, waitFor } from './testHelpers.js';

type Started = Awaited<ReturnType<typeof startTestServer>>;

describe('fake kubelet: what the nginx image needs at start', function () {
  this.timeout(90_000);
  let t: Started;
  const k = (...args: string[]) => kubectl(t.kubeconfigFile, args);
  const apply = (yaml: string) => kubectl(t.kubeconfigFile, ['apply', '-f', '-'], yaml);

  before(async () => {
    t = await startTestServer({ backoffMs: 300 });
    assert.equal((await k('create', 'namespace', 'web')).code, 0);
  });
  after(async () => t.dispose());

  /** A Pod `name`: nginx (image, securityContext, mounts) and a busybox prober, with emptyDirs for `mounts`. */
  const pod = (name: string, opts: { image?: string; sc?: string; mounts?: string[]; medium?: string }) => {
    const mounts = opts.mounts ?? [];
    return `apiVersion: v1
kind: Pod
metadata: { name: ${name}, namespace: web }
spec:
  containers:
    - name: probe
      image: busybox:1.36.1
      command: [sh, -c, 'sleep 3600']
    - name: nginx
      image: ${opts.image ?? 'nginx:1.27.3'}
      securityContext: ${opts.sc ?? '{ readOnlyRootFilesystem: true }'}
      volumeMounts: [${mounts.map((m, i) => `{ name: v${i}, mountPath: '${m}' }`).join(', ')}]
  volumes: [${mounts.map((_, i) => `{ name: v${i}, emptyDir: ${opts.medium ? `{ medium: ${opts.medium} }` : '{}'} }`).join(', ')}]
`;
  };
  const state = async (name: string) => JSON.parse((await k('get', 'pod', name, '-n', 'web', '-o', 'json')).stdout).status.containerStatuses.find((c: { name: string }) => c.name === 'nginx');
  const logs = async (name: string) => (await k('logs', name, '-n', 'web', '-c', 'nginx')).stdout;
  const crashed = (name: string) => waitFor(async () => ((await state(name))?.lastState?.terminated ? state(name) : undefined), 20_000, `${name} nginx terminated`);
  const running = (name: string) => waitFor(async () => ((await state(name))?.state?.running && /start worker processes/.test(await logs(name)) ? true : undefined), 20_000, `${name} nginx running`);
  const wget = (name: string) => k('exec', name, '-n', 'web', '-c', 'probe', '--', 'wget', '-q', '-O', '-', '-T', '2', 'http://127.0.0.1/');

  it('reads image references and the pid path nginx.conf names (/run/nginx.pid since 1.27.5)', () => {
    assert.deepEqual(imageRepo('nginx:1.27.3'), { repo: 'docker.io/library/nginx', tag: '1.27.3' });
    assert.deepEqual(imageRepo('docker.io/library/nginx@sha256:' + 'a'.repeat(64)), { repo: 'docker.io/library/nginx', tag: 'latest' });
    assert.deepEqual(imageRepo('registry.local:5000/nginx:1.27'), { repo: 'registry.local:5000/nginx', tag: '1.27' });
    assert.equal(nginxPidPath('1.27.3'), '/var/run/nginx.pid');
    assert.equal(nginxPidPath('1.25.5-alpine'), '/var/run/nginx.pid');
    assert.equal(nginxPidPath('1.27.5'), '/run/nginx.pid');
    assert.equal(nginxPidPath('1.27'), '/run/nginx.pid');
    assert.equal(nginxPidPath('1.28.0'), '/run/nginx.pid');
    assert.equal(nginxPidPath('latest'), '/run/nginx.pid');
    assert.equal(imageStart({ name: 'x', image: 'bitnami/nginx:1.27' }), undefined, 'other nginx builds are not modelled');
    assert.equal(imageStart({ name: 'x', image: 'nginx:1.27.3', command: ['sh'] }), undefined, 'a command replaces the entrypoint');
    assert.equal(imageStart({ name: 'x', image: 'nginx:1.27.3', args: ['sh', '-c', 'true'] }), undefined, 'the entrypoint execs other args');
    assert.ok(imageStart({ name: 'x', image: 'nginx:1.27.3', args: ['nginx', '-g', 'daemon off;'] }));
  });

  it('a read-only root without volumes: mkdir() of client_temp fails (30: Read-only file system), exit 1, CrashLoopBackOff, nothing on :80', async () => {
    assert.equal((await apply(pod('bare', {}))).code, 0);
    const s = await crashed('bare');
    assert.equal(s.lastState.terminated.exitCode, 1);
    const out = await logs('bare');
    assert.match(out, /10-listen-on-ipv6-by-default\.sh: info: (can not modify \/etc\/nginx\/conf\.d\/default\.conf \(read-only file system\?\)|ipv6 not available)/);
    assert.match(out, /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d \[emerg\] 1#1: mkdir\(\) "\/var\/cache\/nginx\/client_temp" failed \(30: Read-only file system\)$/m);
    assert.match(out, /^nginx: \[emerg\] mkdir\(\) "\/var\/cache\/nginx\/client_temp" failed \(30: Read-only file system\)$/m);
    const r = await wget('bare');
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Connection refused/);
  });

  it('an emptyDir for /var/cache/nginx only: the pid file fails next; with /run as well it starts and serves (medium Memory too)', async () => {
    assert.equal((await apply(pod('cache-only', { mounts: ['/var/cache/nginx'] }))).code, 0);
    await crashed('cache-only');
    assert.match(await logs('cache-only'), /^nginx: \[emerg\] open\(\) "\/var\/run\/nginx\.pid" failed \(30: Read-only file system\)$/m);
    assert.equal((await apply(pod('fixed', { mounts: ['/var/cache/nginx', '/run'], medium: 'Memory' }))).code, 0);
    await running('fixed');
    const r = await wget('fixed');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Welcome to nginx!/);
    const inside = await k('exec', 'fixed', '-n', 'web', '-c', 'nginx', '--', 'sh', '-c', 'cat /var/run/nginx.pid; ls /var/cache/nginx; touch /etc/x 2>&1; touch /var/x 2>&1; true');
    assert.match(inside.stdout, /^1\n/);
    assert.match(inside.stdout, /client_temp\nfastcgi_temp\nproxy_temp\nscgi_temp\nuwsgi_temp/);
    assert.match(inside.stdout, /touch: cannot touch '\/etc\/x': Read-only file system/);
    assert.match(inside.stdout, /touch: cannot touch '\/var\/x': Read-only file system/);
  });

  it('a writable root starts as before; as a non-root user nginx warns about "user" and gets Permission denied; nginx-unprivileged needs /tmp', async () => {
    assert.equal((await apply(pod('plain', { sc: '{}' }))).code, 0);
    await running('plain');
    assert.equal((await wget('plain')).code, 0);
    assert.equal((await apply(pod('nonroot', { sc: '{ runAsUser: 101 }' }))).code, 0);
    await crashed('nonroot');
    const out = await logs('nonroot');
    assert.match(out, /^nginx: \[warn\] the "user" directive makes sense only if the master process runs with super-user privileges, ignored in \/etc\/nginx\/nginx\.conf:2$/m);
    assert.match(out, /^nginx: \[emerg\] mkdir\(\) "\/var\/cache\/nginx\/client_temp" failed \(13: Permission denied\)$/m);
    assert.equal((await apply(pod('unpriv', { image: 'nginxinc/nginx-unprivileged:1.27.3' }))).code, 0);
    await crashed('unpriv');
    assert.match(await logs('unpriv'), /^nginx: \[emerg\] mkdir\(\) "\/tmp\/client_temp" failed \(30: Read-only file system\)$/m);
    assert.equal((await apply(pod('new-pid', { image: 'nginx:1.27.5', mounts: ['/var/cache/nginx'] }))).code, 0);
    await crashed('new-pid');
    assert.match(await logs('new-pid'), /^nginx: \[emerg\] open\(\) "\/run\/nginx\.pid" failed \(30: Read-only file system\)$/m);
  });
});
