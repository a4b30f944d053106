/**
 * Multi-node labs (issue 10): a lab's kind config may have workers; kind creates them, CKS Lab
 * gives the cluster's nodes one root key pair so `ssh worker` works from the node the learner
 * lands on (as `ssh <node>` does on the exam), and checks name the node they read. On the fakes:
 * fake kind creates a node "container" per kind-config entry, the fake API server registers a
 * Node per node, and the fake ssh client checks what ssh and sshd would (host keys, known_hosts,
 * authorized_keys) before entering the peer node.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadLabs } from '../../server/clusters/index.js';
import type { Lab } from '../../server/clusters/types.js';
import { CheckEngine } from '../../server/grading/index.js';
import { createSilentLogger } from '../../server/log/index.js';
import { proveScenario } from '../../server/proving/index.js';
import { loadScenario, type Scenario } from '../../server/scenarios/index.js';
import { fakeClusterWorld } from '../helpers/fakeCluster.js';
import { ROOT } from '../helpers/testServer.js';

const FIXTURE = join(ROOT, 'test', 'scenarios', 'fixtures', 'multi-node-scenarios');
const labs = loadLabs(join(ROOT, 'labs'));
const KUBECONFIG = { KUBECONFIG: '/etc/kubernetes/admin.conf' };

describe('multi-node labs on the fakes: workers, ssh between nodes, checks on a named node', function () {
  this.timeout(240_000);
  const world = fakeClusterWorld({ phaseDelayMs: 5 });
  const lab = labs.get('two-node') as Lab;
  const cluster = 'cks-mn';
  after(() => world.cleanup());

  before(async () => {
    const info = await world.provider.create(cluster, lab, () => undefined);
    assert.deepEqual(info.nodes, [`${cluster}-control-plane`, `${cluster}-worker`]);
  });

  it('the lab declares its nodes from the kind config; the cluster has both, the worker Ready and the control plane tainted', async () => {
    assert.deepEqual(lab.nodes, ['control-plane', 'worker']);
    const out = await world.provider.nodeExec(cluster, ['kubectl', 'get', 'nodes', '-o', 'json'], { env: KUBECONFIG });
    assert.equal(out.exitCode, 0, out.stderr);
    const nodes = (JSON.parse(out.stdout) as { items: { metadata: { name: string }; spec: { taints?: { key: string }[] }; status: { conditions: { type: string; status: string }[] } }[] }).items;
    assert.deepEqual(nodes.map((n) => n.metadata.name).sort(), [`${cluster}-control-plane`, `${cluster}-worker`]);
    for (const n of nodes) assert.ok(n.status.conditions.some((c) => c.type === 'Ready' && c.status === 'True'), `${n.metadata.name} Ready`);
    const cp = nodes.find((n) => n.metadata.name.endsWith('control-plane'));
    assert.deepEqual(cp?.spec.taints?.map((t) => t.key), ['node-role.kubernetes.io/control-plane']);
    const worker = await world.provider.nodeExec(cluster, ['cat', '/etc/hostname'], { node: 'worker' });
    assert.equal(worker.stdout.trim(), `${cluster}-worker`);
  });

  it('ssh worker / ssh control-plane / ssh <node name> work both ways, with a host key per node', async () => {
    const there = await world.provider.nodeExec(cluster, ['ssh', 'worker', 'hostname']);
    assert.equal(there.exitCode, 0, there.stderr);
    assert.equal(there.stdout.trim(), `${cluster}-worker`);
    const byName = await world.provider.nodeExec(cluster, ['ssh', `${cluster}-worker`, 'cat /etc/hostname']);
    assert.equal(byName.stdout.trim(), `${cluster}-worker`);
    const back = await world.provider.nodeExec(cluster, ['ssh', 'control-plane', 'hostname'], { node: 'worker' });
    assert.equal(back.exitCode, 0, back.stderr);
    assert.equal(back.stdout.trim(), `${cluster}-control-plane`);
    // The remote command's exit code comes back, as with ssh.
    assert.equal((await world.provider.nodeExec(cluster, ['ssh', 'worker', 'exit 7'])).exitCode, 7);
    const keys = await Promise.all(['control-plane', 'worker'].map((node) => world.provider.nodeExec(cluster, ['cat', '/etc/ssh/ssh_host_ed25519_key.pub'], { node })));
    assert.notEqual(keys[0]!.stdout.split(' ')[1], keys[1]!.stdout.split(' ')[1], 'each node made its own host key');
  });

  it('ssh checks what sshd checks: a key the node does not authorise is refused, an unknown host does not resolve', async () => {
    const stranger = await world.provider.nodeExec(cluster, ['bash', '-c', "ssh-keygen -q -t ed25519 -N '' -f /tmp/other </dev/null && ssh -F /dev/null -i /tmp/other -o StrictHostKeyChecking=no cks-mn-worker true"]);
    assert.equal(stranger.exitCode, 255);
    assert.match(stranger.stderr, /root@cks-mn-worker: Permission denied \(publickey\)\./);
    const unknown = await world.provider.nodeExec(cluster, ['ssh', 'worker3', 'true']);
    assert.equal(unknown.exitCode, 255);
    assert.match(unknown.stderr, /Could not resolve hostname worker3/);
  });

  it('proves a scenario whose checks read the worker and whose solution works over ssh; a banner on the wrong node fails the right tasks', async () => {
    const r = loadScenario(join(FIXTURE, 'worker-banner'), { labsDir: join(ROOT, 'labs') });
    assert.ok(r.scenario, JSON.stringify(r.problems));
    const scenario = r.scenario as Scenario;
    const grader = new CheckEngine({ logger: createSilentLogger() });
    const proof = await proveScenario(scenario, lab, 'cks-mn-prove', { provider: world.provider, probesFor: world.probesFor, grader });
    assert.equal(proof.error, null);
    assert.deepEqual(proof.passedAfterSetup, [], 'every task fails after setup');
    assert.deepEqual(proof.failedAfterSolution, [], 'every task passes after the solution');

    // The common mistake: writing the banner where the terminal opened (the control plane).
    await world.provider.nodeExec(cluster, ['bash', '-c', 'echo "Authorized access only" > /etc/issue.net; touch /etc/cks-worker-banner-setup']);
    const grade = await grader.grade(scenario, world.probesFor(cluster, await world.provider.kubeconfig(cluster)));
    const task = grade.tasks.find((t) => t.id === 'banner');
    assert.equal(task?.passed, false);
    const status = Object.fromEntries((task?.checks ?? []).map((c) => [c.id, c.status]));
    assert.deepEqual(status, { 'banner-on-worker': 'fail', 'kubelet-kubeconfig-on-worker': 'pass', 'no-banner-on-control-plane': 'fail', 'marker-on-control-plane': 'pass' });
    const miss = task?.checks.find((c) => c.id === 'banner-on-worker');
    assert.match(miss?.expected ?? '', /\/etc\/issue\.net on worker containing "Authorized access only"/);
  });

  it('validate refuses a check naming a node its lab does not have, and a lab image without OpenSSH is refused at creation', async () => {
    const work = mkdtempSync(join(tmpdir(), 'cks-mn-lint-'));
    try {
      cpSync(join(FIXTURE, 'worker-banner'), join(work, 'worker-banner'), { recursive: true });
      const yaml = join(work, 'worker-banner', 'scenario.yaml');
      const { readFileSync } = await import('node:fs');
      writeFileSync(yaml, readFileSync(yaml, 'utf8').replace('lab: two-node', 'lab: default'));
      const r = loadScenario(join(work, 'worker-banner'), { labsDir: join(ROOT, 'labs') });
      assert.equal(r.scenario, undefined);
      assert.ok(r.problems.some((p) => /node 'worker' is not in lab 'default' — its nodes: control-plane/.test(p.message)), JSON.stringify(r.problems));
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
    // kindest/node itself has no ssh: a two-node lab on the bare image fails loudly, and is removed.
    const bare: Lab = { ...lab, id: 'bare-two-node', nodeImage: 'kindest/node:v1.34.0@sha256:7416a61b42b1662ca6ca89f02028ac133a309a2a30ba309614e8ec94d976dc5a', kindConfig: writeBareConfig() };
    delete bare.buildContext;
    await assert.rejects(world.provider.create('cks-mn-bare', bare, () => undefined), /Lab "bare-two-node": its cluster has 2 nodes but its node image has no OpenSSH/);
    assert.ok(!(await world.provider.list()).includes('cks-mn-bare'), 'the half-made cluster was deleted');
  });
});

function writeBareConfig(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cks-mn-bare-'));
  const file = join(dir, 'kind-config.yaml');
  const image = 'kindest/node:v1.34.0@sha256:7416a61b42b1662ca6ca89f02028ac133a309a2a30ba309614e8ec94d976dc5a';
  writeFileSync(file, `kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n  - role: control-plane\n    image: ${image}\n  - role: worker\n    image: ${image}\n`);
  return file;
}
