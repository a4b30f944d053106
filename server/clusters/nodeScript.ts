import { readFile } from 'node:fs/promises';
import type { ExecOutcome } from '../grading/types.js';
import type { ClusterProvider } from './types.js';

/** kubectl on a kind node talks to its own cluster through kubeadm's admin kubeconfig. */
export const NODE_KUBECONFIG_ENV = { KUBECONFIG: '/etc/kubernetes/admin.conf' } as const;

/** The outcome of a script run on the node, with the last lines of its output for messages. */
export interface NodeScriptOutcome extends ExecOutcome {
  /** Last `tailLines` lines of stderr (or stdout when stderr is empty). */
  tail: string;
}

/**
 * Run a script file on the cluster's control-plane node (`docker exec -i <node> bash -s`, the
 * script on stdin). Scenario and lab scripts always run there, never on the server host.
 */
export async function runNodeScript(
  provider: Pick<ClusterProvider, 'nodeExec'>,
  cluster: string,
  file: string,
  opts: { timeoutMs: number; tailLines: number; env?: Record<string, string> },
): Promise<NodeScriptOutcome> {
  const script = await readFile(file, 'utf8');
  const env = { ...(opts.env ?? {}), ...NODE_KUBECONFIG_ENV };
  const out = await provider.nodeExec(cluster, ['bash', '-s'], { input: script, env, timeoutMs: opts.timeoutMs });
  return { ...out, tail: (out.stderr || out.stdout).trim().split('\n').slice(-opts.tailLines).join('\n') };
}
