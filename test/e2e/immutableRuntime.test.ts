/**
 * immutable-runtime (⚑) proven on the fakes, on ONE cluster: a read-only root filesystem graded by
 * what the running containers can write (/etc refused with EROFS, /tmp allowed), nginx started as
 * the real image starts (the fake kubelet's image model: with a read-only root it stops at mkdir()
 * of its temp paths or at its pid file, exit code 1), HTTP 200 from inside every replica, and no
 * CAP_SYS_ADMIN. The ways learners get it wrong fail the task they break, and the found of a crash
 * loop quotes nginx's own error; a right answer written differently passes.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadLabs } from '../../server/clusters/index.js';
import { CheckEngine } from '../../server/grading/index.js';
import { createSilentLogger } from '../../server/log/index.js';
import { ScenarioCatalog, loadCatalog } from '../../server/scenarios/index.js';
import { fakeClusterWorld } from '../helpers/fakeCluster.js';
import { ROOT } from '../helpers/testServer.js';
import { failedTasks as failed, checkIn as check, onCluster } from './grades.js';

const catalog = new ScenarioCatalog(loadCatalog(join(ROOT, 'scenarios'), { labsDir: join(ROOT, 'labs') }).scenarios);
const scenario = catalog.require('immutable-runtime');
const lab = loadLabs(join(ROOT, 'labs')).get('default')!;
const grader = new CheckEngine({ logger: createSilentLogger() });
const KUBECONFIG = { KUBECONFIG: '/etc/kubernetes/admin.conf' };
const ALL = ['not-privileged', 'read-only-root', 'still-serves', 'writable-scratch'];

const HEALTHCHECK = `command: ["sh", "-c", "while true; do if wget -q -O /dev/null -T 2 http://127.0.0.1/; then echo ok; else echo down; fi; sleep 30; done"]`;

/** Deployment shop-frontend with these container securityContexts, nginx mounts and volumes (YAML flow or block text). */
function deployment(o: { nginx: string; healthcheck?: string; mounts?: string; volumes?: string; containersFirst?: 'healthcheck' }): string {
  const nginx = `      - name: nginx
        image: nginx:1.27.3
        ports: [{ containerPort: 80 }]
        securityContext: ${o.nginx}
        volumeMounts: ${o.mounts ?? '[]'}`;
  const hc = `      - name: healthcheck
        image: busybox:1.36.1
        ${HEALTHCHECK}
        securityContext: ${o.healthcheck ?? '{ readOnlyRootFilesystem: true }'}`;
  return `apiVersion: apps/v1
kind: Deployment
metadata: { name: shop-frontend, namespace: web, labels: { app: shop-frontend } }
spec:
  replicas: 2
  selector: { matchLabels: { app: shop-frontend } }
  template:
    metadata: { labels: { app: shop-frontend } }
    spec:
      volumes: ${o.volumes ?? '[]'}
      containers:
${o.containersFirst === 'healthcheck' ? `${hc}\n${nginx}` : `${nginx}\n${hc}`}
`;
}
const RO = '{ readOnlyRootFilesystem: true }';
const MOUNTS = (paths: string[]) => `[${paths.map((p, i) => `{ name: v${i}, mountPath: '${p}' }`).join(', ')}]`;
const VOLUMES = (n: number, emptyDir = '{}') => `[${Array.from({ length: n }, (_, i) => `{ name: v${i}, emptyDir: ${emptyDir} }`).join(', ')}]`;
const RIGHT_DIRS = ['/var/cache/nginx', '/var/run', '/tmp'];

describe('scenario immutable-runtime on the fakes', function () {
  this.timeout(600_000);
  const world = fakeClusterWorld();
  const cluster = 'cks-immutable';
  after(() => world.cleanup());

  const { grade, run: node, setup, solve } = onCluster(world, scenario, cluster, { grader, env: KUBECONFIG });
  /** Waits until both replicas' nginx containers have exited 1 at least once (and no old Pod is left). */
  const CRASHED = `for i in $(seq 1 150); do
  s=$(kubectl -n web get pods -l app=shop-frontend -o jsonpath='{range .items[*]}{.metadata.deletionTimestamp}|{.status.containerStatuses[?(@.name=="nginx")].lastState.terminated.exitCode} {end}')
  [ "$s" = "|1 |1 " ] && exit 0; sleep 0.2
done; echo "nginx did not crash: $s" >&2; exit 1`;
  /** Applies the Deployment and waits for its rollout (or, when nginx is meant to crash, for both new replicas to have exited 1). */
  const apply = (yaml: string, crash = false) =>
    node(`set -e
kubectl apply -f - >/dev/null <<'YAML'
${yaml}YAML
${crash ? CRASHED : 'kubectl -n web rollout status deploy/shop-frontend --timeout=60s >/dev/null'}
`);

  before(async () => {
    await world.provider.create(cluster, lab, () => undefined);
    await setup();
  });

  it('is proven on one cluster: every task fails after setup, every task passes after the reference solution', async () => {
    await node(CRASHED);
    const before = await grade();
    assert.deepEqual(failed(before), ALL);
    assert.match(check(before, 'writable-scratch', 'tmp-writable').actual, /^pod shop-frontend-[a-z0-9]+-[a-z0-9]{5}: container nginx is not running .*its last log line: "nginx: \[emerg\] mkdir\(\) "\/var\/cache\/nginx\/client_temp" failed \(30: Read-only file system\)"/);
    assert.match(check(before, 'read-only-root', 'healthcheck-etc-read-only').actual, /output "touch exit 0"/);
    assert.match(check(before, 'still-serves', 'http-200').actual, /Connection refused/);
    await solve();
    const after = await grade();
    assert.deepEqual(failed(after), []);
    assert.equal(after.score, after.maxScore);
    assert.match(check(after, 'read-only-root', 'nginx-etc-read-only').actual, /^2 pod\(s\) .* met it$/);
  });

  it('privileged left on nginx (everything else right): only the privileged task fails', async () => {
    await apply(deployment({ nginx: '{ readOnlyRootFilesystem: true, privileged: true }', mounts: MOUNTS(RIGHT_DIRS), volumes: VOLUMES(3) }));
    const r = await grade();
    assert.deepEqual(failed(r), ['not-privileged']);
    assert.match(check(r, 'not-privileged', 'nginx-no-sys-admin').actual, /CapBnd 0*1f*.*CAP_SYS_ADMIN present/);
  });

  it('readOnlyRootFilesystem on nginx only, not on the healthcheck sidecar: only the read-only task fails', async () => {
    await apply(deployment({ nginx: RO, healthcheck: '{}', mounts: MOUNTS(RIGHT_DIRS), volumes: VOLUMES(3) }));
    const r = await grade();
    assert.deepEqual(failed(r), ['read-only-root']);
    assert.equal(check(r, 'read-only-root', 'nginx-etc-read-only').status, 'pass');
    assert.match(check(r, 'read-only-root', 'healthcheck-etc-read-only').actual, /output "touch exit 0"/);
    assert.match(check(r, 'read-only-root', 'ro-spec').actual, /readOnlyRootFilesystem/);
  });

  it('emptyDirs for nginx\'s own paths but not /tmp: nginx serves, yet /tmp is read-only — only the scratch task fails', async () => {
    await apply(deployment({ nginx: RO, mounts: MOUNTS(['/var/cache/nginx', '/var/run']), volumes: VOLUMES(2) }));
    const r = await grade();
    assert.deepEqual(failed(r), ['writable-scratch']);
    assert.match(check(r, 'writable-scratch', 'tmp-writable').actual, /touch: cannot touch '\/tmp\/x': Read-only file system/);
  });

  it('readOnlyRootFilesystem without any emptyDir: nginx crash-loops; the found quotes its mkdir() error', async () => {
    await apply(deployment({ nginx: RO }), true);
    const r = await grade();
    // Nothing can be observed inside a container that does not run: every task that looks inside nginx fails, saying why.
    assert.deepEqual(failed(r), ALL);
    for (const [task, id] of [['writable-scratch', 'tmp-writable'], ['read-only-root', 'nginx-etc-read-only']] as const) {
      assert.match(check(r, task, id).actual, /container nginx is not running \(pod phase Running; nginx: (CrashLoopBackOff|Error)[^)]*\)*; its last log line: "nginx: \[emerg\] mkdir\(\) "\/var\/cache\/nginx\/client_temp" failed \(30: Read-only file system\)"/);
    }
    assert.match(check(r, 'still-serves', 'http-200').actual, /Connection refused/);
    assert.equal(check(r, 'read-only-root', 'healthcheck-etc-read-only').status, 'pass');
  });

  it('a right answer written differently passes: /run instead of /var/run, emptyDirs in memory, privileged omitted, more hardening, containers reordered', async () => {
    const nginxSc = `
          readOnlyRootFilesystem: true
          allowPrivilegeEscalation: false
          capabilities: { drop: [ALL], add: [CHOWN, SETGID, SETUID, NET_BIND_SERVICE] }`;
    const mounts = `
        - { name: v2, mountPath: /tmp/ }
        - { name: v0, mountPath: /var/cache/nginx }
        - { name: v1, mountPath: /run }`;
    await apply(deployment({ nginx: nginxSc, mounts, volumes: VOLUMES(3, '{ medium: Memory, sizeLimit: 64Mi }'), containersFirst: 'healthcheck', healthcheck: '{ readOnlyRootFilesystem: true, privileged: false }' }));
    const r = await grade();
    assert.deepEqual(failed(r), []);
  });

  it('an emptyDir for /var/cache/nginx only: nginx stops at its pid file, and the found says so', async () => {
    await apply(deployment({ nginx: RO, mounts: MOUNTS(['/var/cache/nginx']), volumes: VOLUMES(1) }), true);
    const r = await grade();
    assert.deepEqual(failed(r), ALL);
    assert.match(check(r, 'writable-scratch', 'tmp-writable').actual, /its last log line: "nginx: \[emerg\] open\(\) "\/var\/run\/nginx\.pid" failed \(30: Read-only file system\)"/);
    assert.match(check(r, 'still-serves', 'replicas-available').actual, /^(no value|0)/);
  });
});
