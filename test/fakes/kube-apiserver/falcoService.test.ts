import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { installFalco, writeFalcoUnit } from '../lib/falco-files.mjs';
import type { WatchedContainer } from './falco/sampler.js';
import { FALCO_UNIT, FalcoService } from './falco/service.js';
import { sandboxes } from './falco/testSandboxes.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const LOCAL = '/etc/falco/falco_rules.local.yaml';
const RULE = (output: string, cond = 'open_read and container and fd.name=/etc/shadow') =>
  `- rule: shadow read\n  desc: a container read /etc/shadow\n  condition: ${cond}\n  output: "${output}"\n  priority: WARNING\n`;

describe('fake Falco service (systemctl verbs, rules read at start, alerts in the journal, one cluster only)', function () {
  this.timeout(60_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'falco-service-'));
  const boxes = sandboxes(path.join(dir, 'c'));
  const services: FalcoService[] = [];

  function node(name: string): string {
    const root = path.join(dir, name);
    installFalco(root, { 'io.cks-lab.falco.version': '0.39.2' });
    writeFalcoUnit(root, { criPort: 1 });
    return root;
  }

  async function container(name: string, script: string, pod: string): Promise<WatchedContainer> {
    const pid = await boxes.pidOf(boxes.start(name, script));
    return { id: `${name}${'0'.repeat(64 - name.length)}`, pid, name: 'app', image: 'busybox:1.36', podName: pod, namespace: 'shop' };
  }

  const read = (root: string, p: string) => {
    try {
      return fs.readFileSync(path.join(root, p), 'utf8');
    } catch {
      return '';
    }
  };
  async function waitFor(what: string, fn: () => boolean, ms = 6000): Promise<void> {
    for (let t = 0; t < ms; t += 100) {
      if (fn()) return;
      await sleep(100);
    }
    assert.fail(`timed out waiting for ${what}`);
  }

  after(() => {
    for (const s of services) s.dispose();
    boxes.killAll();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('fires only after a restart loads the rule, in the rule\'s output format, for this cluster\'s containers only; a broken rule fails the unit', async () => {
    const a = node('a');
    const b = node('b');
    const loop = 'while true; do sleep 1 </etc/shadow; sleep 0.3; done';
    const offenderA = await container('aaa1', loop, 'offender-a');
    const quietA = await container('aaa2', 'while true; do sleep 1 </etc/hostname; done', 'quiet-a');
    const offenderB = await container('bbb1', loop, 'offender-b');
    const sa = new FalcoService({ nodeRoot: a, nodeName: 'a-control-plane', containers: () => [offenderA, quietA] });
    const sb = new FalcoService({ nodeRoot: b, nodeName: 'b-control-plane', containers: () => [offenderB] });
    services.push(sa, sb);
    assert.ok(fs.statSync(path.join(a, 'usr/local/lib/cks-fake/units/falco-modern-bpf.service')).mode & 0o100, 'the delegated unit program is executable');
    assert.equal(fs.readlinkSync(path.join(a, 'etc/systemd/system/falco.service')), '/usr/lib/systemd/system/falco-modern-bpf.service');
    fs.writeFileSync(path.join(b, LOCAL.slice(1)), RULE('%container.id %k8s.pod.name'));
    assert.equal(sa.systemctl('is-active').exitCode, 3);
    assert.equal(sa.systemctl('start').exitCode, 0);
    assert.equal(sb.systemctl('start').exitCode, 0);
    assert.deepEqual(sa.systemctl('is-active'), { exitCode: 0, stdout: 'active\n', stderr: '' });
    // the rule written after the start is not loaded
    fs.writeFileSync(path.join(a, LOCAL.slice(1)), RULE('%evt.time,%container.id,%user.name,%proc.name'));
    await sleep(1500);
    assert.equal(read(a, 'var/log/falco.log'), '');
    assert.equal(sa.systemctl('restart').exitCode, 0);
    const format = /^\d\d:\d\d:\d\d\.\d{9}: Warning \d\d:\d\d:\d\d\.\d{9},aaa100000000,root,(sleep|sh)$/;
    await waitFor('the alert in /var/log/falco.log', () => read(a, 'var/log/falco.log').split('\n').some((l) => format.test(l)));
    const lines = read(a, 'var/log/falco.log').trim().split('\n');
    assert.ok(lines.every((l) => format.test(l)), lines.join('\n'));
    const journal = read(a, `var/log/cks-fake/${FALCO_UNIT}.log`);
    assert.match(journal, /a-control-plane falco\[\d+\]: \d\d:\d\d:\d\d\.\d{9}: Warning .*,aaa100000000,root,sleep/);
    assert.match(journal, /Opening 'syscall' source with modern BPF probe\./);
    await waitFor('cluster b\'s alert', () => read(b, 'var/log/falco.log').includes('bbb100000000 offender-b'));
    assert.ok(!read(a, 'var/log/falco.log').includes('bbb1') && !journal.includes('bbb1'), 'cluster a never sees cluster b');
    assert.ok(!read(b, 'var/log/falco.log').includes('aaa'), 'cluster b never sees cluster a');
    assert.match(sa.systemctl('status').stdout, /Active: active \(running\)/);
    // a rule Falco refuses: the restart's process exits 1, the unit waits to restart
    fs.writeFileSync(path.join(a, LOCAL.slice(1)), RULE('%proc.nam'));
    assert.equal(sa.systemctl('restart').exitCode, 0);
    assert.equal(sa.systemctl('is-active').stdout, 'activating\n');
    const status = sa.systemctl('status');
    assert.equal(status.exitCode, 3);
    assert.match(status.stdout, /activating \(auto-restart\) \(Result: exit-code\)/);
    assert.match(status.stdout, /LOAD_ERR_COMPILE_OUTPUT/);
    // a rules file that leads out of the node (a learner is root on it) is never read from the host
    fs.writeFileSync(path.join(dir, 'outside.yaml'), RULE('%proc.name'));
    fs.rmSync(path.join(a, LOCAL.slice(1)));
    fs.symlinkSync(path.join(dir, 'outside.yaml'), path.join(a, LOCAL.slice(1)));
    assert.equal(sa.systemctl('restart').exitCode, 0);
    assert.equal(sa.systemctl('is-active').stdout, 'active\n');
    assert.doesNotMatch(read(a, `var/log/cks-fake/${FALCO_UNIT}.log`).split('Loading rules from:').pop()!, /falco_rules\.local\.yaml/);
    assert.equal(sa.systemctl('stop').exitCode, 0);
    assert.equal(sa.systemctl('is-active').stdout, 'inactive\n');
  });
});
