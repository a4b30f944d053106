import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_RULES } from './falco/defaultRules.js';
import { loadRules } from './falco/rules.js';
import { ProcSampler, type SampledEvent, type WatchedContainer } from './falco/sampler.js';
import { sandboxes } from './falco/testSandboxes.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('fake Falco /proc sampler on real sandboxed processes', function () {
  this.timeout(30_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'falco-sampler-'));
  const boxes = sandboxes(dir);
  const run = (name: string, script: string): ChildProcess => boxes.start(name, script);
  const watched = async (c: ChildProcess, id: string, pod: string): Promise<WatchedContainer> => ({ id, pid: await boxes.pidOf(c), name: 'app', image: 'busybox:1.36', podName: pod, namespace: 'team' });

  after(() => {
    boxes.killAll();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reports new processes and new open files of the watched containers only, in the container view, and the rules match them', async () => {
    const offender = run('offender', 'sleep 0.4; while true; do sleep 1 </etc/shadow; done');
    const quiet = run('quiet', 'sleep 0.4; while true; do sleep 1 </etc/hostname; done');
    const other = run('other', 'sleep 0.4; while true; do sleep 1 </etc/shadow; done');
    const a = await watched(offender, 'a'.repeat(64), 'offender-1');
    const b = await watched(quiet, 'b'.repeat(64), 'quiet-1');
    await watched(other, 'c'.repeat(64), 'other-1');
    const s = new ProcSampler();
    assert.deepEqual(s.sample([a, b]), [], 'the first sample only learns what runs');
    const events: SampledEvent[] = [];
    for (let i = 0; i < 15; i++) {
      await sleep(200);
      events.push(...s.sample([a, b]));
    }
    const ev = (e: SampledEvent) => (f: string) => e.fields.get(f);
    const opens = events.filter((e) => e.fields.get('evt.type') === 'openat');
    const shadow = opens.filter((e) => e.fields.get('fd.name') === '/etc/shadow');
    assert.ok(shadow.length > 0, `no open of /etc/shadow among ${opens.map((e) => e.fields.get('fd.name')).join(', ')}`);
    assert.ok(shadow.every((e) => e.fields.get('container.id') === 'aaaaaaaaaaaa' && e.fields.get('k8s.pod.name') === 'offender-1'));
    assert.ok(events.every((e) => e.fields.get('container.id') !== 'cccccccccccc'), 'an unwatched container is never reported');
    assert.ok(opens.some((e) => e.fields.get('fd.name') === '/etc/hostname' && e.fields.get('container.id') === 'bbbbbbbbbbbb'));
    const first = shadow[0]!;
    assert.equal(first.fields.get('evt.is_open_read'), true);
    assert.equal(first.fields.get('evt.is_open_write'), false);
    assert.equal(first.fields.get('fd.directory'), '/etc');
    assert.equal(first.fields.get('user.name'), 'root');
    assert.equal(first.fields.get('container.image.repository'), 'busybox');
    const execs = events.filter((e) => e.fields.get('evt.type') === 'execve' && e.fields.get('proc.cmdline') === 'sleep 1');
    assert.ok(execs.length > 0);
    assert.equal(execs[0]!.fields.get('proc.args'), '1');
    assert.equal(execs[0]!.fields.get('proc.pname'), 'sh');
    assert.equal(execs[0]!.fields.get('proc.exepath'), '/usr/bin/sleep');
    const rules = loadRules([
      { path: '/etc/falco/falco_rules.yaml', text: DEFAULT_RULES },
      { path: '/etc/falco/falco_rules.local.yaml', text: `- rule: shadow\n  desc: d\n  condition: open_read and container and fd.name=/etc/shadow\n  output: "%container.id,%k8s.pod.name,%proc.name"\n  priority: WARNING\n` },
    ]);
    const hits = events.filter((e) => rules[0]!.condition(ev(e)));
    assert.ok(hits.length > 0);
    assert.ok(hits.some((e) => rules[0]!.output(ev(e)) === 'aaaaaaaaaaaa,offender-1,sleep'));
    assert.ok(hits.every((e) => rules[0]!.output(ev(e)).startsWith('aaaaaaaaaaaa,offender-1,')));
  });
});
