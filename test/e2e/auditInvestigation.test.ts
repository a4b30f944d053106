/**
 * audit-investigation proven on the fakes: the learner reads a seeded audit log to find which
 * Secrets a leaked ServiceAccount token actually got back, rotates exactly those and removes the
 * binding. The grader reads the Secrets' values (rotated vs exactly as setup left them) and asks
 * the API server what the ServiceAccount may still do, so any way of rotating passes and each way
 * people misread the log fails the task it breaks.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadLabs } from '../../server/clusters/index.js';
import { CheckEngine } from '../../server/grading/index.js';
import type { GradeResult } from '../../server/grading/types.js';
import { createSilentLogger } from '../../server/log/index.js';
import { proveScenario } from '../../server/proving/index.js';
import { ScenarioCatalog, loadCatalog } from '../../server/scenarios/index.js';
import { fakeClusterWorld } from '../helpers/fakeCluster.js';
import { ROOT } from '../helpers/testServer.js';
import { failedTasks as failed, failedChecks, checkById as check, onCluster } from './grades.js';

const catalog = new ScenarioCatalog(loadCatalog(join(ROOT, 'scenarios'), { labsDir: join(ROOT, 'labs') }).scenarios);
const scenario = catalog.require('audit-investigation');
const lab = loadLabs(join(ROOT, 'labs')).get('default')!;
const grader = new CheckEngine({ logger: createSilentLogger() });
const KUBECONFIG = { KUBECONFIG: '/etc/kubernetes/admin.conf' };
const LOG = '/var/log/kubernetes/audit/audit.log';

/** `kubectl patch` of key password in payments (the reference way). */
const patch = (name: string, value: string, ns = 'payments') =>
  `kubectl -n ${ns} patch secret ${name} --type merge -p '{"data":{"password":"'"$(printf %s '${value}' | base64)"'"}}' >/dev/null`;
const ROTATE_READ = `${patch('db-credentials', 'n3w-db-pass')}\n${patch('stripe-api-key', 'sk_live_rotated')}`;
const DELETE_BINDING = 'kubectl -n payments delete rolebinding report-generator-secrets >/dev/null';

describe('scenario audit-investigation on the fakes', function () {
  this.timeout(180_000);
  const world = fakeClusterWorld();
  after(() => world.cleanup());

  it('is proven: every task fails after setup, every task passes after the reference solution', async () => {
    const proof = await proveScenario(scenario, lab, 'cks-proof-audit', { ...world, grader });
    assert.equal(proof.error, null);
    assert.deepEqual(proof.passedAfterSetup, []);
    assert.deepEqual(proof.failedAfterSolution, []);
    assert.equal(proof.afterSolution?.score, proof.afterSolution?.maxScore);
    // After setup, only what the learner must change fails: the untouched Secrets already pass.
    assert.deepEqual(failedChecks(proof.afterSetup!), ['db-credentials-rotated', 'reader-binding-gone', 'reporter-reads-no-secret', 'stripe-api-key-rotated']);
    assert.equal(check(proof.afterSetup!, 'db-credentials-rotated').expected, 'a value other than UGctN2QxZi1wYXltZW50cy0yMDI1', 'a rotation reads as one');
    assert.match(check(proof.afterSetup!, 'reporter-reads-no-secret').actual, /get secrets db-credentials in payments: yes \(RBAC: allowed by RoleBinding "report-generator-secrets\/payments"/);
  });

  describe('what learners get wrong fails exactly the right task; a right answer written differently passes', () => {
    const cluster = 'cks-audit-mistakes';
    const mistakes = onCluster(world, scenario, cluster, { grader, env: KUBECONFIG });
    before(async () => {
      await world.provider.create(cluster, lab, () => undefined);
    });

    /** Back to the state setup leaves (with nothing the last attempt added), then the learner's commands. */
    async function attempt(commands: string): Promise<GradeResult> {
      const reset = `kubectl -n payments delete rolebinding,role --all >/dev/null
kubectl delete clusterrolebinding report-generator-secrets --ignore-not-found >/dev/null`;
      const cleared = await world.provider.nodeExec(cluster, ['bash', '-c', reset], { env: KUBECONFIG });
      assert.ok(cleared.exitCode === 0 || /namespaces "payments" not found/.test(cleared.stderr), cleared.stderr);
      await mistakes.setup();
      const out = await mistakes.exec(`set -e\n${commands}\n`);
      assert.equal(out.exitCode, 0, out.stderr);
      return mistakes.grade();
    }

    it('the seeded log is what kube-apiserver writes: audit.k8s.io/v1 Events, two stages per request, 200s and 403s', async () => {
      await attempt('true');
      const q = async (filter: string) => (await world.provider.nodeExec(cluster, ['jq', '-r', filter, LOG])).stdout.trim().split('\n');
      assert.deepEqual([...new Set(await q('"\\(.apiVersion) \\(.kind) \\(.level)"'))], ['audit.k8s.io/v1 Event Metadata']);
      const keys = await q('select(.stage == "ResponseComplete") | keys_unsorted | join(",")');
      assert.equal(new Set(keys).size, 1);
      assert.equal(keys[0], 'kind,apiVersion,level,auditID,stage,requestURI,verb,user,sourceIPs,userAgent,objectRef,responseStatus,requestReceivedTimestamp,stageTimestamp,annotations');
      assert.deepEqual([...new Set(await q('select(.objectRef.name == "db-credentials") | .objectRef | keys_unsorted | join(",")'))], ['resource,namespace,name,apiVersion']);
      const uid = (await world.provider.nodeExec(cluster, ['kubectl', '-n', 'payments', 'get', 'serviceaccount', 'report-generator', '-o', 'jsonpath={.metadata.uid}'], { env: KUBECONFIG })).stdout;
      assert.deepEqual([...new Set(await q('select(.user.username == "system:serviceaccount:payments:report-generator") | .user.uid'))], [uid]);
      const stages = await q('.auditID');
      assert.ok(stages.length > 20 && stages.length % 2 === 0);
      const forbidden = await q('select(.responseStatus.code == 403 and .objectRef.name == "smtp-relay") | "\\(.annotations["authorization.k8s.io/decision"]) \\(.responseStatus.message)"');
      assert.deepEqual(forbidden, ['forbid secrets "smtp-relay" is forbidden: User "system:serviceaccount:payments:report-generator" cannot get resource "secrets" in API group "" in the namespace "payments"']);
      // The answer the README's jq line leads to.
      const read = await q('select(.user.username == "system:serviceaccount:payments:report-generator" and .verb == "get" and .responseStatus.code == 200) | "\\(.objectRef.namespace)/\\(.objectRef.name)"');
      assert.deepEqual([...new Set(read)].sort(), ['payments/db-credentials', 'payments/stripe-api-key']);
    });

    it('rotating every Secret in payments ("to be safe") fails only the rotation task, naming the ones that had to stay', async () => {
      const r = await attempt(`${ROTATE_READ}\n${patch('smtp-relay', 'x1')}\n${patch('backup-s3-key', 'x2')}\n${patch('webhook-signing-key', 'x3')}\n${DELETE_BINDING}`);
      assert.deepEqual(failed(r), ['read-secrets-rotated']);
      assert.deepEqual(failedChecks(r), ['backup-s3-key-unchanged', 'smtp-relay-unchanged', 'webhook-signing-key-unchanged']);
      assert.match(check(r, 'smtp-relay-unchanged').message, /expected c210cC1SM2xheS05eDJ3, found eDE=/);
    });

    it('counting the 403 attempt on smtp-relay as a read fails only the rotation task', async () => {
      const r = await attempt(`${ROTATE_READ}\n${patch('smtp-relay', 'rotated-smtp')}\n${DELETE_BINDING}`);
      assert.deepEqual(failed(r), ['read-secrets-rotated']);
      assert.deepEqual(failedChecks(r), ['smtp-relay-unchanged']);
    });

    it('grepping for "report-generator" and rotating backup-s3-key too (read by staging\'s account, or merely allowed) fails only the rotation task', async () => {
      const r = await attempt(`${ROTATE_READ}\n${patch('backup-s3-key', 'rotated-backup')}\n${patch('backup-s3-key', 'rotated-backup', 'staging')}\n${DELETE_BINDING}`);
      assert.deepEqual(failed(r), ['read-secrets-rotated']);
      assert.deepEqual(failedChecks(r), ['backup-s3-key-unchanged', 'staging-backup-s3-key-unchanged']);
    });

    it('deleting the read Secrets instead of rotating them fails only the rotation task', async () => {
      const r = await attempt(`kubectl -n payments delete secret db-credentials stripe-api-key >/dev/null\n${DELETE_BINDING}`);
      assert.deepEqual(failed(r), ['read-secrets-rotated']);
      assert.deepEqual(failedChecks(r), ['db-credentials-rotated', 'stripe-api-key-rotated']);
      assert.match(check(r, 'db-credentials-rotated').actual, /Secret payments\/db-credentials not found/);
    });

    it('rotating the right Secrets but leaving the binding fails only the binding task, naming the binding', async () => {
      const r = await attempt(ROTATE_READ);
      assert.deepEqual(failed(r), ['binding-removed']);
      assert.deepEqual(failedChecks(r), ['reader-binding-gone', 'reporter-reads-no-secret']);
    });

    it('deleting the ServiceAccount but not its binding fails the binding task: a re-created report-generator reads again', async () => {
      const r = await attempt(`${ROTATE_READ}\nkubectl -n payments delete serviceaccount report-generator >/dev/null`);
      assert.deepEqual(failed(r), ['binding-removed']);
      assert.deepEqual(failedChecks(r), ['reader-binding-gone', 'reporter-reads-no-secret']);
      assert.match(check(r, 'reporter-reads-no-secret').actual, /get secrets stripe-api-key in payments: yes \(RBAC: allowed by RoleBinding "report-generator-secrets\/payments"/);
    });

    it('deleting every RoleBinding in payments takes billing-api\'s access too and fails the binding task', async () => {
      const r = await attempt(`${ROTATE_READ}\nkubectl -n payments delete rolebindings --all >/dev/null`);
      assert.deepEqual(failed(r), ['binding-removed']);
      assert.deepEqual(failedChecks(r), ['billing-api-still-reads']);
    });

    it('create --dry-run=client | apply for one Secret, get | jq | replace for the other, and deleting the Role with the binding, passes', async () => {
      const r = await attempt(`kubectl -n payments create secret generic db-credentials --from-literal=username=payments_app --from-literal=password='N3w-Pg-pass!' --dry-run=client -o yaml | kubectl apply -f - >/dev/null 2>&1
kubectl -n payments get secret stripe-api-key -o json | jq --arg p "$(printf %s sk_live_new | base64)" '.data.password = $p' | kubectl replace -f - >/dev/null
kubectl -n payments delete rolebinding/report-generator-secrets role/secret-reader >/dev/null`);
      assert.deepEqual(failed(r), []);
      const pass = await world.provider.nodeExec(cluster, ['bash', '-c', "kubectl -n payments get secret db-credentials -o jsonpath='{.data.password}' | base64 -d"], { env: KUBECONFIG });
      assert.equal(pass.stdout, 'N3w-Pg-pass!');
    });

    it('kubectl auth can-i --as on the node agrees with the grader before and after', async () => {
      await attempt('true');
      const ask = async (...args: string[]) => (await world.provider.nodeExec(cluster, ['kubectl', 'auth', 'can-i', ...args, '-n', 'payments', '--as=system:serviceaccount:payments:report-generator'], { env: KUBECONFIG })).stdout.trim();
      assert.equal(await ask('get', 'secrets/db-credentials'), 'yes');
      assert.equal(await ask('get', 'secrets/smtp-relay'), 'no');
      assert.equal(await ask('list', 'secrets'), 'no');
      await attempt(DELETE_BINDING);
      assert.equal(await ask('get', 'secrets/db-credentials'), 'no');
    });
  });
});
