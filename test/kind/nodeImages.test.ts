/**
 * `npm run test:kind`: the labs' node images on real kind (needs Docker, kind and kubectl on PATH).
 * What the fakes cannot show, because they run node commands with this host's own tools:
 * - every lab's node has the tools instructions may use, lacks the ones kindNode.ts says it lacks,
 *   and has vim and nano with EDITOR/VISUAL/KUBE_EDITOR in the learner's login shell;
 * - the apparmor lab mounts securityfs through its oneshot unit, keeps enforcing after a node
 *   restart (containerd and the kubelet decide at start-up), and deleting the cluster unloads the
 *   profiles it loaded from the host's kernel and nothing else.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadLabs, runNodeScript, waitForNodeReady, type ClusterProvider, type Lab } from '../../server/clusters/index.js';
import { packageRoot } from '../../server/config/index.js';
import { createJsonLogger } from '../../server/log/index.js';
import { clusterAdaptersFor } from '../../server/platform/index.js';
import { newClusterName } from '../../server/sessions/index.js';
import { ABSENT_ON_KIND_NODE, PRESENT_ON_KIND_NODE, labCommands } from './kindNode.js';
import { kindShard, labInShard, shardUnits } from './shard.js';
import { loadCatalog } from '../../server/scenarios/index.js';

const run = promisify(execFile);
const root = packageRoot();
const logger = createJsonLogger({ level: (process.env.CKS_LOG_LEVEL as 'info') ?? 'info' });
const labs = loadLabs(join(root, 'labs'));
const only = process.env.CKS_LABS?.split(',').filter(Boolean);
const shard = kindShard();
const units = shardUnits(loadCatalog(join(root, 'scenarios'), { labsDir: join(root, 'labs') }).scenarios, [...labs.keys()], shard);

function adapters(): { provider: ClusterProvider } {
  return clusterAdaptersFor(process.env, logger, { kubeconfigDir: mkdtempSync(join(tmpdir(), 'cks-kind-img-')), readyTimeoutMs: 300_000 });
}

/** The host kernel's loaded AppArmor profiles (root-only on some hosts: then through sudo -n). */
async function hostProfiles(): Promise<string> {
  const file = '/sys/kernel/security/apparmor/profiles';
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return (await run('sudo', ['-n', 'cat', file])).stdout;
  }
}

/** A script for the learner's login shell that prints one line per fact that is wrong. */
function toolsScript(lab: Lab): string {
  const added = labCommands(readFileSync(join(lab.buildContext!, 'Dockerfile'), 'utf8'));
  const absent = Object.keys(ABSENT_ON_KIND_NODE).filter((c) => !added.has(c));
  return [
    `for c in ${[...PRESENT_ON_KIND_NODE, ...added].join(' ')}; do command -v "$c" >/dev/null || echo "missing: $c"; done`,
    `for c in ${absent.join(' ')}; do command -v "$c" >/dev/null && echo "unexpectedly present: $c"; done`,
    '[ "$EDITOR $VISUAL $KUBE_EDITOR" = "vim vim vim" ] || echo "editor variables: $EDITOR $VISUAL $KUBE_EDITOR"',
    'vim --version >/dev/null 2>&1 || echo "vim does not run"',
    'nano --version >/dev/null 2>&1 || echo "nano does not run"',
    'true',
  ].join('\n');
}

describe('lab node images on real kind', () => {
  for (const lab of [...labs.values()].filter((l) => (!only || only.includes(l.id)) && labInShard(l.id, units, shard))) {
    it(`${lab.id}: the node has the tools instructions may use, not the ones we say it lacks, and vim + nano with EDITOR set`, async function () {
      const { provider } = adapters();
      const unsupported = await provider.labSupport(lab);
      if (unsupported) {
        logger.warn('lab skipped on this host', { lab: lab.id, reason: unsupported });
        this.skip();
      }
      const name = newClusterName('cks-test-');
      try {
        await provider.create(name, lab, (p) => logger.info('progress', { lab: lab.id, step: p.step, state: p.state }));
        const out = await provider.nodeExec(name, ['bash', '-lc', toolsScript(lab)], { timeoutMs: 60_000 });
        assert.equal(out.exitCode, 0, out.stderr);
        assert.deepEqual(out.stdout.split('\n').filter(Boolean), []);
      } finally {
        if (process.env.CKS_KEEP_CLUSTERS !== '1') await provider.delete(name);
      }
    });
  }

  (labInShard('apparmor', units, shard) ? describe : describe.skip)('apparmor lab: securityfs at boot, a node restart, and profiles unloaded at delete', () => {
    const lab = labs.get('apparmor')!;
    const { provider } = adapters();
    const name = newClusterName('cks-test-');
    const mine = `cks-kindtest-${name}`;
    let created = false;

    before(async function () {
      if (only && !only.includes('apparmor')) this.skip();
      const unsupported = await provider.labSupport(lab);
      if (unsupported) {
        logger.warn('apparmor lab skipped on this host', { reason: unsupported });
        this.skip();
      }
      await provider.create(name, lab, () => undefined);
      created = true;
    });
    after(async () => {
      if (created) await provider.delete(name).catch(() => undefined);
    });

    it('securityfs is mounted by cks-securityfs.service, before containerd and the kubelet', async () => {
      const out = await provider.nodeExec(name, ['bash', '-c', 'systemctl is-active cks-securityfs.service && mountpoint /sys/kernel/security && systemctl show -p After containerd.service kubelet.service']);
      assert.equal(out.exitCode, 0, out.stderr);
      assert.match(out.stdout, /^active$/m);
      assert.equal((out.stdout.match(/cks-securityfs\.service/g) ?? []).length, 2, `containerd and the kubelet start after it:\n${out.stdout}`);
    });

    it('a profile the learner loads is noted for teardown', async () => {
      const profile = `profile ${mine} flags=(attach_disconnected) {\n  file,\n  deny /** w,\n}\n`;
      const out = await provider.nodeExec(name, ['bash', '-lc', `printf '%s' '${profile}' > /root/${mine} && apparmor_parser -r /root/${mine} && cat /var/lib/cks-lab/apparmor-loaded`]);
      assert.equal(out.exitCode, 0, out.stderr);
      assert.match(out.stdout, new RegExp(`^${mine}$`, 'm'));
      assert.match(await hostProfiles(), new RegExp(`^${mine} \\(enforce\\)$`, 'm'));
    });

    it('after a node restart AppArmor still works: the lab self-check passes again', async function () {
      this.timeout(600_000);
      await run('docker', ['restart', `${name}-control-plane`]);
      await waitForNodeReady(await provider.kubeconfig(name), { timeoutMs: 300_000 });
      // Before the self-check, which would mount securityfs itself and restart containerd + kubelet.
      const boot = await provider.nodeExec(name, ['bash', '-c', 'systemctl is-active cks-securityfs.service && mountpoint /sys/kernel/security']);
      assert.equal(boot.exitCode, 0, `securityfs after the restart: ${boot.stdout} ${boot.stderr}`);
      const out = await runNodeScript(provider, name, lab.bootstrapScript!, { timeoutMs: 600_000, tailLines: 20 });
      assert.equal(out.exitCode, 0, out.tail);
      assert.match(out.stdout, /self-check passed/);
    });

    it('deleting the cluster unloads the profiles it loaded, and leaves the host’s own', async () => {
      const before = await hostProfiles();
      await provider.delete(name);
      created = false;
      const after = await hostProfiles();
      assert.doesNotMatch(after, new RegExp(`^${mine} `, 'm'));
      assert.doesNotMatch(after, new RegExp(`^cks-lab-selfcheck-${name}-control-plane `, 'm'));
      for (const keep of ['docker-default', 'cri-containerd.apparmor.d']) {
        if (new RegExp(`^${keep} `, 'm').test(before)) assert.match(after, new RegExp(`^${keep.replace(/\./g, '\\.')} `, 'm'), `${keep} stays loaded`);
      }
    });
  });
});
