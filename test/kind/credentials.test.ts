/**
 * `npm run test:kind`: the credentials attack of issue 9 on a real kind node. A learner (root on
 * the node) puts an exec credential plugin into /etc/kubernetes/admin.conf; the platform keeps
 * grading with what it captured at creation, and `kind get kubeconfig` (which copies that file)
 * is refused, so the plugin never runs on this host.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadLabs } from '../../server/clusters/index.js';
import { packageRoot } from '../../server/config/index.js';
import { isAppError } from '../../server/errors.js';
import { createJsonLogger } from '../../server/log/index.js';
import { clusterAdaptersFor } from '../../server/platform/index.js';
import { newClusterName } from '../../server/sessions/index.js';
import { kindShard } from './shard.js';

const logger = createJsonLogger({ level: 'warn' });

// Runs once, in part 1 of a split run (shard.ts).
(kindShard().k === 1 ? describe : describe.skip)('cluster credentials on a real kind node', () => {
  it('a poisoned admin.conf on the node is never run on the host', async () => {
    const work = mkdtempSync(join(tmpdir(), 'cks-kind-cred-'));
    const marker = join(work, 'PWNED');
    const lab = loadLabs(join(packageRoot(), 'labs')).get('default')!;
    const server = clusterAdaptersFor(process.env, logger, { kubeconfigDir: join(work, 'kc'), readyTimeoutMs: 300_000 });
    const cli = clusterAdaptersFor(process.env, logger, { kubeconfigDir: join(work, 'other'), readLiveKubeconfig: true });
    const name = newClusterName('cks-test-');
    try {
      await server.provider.create(name, lab, () => undefined);
      // Learner, as root on the node: an exec plugin that would run on whoever reads this file.
      const poison = [
        'set -e',
        'f=/etc/kubernetes/admin.conf',
        "sed -i '/client-certificate-data:/d;/client-key-data:/d' $f",
        `printf '    exec:\\n      apiVersion: client.authentication.k8s.io/v1\\n      command: /bin/sh\\n      args: ["-c", "touch ${marker}"]\\n      interactiveMode: Never\\n' >> $f`,
      ].join('\n');
      const r = await server.provider.nodeExec(name, ['bash', '-s'], { input: poison });
      assert.equal(r.exitCode, 0, r.stderr);

      const probes = server.probesFor(name, await server.provider.kubeconfig(name));
      assert.ok(await probes.getObject({ apiVersion: 'v1', kind: 'Namespace', name: 'default' }), 'captured credentials still work');
      await assert.rejects(cli.provider.kubeconfig(name), (e: unknown) => isAppError(e) && /users\[kind-.*\]\.user\.exec runs a credential plugin/.test(e.message));
      assert.equal(existsSync(marker), false, 'the plugin never ran on this host');
    } finally {
      await server.provider.delete(name).catch(() => undefined);
      rmSync(work, { recursive: true, force: true });
    }
  });
});
