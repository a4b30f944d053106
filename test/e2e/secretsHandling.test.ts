/**
 * secrets-handling proven on the fakes: the mounted Secret graded from inside every app Pod (the
 * file modes through the ..data symlinks, the value, a write refused by the read-only volume, the
 * env var), its env source from the Deployment, and the value read from etcd by the file the
 * learner writes — so each way people get it wrong fails the task it breaks, and other valid
 * manifests and extraction commands pass.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadLabs } from '../../server/clusters/index.js';
import { CheckEngine } from '../../server/grading/index.js';
import type { GradeResult } from '../../server/grading/types.js';
import { createSilentLogger } from '../../server/log/index.js';
import { proveScenario } from '../../server/proving/index.js';
import { ScenarioCatalog, applyParams, loadCatalog, resolveParams } from '../../server/scenarios/index.js';
import { fakeClusterWorld } from '../helpers/fakeCluster.js';
import { ROOT } from '../helpers/testServer.js';
import { checkById, failedTasks as failed, onCluster } from './grades.js';

const catalog = new ScenarioCatalog(loadCatalog(join(ROOT, 'scenarios'), { labsDir: join(ROOT, 'labs') }).scenarios);
const scenario = catalog.require('secrets-handling');
const lab = loadLabs(join(ROOT, 'labs')).get('default')!;
const grader = new CheckEngine({ logger: createSilentLogger() });
const KUBECONFIG = { KUBECONFIG: '/etc/kubernetes/admin.conf' };

/** The app Deployment with the given env and volume parts (defaults: the reference answer). */
const APP = (o: { env?: string; volume?: string; mount?: string } = {}): string => `apiVersion: apps/v1
kind: Deployment
metadata: { name: app, namespace: orders }
spec:
  replicas: 1
  selector: { matchLabels: { app: app } }
  template:
    metadata: { labels: { app: app } }
    spec:
      terminationGracePeriodSeconds: 5
      containers:
        - name: app
          image: busybox:1.36.1
          command: [sh, -c, 'echo app started; sleep 86400']
          env:
${o.env ?? '            - { name: DB_PASSWORD, valueFrom: { secretKeyRef: { name: db-credentials, key: password } } }'}
          volumeMounts:
${o.mount ?? '            - { name: creds, mountPath: /etc/db-credentials, readOnly: true }'}
      volumes:
        - name: creds
${o.volume ?? '          secret: { secretName: db-credentials, defaultMode: 0400 }'}`;

const ETCDCTL = `ETCD=$(crictl ps --name '^etcd$' -q | head -n1)
etcd() { crictl exec "$ETCD" etcdctl --endpoints=https://127.0.0.1:2379 --cacert=/etc/kubernetes/pki/etcd/ca.crt --cert=/etc/kubernetes/pki/etcd/server.crt --key=/etc/kubernetes/pki/etcd/server.key "$@"; }`;
/** The reference extraction (solution.sh's). */
const FROM_ETCD = `${ETCDCTL}
etcd get /registry/secrets/orders/partner-api --print-value-only | LC_ALL=C tr -cs '[:print:]' '\\n' | grep -x -A1 token | tail -n1 > /root/partner-api-token.txt`;

describe('scenario secrets-handling on the fakes', function () {
  this.timeout(300_000);
  const world = fakeClusterWorld();
  after(() => world.cleanup());

  it('is proven: every task fails after setup, every task passes after the reference solution', async () => {
    const proof = await proveScenario(scenario, lab, 'cks-proof-secrets', { ...world, grader });
    assert.equal(proof.error, null);
    assert.deepEqual(proof.passedAfterSetup, []);
    assert.deepEqual(proof.failedAfterSolution, []);
    assert.equal(proof.afterSolution?.score, proof.afterSolution?.maxScore);
    assert.match(checkById(proof.afterSetup!, 'files-mode-0400').actual, /No such file|can't stat|cannot stat/);
  });

  it('is proven with other parameter values (namespace, path, env name, password, token, file)', async () => {
    const run = applyParams(scenario, resolveParams(scenario, { namespace: 'ledger', mountPath: '/run/app/db', envName: 'APP_DB_PASS', dbPassword: 'Hs2_vr6Np3', apiKey: 'pk-b85e02c7f9', outputName: 'etcd-token.txt' }));
    const proof = await proveScenario(run, lab, 'cks-proof-secrets-params', { ...world, grader });
    assert.equal(proof.error, null);
    assert.deepEqual(proof.passedAfterSetup, []);
    assert.deepEqual(proof.failedAfterSolution, []);
  });

  describe('what learners get wrong fails exactly the right task; a right answer written differently passes', () => {
    const cluster = 'cks-secrets-mistakes';
    const mistakes = onCluster(world, scenario, cluster, { grader, env: KUBECONFIG, scriptTimeoutMs: 120_000 });
    before(async () => {
      await world.provider.create(cluster, lab, () => undefined);
    });

    /** A fresh namespace as setup leaves it, then the learner's commands. */
    async function attempt(commands: string): Promise<GradeResult> {
      const reset = await world.provider.nodeExec(cluster, ['kubectl', 'delete', 'namespace', 'orders', '--ignore-not-found', '--wait=true'], { env: KUBECONFIG });
      assert.equal(reset.exitCode, 0, reset.stderr);
      await mistakes.setup();
      const script = `set -e\n${commands}\nkubectl -n orders rollout status deployment/app --timeout=60s >/dev/null
for i in $(seq 1 60); do [ "$(kubectl -n orders get pods -l app=app --no-headers | wc -l)" = 1 ] && break; sleep 0.5; done\n`;
      const out = await mistakes.exec(script);
      assert.equal(out.exitCode, 0, out.stderr);
      return mistakes.grade();
    }
    const apply = (manifest: string): string => `cat > /root/app.yaml <<'YAML'\n${manifest}\nYAML\nkubectl apply -f /root/app.yaml >/dev/null`;

    it('defaultMode: 400 (decimal, so 0620) fails only the mount task, saying which mode it found', async () => {
      const r = await attempt(`${apply(APP({ volume: '          secret: { secretName: db-credentials, defaultMode: 400 }' }))}\n${FROM_ETCD}`);
      assert.deepEqual(failed(r), ['secret-mounted']);
      assert.match(checkById(r, 'files-mode-0400').actual, /password 620/);
      assert.equal(checkById(r, 'mount-read-only').status, 'pass');
    });

    it('only the password key mounted (items) fails only the mount task', async () => {
      const r = await attempt(`${apply(APP({ volume: '          secret: { secretName: db-credentials, items: [{ key: password, path: password, mode: 0400 }] }' }))}\n${FROM_ETCD}`);
      assert.deepEqual(failed(r), ['secret-mounted']);
      assert.equal(checkById(r, 'file-holds-password').status, 'pass');
    });

    it('the password typed into the manifest as a literal fails only the env task', async () => {
      const r = await attempt(`PW=$(kubectl -n orders get secret db-credentials -o jsonpath='{.data.password}' | base64 -d)
${apply(APP({ env: '            - { name: DB_PASSWORD, value: "PW_HERE" }' }))}
sed -i "s/PW_HERE/$PW/" /root/app.yaml && kubectl apply -f /root/app.yaml >/dev/null
${FROM_ETCD}`);
      assert.deepEqual(failed(r), ['secret-env']);
      assert.equal(checkById(r, 'env-value').status, 'pass');
      assert.equal(checkById(r, 'env-from-secret-ref').status, 'fail');
    });

    it('the base64 from the API, or the whole etcdctl output, in the file fails only the etcd task', async () => {
      let r = await attempt(`${apply(APP())}\nkubectl -n orders get secret partner-api -o jsonpath='{.data.token}' > /root/partner-api-token.txt`);
      assert.deepEqual(failed(r), ['etcd-value']);
      assert.match(checkById(r, 'file-equals-value').actual, /cGstN2YzYTljNDFkMg==/);
      r = await attempt(`${apply(APP())}\n${ETCDCTL}\netcd get /registry/secrets/orders/partner-api > /root/partner-api-token.txt`);
      assert.deepEqual(failed(r), ['etcd-value']);
    });

    it('passes written differently: items with decimal 256, kubectl set env --from, grep for the token, no trailing newline', async () => {
      const r = await attempt(`${apply(APP({
        env: '            - { name: OTHER, value: x }',
        mount: '            - { name: creds, mountPath: /etc/db-credentials }',
        volume: '          secret: { secretName: db-credentials, items: [{ key: username, path: username, mode: 256 }, { key: password, path: password, mode: 256 }] }',
      }))}
kubectl -n orders set env deployment/app --from=secret/db-credentials --keys=password --prefix=DB_ >/dev/null
${ETCDCTL}
printf %s "$(etcd get /registry/secrets/orders/partner-api --print-value-only | grep -a -o 'pk-[0-9a-f]*')" > /root/partner-api-token.txt`);
      assert.deepEqual(failed(r), []);
      assert.equal(r.score, r.maxScore);
    });
  });
});
