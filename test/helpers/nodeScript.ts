import assert from 'node:assert/strict';
import type { ClusterProvider } from '../../server/clusters/types.js';
import type { ExecOutcome } from '../../server/grading/types.js';

/** Runs a bash script on the cluster's node like scenario scripts run (bash -s, KUBECONFIG set). */
export async function onNode(provider: ClusterProvider, cluster: string, script: string, opts: { expectOk?: boolean } = {}): Promise<ExecOutcome> {
  const out = await provider.nodeExec(cluster, ['bash', '-s'], { input: script, env: { KUBECONFIG: '/etc/kubernetes/admin.conf' }, timeoutMs: 120_000 });
  if (opts.expectOk !== false) assert.equal(out.exitCode, 0, `node script failed:\n${script}\n--- stdout:\n${out.stdout}\n--- stderr:\n${out.stderr}`);
  return out;
}
