/**
 * audit-policy proven on the fakes: the fake kube-apiserver audits as kube-apiserver's log backend
 * does (audit/): the policy and the log file through the pod's mounts at each start (a crash loop
 * with kube-apiserver's error when it cannot read or write them), the first matching rule decides,
 * the events land in the node's file through a writable hostPath. The grader's own requests carry
 * their Audit-IDs and are found in that file. One cluster: the proof keeps it, then each attempt
 * rewrites the policy and the manifest from setup's copy and waits for kube-apiserver.
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
import { failedTasks as failed, checkIn as check, onCluster } from './grades.js';

const catalog = new ScenarioCatalog(loadCatalog(join(ROOT, 'scenarios'), { labsDir: join(ROOT, 'labs') }).scenarios);
const scenario = catalog.require('audit-policy');
const lab = loadLabs(join(ROOT, 'labs')).get('default')!;
const grader = new CheckEngine({ logger: createSilentLogger() });
const KUBECONFIG = { KUBECONFIG: '/etc/kubernetes/admin.conf' };
const AUDIT_TASKS = ['configmaps-full', 'nothing-else', 'request-received-omitted', 'secrets-metadata'];
const ALL_TASKS = [...AUDIT_TASKS, 'apiserver-audit'].sort();

const POLICY = (rules: string, top = 'omitStages: [RequestReceived]\n'): string => `set -e
mkdir -p /etc/kubernetes/audit
cat > /etc/kubernetes/audit/policy.yaml <<'EOF'
apiVersion: audit.k8s.io/v1
kind: Policy
${top}rules:
${rules}EOF
`;
const SECRETS = (level = 'Metadata') => `- level: ${level}\n  resources:\n  - group: ""\n    resources: ["secrets"]\n`;
const CONFIGMAPS = '- level: RequestResponse\n  namespaces: ["billing"]\n  resources:\n  - group: ""\n    resources: ["configmaps"]\n';
const NONE = '- level: None\n';

const FLAGS = 's/^( *)- kube-apiserver$/&\\n\\1- --audit-policy-file=\\/etc\\/kubernetes\\/audit\\/policy.yaml\\n\\1- --audit-log-path=\\/var\\/log\\/kubernetes\\/audit\\/audit.log\\n\\1- --audit-log-maxbackup=1/';
/** sed expressions adding the policy directory's mount (read-only) and, unless `log` is 'none', the log directory's. */
const mounts = (log: 'rw' | 'ro' | 'none'): string[] => {
  const policyMount = '\\n\\1- mountPath: \\/etc\\/kubernetes\\/audit\\n\\1  name: audit-policy\\n\\1  readOnly: true';
  const logMount = log === 'none' ? '' : `\\n\\1- mountPath: \\/var\\/log\\/kubernetes\\/audit\\n\\1  name: audit-log${log === 'ro' ? '\\n\\1  readOnly: true' : ''}`;
  const policyVolume = '\\n\\1- hostPath:\\n\\1    path: \\/etc\\/kubernetes\\/audit\\n\\1    type: DirectoryOrCreate\\n\\1  name: audit-policy';
  const logVolume = log === 'none' ? '' : '\\n\\1- hostPath:\\n\\1    path: \\/var\\/log\\/kubernetes\\/audit\\n\\1    type: DirectoryOrCreate\\n\\1  name: audit-log';
  return [`s/^( *)volumeMounts:$/&${policyMount}${logMount}/`, `s/^( *)volumes:$/&${policyVolume}${logVolume}/`];
};

/**
 * The manifest rewritten from the solution's copy of the original with sed expressions (an empty
 * list: restart with the same manifest, as a learner does after changing only the policy —
 * moved out and back), then a wait for the new kube-apiserver, or for its crash loop.
 */
const manifest = (exprs: string[] | 'restart', expectHealthy = true): string => `(set -e
M=/etc/kubernetes/manifests/kube-apiserver.yaml
OLD=$(crictl ps --name '^kube-apiserver$' --state running --quiet | head -n1)
NEED=$(( $(crictl ps -a --name '^kube-apiserver$' --state exited --quiet | wc -l) + 1 ))
[ -n "$OLD" ] && NEED=$((NEED + 1)) # the old container exits too
if [ "${exprs === 'restart' ? 'restart' : 'edit'}" = restart ]; then
  mv $M /root/moved.yaml
  for i in $(seq 1 40); do [ -z "$(crictl ps --name '^kube-apiserver$' --state running --quiet)" ] && break; sleep 0.25; done
  mv /root/moved.yaml $M
else
  sed -E ${exprs === 'restart' ? '' : exprs.map((e) => `-e '${e}'`).join(' ')} /root/kube-apiserver.yaml.orig > /root/edit.new
  cmp -s /root/edit.new $M && exit 0
  cat /root/edit.new > $M
fi
${
  expectHealthy
    ? `for i in $(seq 1 80); do
  NEW=$(crictl ps --name '^kube-apiserver$' --state running --quiet | head -n1)
  if [ -n "$NEW" ] && [ "$NEW" != "$OLD" ] && kubectl get --raw=/readyz >/dev/null 2>&1; then exit 0; fi
  sleep 0.25
done
echo "kube-apiserver did not come back" >&2; crictl ps -a --name kube-apiserver >&2; exit 1`
    : `for i in $(seq 1 40); do [ "$(crictl ps -a --name '^kube-apiserver$' --state exited --quiet | wc -l)" -ge "$NEED" ] && [ -z "$(crictl ps --name '^kube-apiserver$' --state running --quiet)" ] && exit 0; sleep 0.25; done
echo "kube-apiserver did not exit" >&2; exit 1`
}
)
`;

describe('scenario audit-policy on the fakes', function () {
  this.timeout(400_000);
  const world = fakeClusterWorld();
  const cluster = 'cks-proof-audit';
  after(() => world.cleanup());
  const { grade, run } = onCluster(world, scenario, cluster, { grader, env: KUBECONFIG });
  const why = (r: GradeResult): string => JSON.stringify(r.tasks.flatMap((t) => t.checks.filter((c) => c.status !== 'pass').map((c) => [c.id, c.status, c.actual])), null, 1);

  it('is proven: every task fails after setup, every task passes after the reference solution', async () => {
    const proof = await proveScenario(scenario, lab, cluster, { ...world, grader, keep: true });
    assert.equal(proof.error, null);
    assert.deepEqual(proof.passedAfterSetup, []);
    assert.deepEqual(proof.failedAfterSolution, [], proof.afterSolution ? why(proof.afterSolution) : '');
    assert.match(check(proof.afterSetup!, 'secrets-metadata', 'secret-reads').actual, /the audit log \/var\/log\/kubernetes\/audit\/audit.log does not exist on the node/);
    assert.match(check(proof.afterSolution!, 'secrets-metadata', 'secret-reads').actual, /get secrets billing\/ledger-db: Metadata at ResponseComplete, no objects/);
    // What the learner sees on the node: the grader's events, one JSON line each, no Secret data.
    const log = await run(`grep -F cks-lab-audit- /var/log/kubernetes/audit/audit.log | grep -F '"namespace":"billing","name":"audit-probe"' | tail -n 1`);
    assert.match(log, /^\{"kind":"Event","apiVersion":"audit.k8s.io\/v1","level":"RequestResponse","auditID":"cks-lab-audit-[0-9a-f-]+-\d","stage":"ResponseComplete","requestURI":"\/api\/v1\/namespaces\/billing\/configmaps\/audit-probe","verb":"patch"/);
    assert.doesNotMatch(await run('cat /var/log/kubernetes/audit/audit.log'), /TGVkZzNyLXMzY3JldC03Nw==|Ledg3r-s3cret-77/);
  });

  it('omitStages left out: RequestReceived events appear — only the stage task fails', async () => {
    await run(POLICY(SECRETS() + CONFIGMAPS + NONE, '') + manifest('restart'));
    const r = await grade();
    assert.deepEqual(failed(r), ['request-received-omitted'], why(r));
    assert.match(check(r, 'request-received-omitted', 'stages').message, /stages RequestReceived, ResponseComplete, expected exactly ResponseComplete/);
  });

  it('Secrets at RequestResponse: their data lands in the log — only the Secrets task fails, naming the leak', async () => {
    await run(POLICY(SECRETS('RequestResponse') + CONFIGMAPS + NONE) + manifest('restart'));
    const r = await grade();
    assert.deepEqual(failed(r), ['secrets-metadata'], why(r));
    assert.match(check(r, 'secrets-metadata', 'secret-reads').message, /level RequestResponse, expected Metadata; a responseObject is logged; the log holds "TGVkZzNyLXMzY3JldC03Nw=="/);
  });

  it('a catch-all None rule first: the first match wins, nothing is logged — every policy task fails, none passes unobserved', async () => {
    await run(POLICY(NONE + SECRETS() + CONFIGMAPS) + manifest('restart'));
    const r = await grade();
    assert.deepEqual(failed(r), AUDIT_TASKS, why(r));
    assert.match(check(r, 'nothing-else', 'others-not-logged').actual, /list pods in billing: no event, but no later request of this check was logged either/);
  });

  it('a right answer written differently passes: other rule order, no catch-all, omitStages per rule, the policy file mounted alone, the log’s parent directory mounted', async () => {
    await run(
      POLICY(
        '- level: RequestResponse\n  omitStages: ["RequestReceived"]\n  resources: [{resources: [configmaps]}]\n  namespaces: [billing]\n- level: Metadata\n  omitStages: ["RequestReceived"]\n  resources:\n  - resources: [secrets]\n',
        '',
      ) +
        manifest([
          's/^( *)- --authorization-mode=(.*)$/\\1- --audit-log-maxbackup=1\\n\\1- --audit-log-path=\\/var\\/log\\/kubernetes\\/audit\\/audit.log\\n&\\n\\1- --audit-policy-file=\\/etc\\/kubernetes\\/audit\\/policy.yaml/',
          's/^( *)volumeMounts:$/&\\n\\1- name: policy\\n\\1  mountPath: \\/etc\\/kubernetes\\/audit\\/policy.yaml\\n\\1  readOnly: true\\n\\1- name: logs\\n\\1  mountPath: \\/var\\/log\\/kubernetes/',
          's/^( *)volumes:$/&\\n\\1- name: policy\\n\\1  hostPath:\\n\\1    path: \\/etc\\/kubernetes\\/audit\\/policy.yaml\\n\\1    type: File\\n\\1- name: logs\\n\\1  hostPath:\\n\\1    path: \\/var\\/log\\/kubernetes/',
        ]),
    );
    const r = await grade();
    assert.deepEqual(failed(r), [], why(r));
  });

  it('the flags without the hostPath mounts: kube-apiserver crash-loops — every task fails and the grade says why', async () => {
    await run(POLICY(SECRETS() + CONFIGMAPS + NONE) + manifest([FLAGS], false));
    const r = await grade();
    assert.deepEqual(failed(r), ALL_TASKS, why(r));
    const ready = check(r, 'apiserver-audit', 'apiserver-ready');
    assert.equal(ready.status, 'error');
    assert.match(ready.message, /API server is not coming back: its container keeps exiting \(crash loop\)/);
    assert.match(ready.actual, /loading audit policy file: failed to read file path \\"\/etc\/kubernetes\/audit\/policy.yaml\\": open \/etc\/kubernetes\/audit\/policy.yaml: no such file or directory/);
    assert.equal(check(r, 'secrets-metadata', 'secret-reads').status, 'error', 'the grader’s requests could not be made: an error naming the crash loop, never a silent pass');
  });

  it('the log directory mounted read-only: kube-apiserver cannot open its log and crash-loops, saying so', async () => {
    await run(manifest([FLAGS, ...mounts('ro')], false));
    const r = await grade();
    assert.deepEqual(failed(r), ALL_TASKS, why(r));
    assert.match(check(r, 'apiserver-audit', 'apiserver-ready').actual, /ensureLogFile: open \/var\/log\/kubernetes\/audit\/audit.log: read-only file system/);
    const logs = await run(`crictl logs "$(crictl ps -a --name '^kube-apiserver$' --state exited --quiet | head -n1)" 2>&1`);
    assert.match(logs, /"command failed" err="ensureLogFile: open \/var\/log\/kubernetes\/audit\/audit.log: read-only file system"/);
  });

  it('the log directory not mounted: kube-apiserver runs but its log stays in the container — the policy tasks fail', async () => {
    await run('rm -rf /var/log/kubernetes/audit\n' + manifest([FLAGS, ...mounts('none')]));
    const r = await grade();
    assert.deepEqual(failed(r), AUDIT_TASKS, why(r));
    assert.match(check(r, 'configmaps-full', 'configmap-patch').actual, /the audit log \/var\/log\/kubernetes\/audit\/audit.log does not exist on the node/);
  });
});
