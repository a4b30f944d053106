/**
 * The fake Falco on a fake cluster: a node image labelled like the falco lab's gets Falco's files
 * and the falco-modern-bpf unit (delegated to the fake API server's Falco service, enabled at
 * boot); a custom rule in falco_rules.local.yaml loads on `systemctl restart falco` and its line
 * appears in /var/log/falco.log and the unit's journal for a real pod process, and nothing else's.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Lab } from '../../server/clusters/types.js';
import { fakeClusterWorld } from '../helpers/fakeCluster.js';

const KIND_NODE = 'kindest/node:v1.34.0@sha256:7416a61b42b1662ca6ca89f02028ac133a309a2a30ba309614e8ec94d976dc5a';
const IMAGE = 'cks-test/kindest-node-falco:v1.34.0-falco-fake-1';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('fake Falco on a fake node (systemctl, rules files, alerts for pod processes)', function () {
  this.timeout(180_000);
  const world = fakeClusterWorld({ phaseDelayMs: 0 });
  const cluster = 'cks-falconode';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'falco-lab-'));
  const sh = (script: string) => world.provider.nodeExec(cluster, ['bash', '-c', script]);

  before(async () => {
    fs.mkdirSync(path.join(dir, 'image'));
    fs.writeFileSync(path.join(dir, 'image/Dockerfile'), `FROM ${KIND_NODE}\nLABEL io.cks-lab.falco.version="0.39.2"\n`);
    fs.writeFileSync(path.join(dir, 'kind-config.yaml'), `kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n  - role: control-plane\n    image: ${IMAGE}\n`);
    const lab: Lab = { id: 'falco-test', kindConfig: path.join(dir, 'kind-config.yaml'), nodeImage: IMAGE, description: 'test', buildContext: path.join(dir, 'image'), requires: [] };
    await world.provider.create(cluster, lab, () => undefined);
  });
  after(async () => {
    await world.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('Falco runs at boot; a local rule loads on restart and reports the pod that reads /etc/shadow, only it', async () => {
    const active = await sh('systemctl is-active falco-modern-bpf; systemctl is-enabled falco-modern-bpf.service');
    assert.equal(active.stdout, 'active\nenabled\n', active.stderr);
    const apply = await sh(`export KUBECONFIG=/etc/kubernetes/admin.conf
kubectl create namespace shop >/dev/null
cat <<'YAML' | kubectl apply -f - >/dev/null
apiVersion: apps/v1
kind: Deployment
metadata: {name: reader, namespace: shop}
spec:
  replicas: 1
  selector: {matchLabels: {app: reader}}
  template:
    metadata: {labels: {app: reader}}
    spec:
      containers:
        - name: app
          image: busybox:1.36.1
          command: ["sh", "-c", "while true; do sleep 1 </etc/shadow; sleep 0.5; done"]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: quiet, namespace: shop}
spec:
  replicas: 1
  selector: {matchLabels: {app: quiet}}
  template:
    metadata: {labels: {app: quiet}}
    spec:
      containers:
        - name: app
          image: busybox:1.36.1
          command: ["sh", "-c", "while true; do sleep 1 </etc/hostname; done"]
YAML
kubectl -n shop rollout status deploy/reader --timeout=60s >/dev/null && kubectl -n shop rollout status deploy/quiet --timeout=60s >/dev/null && echo ok`);
    assert.equal(apply.stdout.trim(), 'ok', apply.stderr);
    const rule = `- rule: shadow read\n  desc: a container read /etc/shadow\n  condition: open_read and container and fd.name=/etc/shadow\n  output: "%evt.time,%container.id,%k8s.pod.name,%proc.name"\n  priority: WARNING\n`;
    const w = await sh(`cat >> /etc/falco/falco_rules.local.yaml <<'EOF'\n${rule}EOF\nsleep 2; cat /var/log/falco.log 2>/dev/null | wc -l`);
    assert.equal(w.stdout.trim(), '0', 'a rule is not loaded before Falco restarts');
    assert.equal((await sh('systemctl restart falco')).exitCode, 0);
    let log = '';
    for (let i = 0; i < 60 && !/reader-/.test(log); i++) {
      await sleep(250);
      log = (await sh('cat /var/log/falco.log 2>/dev/null')).stdout;
    }
    const journal = (await sh('cat /var/log/cks-fake/falco-modern-bpf.service.log; echo')).stdout;
    const lines = log.trim().split('\n');
    const id = (await sh(`crictl ps --name app -o json | jq -r '.containers[] | select(.labels["io.kubernetes.pod.namespace"]=="shop" and (.labels["io.kubernetes.pod.name"]|startswith("reader-"))) | .id'`)).stdout.trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    const format = new RegExp(`^\\d\\d:\\d\\d:\\d\\d\\.\\d{9}: Warning \\d\\d:\\d\\d:\\d\\d\\.\\d{9},${id.slice(0, 12)},reader-[a-z0-9]+-[a-z0-9]+,(sleep|sh)$`);
    assert.ok(lines.length > 0 && lines.every((l) => format.test(l)), `falco.log:\n${log}\njournal:\n${journal}`);
    assert.match(journal, /falco\[\d+\]: .*Warning .*reader-/);
    const status = await sh('systemctl status falco');
    assert.equal(status.exitCode, 0, status.stdout + status.stderr);
    assert.match(status.stdout, /Active: active \(running\)/);
  });
});
