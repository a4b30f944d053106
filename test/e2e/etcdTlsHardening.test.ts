/**
 * etcd-tls-hardening proven on the fakes, on one cluster: etcd's client port (a real TLS listener
 * configured from etcd.yaml, published as the node's 2379) and kube-apiserver's (its
 * --tls-min-version, the node's 6443) are probed with the node's real curl. After setup every task
 * fails; after the reference solution every task passes; the ways people get it wrong fail the task
 * they break (a broken etcd also takes kube-apiserver down, as on a real node); right answers
 * written differently pass.
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
const scenario = catalog.require('etcd-tls-hardening');
const lab = loadLabs(join(ROOT, 'labs')).get('default')!;
const grader = new CheckEngine({ logger: createSilentLogger() });
const KUBECONFIG = { KUBECONFIG: '/etc/kubernetes/admin.conf' };
const M = '/etc/kubernetes/manifests';

describe('scenario etcd-tls-hardening on the fakes', function () {
  this.timeout(240_000);
  const world = fakeClusterWorld();
  const cluster = 'cks-etcdtls';
  const { grade, run, setup, solve } = onCluster(world, scenario, cluster, { grader, env: KUBECONFIG });
  const solved = { etcd: '', apiserver: '' };
  /**
   * Writes the manifests (in one go each, as an editor's save), then waits for the kubelet to have
   * replaced the pods whose manifest changed (the checks themselves ride out a restart).
   */
  const put = async (files: { etcd?: string; apiserver?: string }): Promise<void> => {
    let script = 'set -e\nchanged=0\n';
    for (const [name, text] of [['etcd', files.etcd], ['kube-apiserver', files.apiserver]] as const) {
      if (text === undefined) continue;
      script += `cat > /root/${name}.next <<'CKS_EOF'\n${text.endsWith('\n') ? text : `${text}\n`}CKS_EOF\n`;
      script += `if ! cmp -s /root/${name}.next ${M}/${name}.yaml; then cat /root/${name}.next > ${M}/${name}.yaml; changed=1; fi\n`;
    }
    script += '[ $changed = 1 ] && sleep 3\nexit 0\n';
    await run(script);
  };
  /** Back to the solved state, waiting until kube-apiserver answers again (it may be in a back-off). */
  const reset = async (): Promise<void> => {
    await put(solved);
    await run('for i in $(seq 1 80); do kubectl get --raw=/readyz >/dev/null 2>&1 && exit 0; sleep 0.5; done; exit 1\n');
  };
  const addAfterCommand = (text: string, binary: string, lines: string[]): string => {
    const out = text.replace(new RegExp(`^( *)- ${binary}\n`, 'm'), (m, indent: string) => m + lines.map((l) => `${indent}- ${l}\n`).join(''));
    assert.notEqual(out, text, `no "- ${binary}" line`);
    return out;
  };
  const withoutFlags = (text: string, ...flags: string[]): string => flags.reduce((t, f) => t.replace(new RegExp(`^ *- ${f}(=.*)?\n`, 'gm'), ''), text);

  before(async function () {
    this.timeout(120_000);
    await world.provider.create(cluster, lab, () => undefined);
    await setup();
  });
  after(() => world.cleanup());

  it('after setup every task fails, saying what was found', async () => {
    const r = await grade();
    assert.deepEqual(failed(r), ['apiserver-tls13', 'etcd-client-certs']);
    assert.match(check(r, 'etcd-client-certs', 'etcd-refuses-no-cert').actual, /^HTTP 200 "\{"health":"true"/);
    assert.equal(check(r, 'etcd-client-certs', 'etcd-accepts-apiserver-cert').status, 'pass');
    assert.equal(check(r, 'apiserver-tls13', 'tls12-refused').actual, 'HTTP 200 "ok"');
    assert.equal(check(r, 'apiserver-tls13', 'tls13-accepted').status, 'pass');
    assert.equal(check(r, 'apiserver-tls13', 'apiserver-ready').status, 'pass');
  });

  it('after the reference solution every task passes (and the solution is idempotent)', async () => {
    await solve();
    const r = await grade();
    assert.deepEqual(failed(r), []);
    assert.match(check(r, 'etcd-client-certs', 'etcd-refuses-no-cert').actual, /^the TLS handshake refused \(curl: \(56\) .*alert certificate required/);
    assert.match(check(r, 'apiserver-tls13', 'tls12-refused').actual, /^the TLS handshake refused \(curl: \(35\) .*alert protocol version/);
    await solve();
    solved.etcd = await run(`cat ${M}/etcd.yaml`);
    solved.apiserver = await run(`cat ${M}/kube-apiserver.yaml`);
    assert.deepEqual(failed(await grade()), []);
  });

  describe('what learners get wrong fails exactly the right task; right answers written differently pass', () => {
    afterEach(reset);

    it('--tls-min-version=VersionTLS12 fails only the kube-apiserver task: TLS 1.2 still accepted', async () => {
      await put({ apiserver: solved.apiserver.replace('--tls-min-version=VersionTLS13', '--tls-min-version=VersionTLS12') });
      const r = await grade();
      assert.deepEqual(failed(r), ['apiserver-tls13']);
      assert.equal(check(r, 'apiserver-tls13', 'tls12-refused').actual, 'HTTP 200 "ok"');
      assert.equal(check(r, 'apiserver-tls13', 'apiserver-ready').status, 'pass');
    });

    it('--tls-max-version (no such kube-apiserver flag) crash-loops it: the kube-apiserver task fails with an error naming the flag', async () => {
      await put({ apiserver: solved.apiserver.replace('--tls-min-version=VersionTLS13', '--tls-max-version=VersionTLS13') });
      const r = await grade();
      assert.deepEqual(failed(r), ['apiserver-tls13']);
      // The probe met kube-apiserver away: an error naming its crash loop, not a plain fail.
      const tls12 = check(r, 'apiserver-tls13', 'tls12-refused');
      assert.equal(tls12.status, 'error');
      assert.match(tls12.actual, /Failed to connect to 127\.0\.0\.1 port 6443.*kube-apiserver exited \d+ times.*unknown flag: --tls-max-version/);
      const ready = check(r, 'apiserver-tls13', 'apiserver-ready');
      assert.equal(ready.status, 'error');
      assert.match(`${ready.message} ${ready.actual}`, /crash loop/);
      assert.match(`${ready.message} ${ready.actual}`, /unknown flag: --tls-max-version/);
    });

    it('--client-cert-auth=true without --trusted-ca-file: kube-apiserver\'s own certificate is refused, and kube-apiserver goes down with it', async () => {
      await put({ etcd: withoutFlags(solved.etcd, '--trusted-ca-file') });
      const r = await grade();
      assert.deepEqual(failed(r), ['apiserver-tls13', 'etcd-client-certs']);
      assert.equal(check(r, 'etcd-client-certs', 'etcd-refuses-no-cert').status, 'pass');
      const refusedCert = check(r, 'etcd-client-certs', 'etcd-accepts-apiserver-cert');
      assert.equal(refusedCert.status, 'fail');
      assert.match(refusedCert.actual, /^(the TLS handshake refused|no HTTP answer): curl: \(\d+\)|^(the TLS handshake refused|no HTTP answer) \(curl: \(\d+\)/);
      const ready = check(r, 'apiserver-tls13', 'apiserver-ready');
      assert.equal(ready.status, 'error');
      assert.match(`${ready.message} ${ready.actual}`, /crash loop/);
      const logs = await run("crictl logs $(crictl ps -a --name '^kube-apiserver$' --quiet | head -n1) 2>&1");
      assert.match(logs, /authentication handshake failed: remote error: tls: bad certificate/);
    });

    it('--peer-client-cert-auth=true (the peer flag) instead of --client-cert-auth fails only the etcd task', async () => {
      const peerOnly = withoutFlags(solved.etcd, '--client-cert-auth', '--trusted-ca-file', '--peer-client-cert-auth');
      await put({ etcd: addAfterCommand(peerOnly, 'etcd', ['--peer-client-cert-auth=true']) });
      const r = await grade();
      assert.deepEqual(failed(r), ['etcd-client-certs']);
      assert.match(check(r, 'etcd-client-certs', 'etcd-refuses-no-cert').actual, /^HTTP 200 /);
    });

    it('a typo in the value (--client-cert-auth=ture) makes etcd exit; both tasks fail and crictl logs says why', async () => {
      await put({ etcd: solved.etcd.replace('--client-cert-auth=true', '--client-cert-auth=ture') });
      const r = await grade();
      assert.deepEqual(failed(r), ['apiserver-tls13', 'etcd-client-certs']);
      assert.match(check(r, 'etcd-client-certs', 'etcd-refuses-no-cert').actual, /^connection refused \(curl: \(7\)/);
      const logs = await run("crictl logs $(crictl ps -a --name '^etcd$' --quiet | head -n1) 2>&1");
      assert.match(logs, /invalid boolean value "ture" for -client-cert-auth: parse error/);
    });

    it('right answers written differently pass: a bare --client-cert-auth, flag values as separate list items, in args', async () => {
      const etcd = addAfterCommand(withoutFlags(solved.etcd, '--client-cert-auth', '--trusted-ca-file'), 'etcd', ['--trusted-ca-file', '/etc/kubernetes/pki/etcd/ca.crt', '--client-cert-auth']);
      const apiserver = withoutFlags(solved.apiserver, '--tls-min-version').replace(/^( *)image: (registry\.k8s\.io\/kube-apiserver:.*)$/m, '$1args:\n$1- --tls-min-version\n$1- VersionTLS13\n$1image: $2');
      assert.match(apiserver, /args:\n *- --tls-min-version\n *- VersionTLS13\n/);
      await put({ etcd, apiserver });
      assert.deepEqual(failed(await grade()), []);
    });

    it('--trusted-ca-file alone also passes: etcd requires client certificates whenever it has a client CA', async () => {
      await put({ etcd: withoutFlags(solved.etcd, '--client-cert-auth') });
      assert.deepEqual(failed(await grade()), []);
    });
  });
});
