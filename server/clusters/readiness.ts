import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { AppError } from '../errors.js';

/** Resolves when every node of the cluster (at least `nodes`, default 1) reports Ready=True; rejects after `timeoutMs`. */
export type NodeReadyWaiter = (kubeconfig: string, opts: { timeoutMs: number; signal?: AbortSignal; intervalMs?: number; nodes?: number }) => Promise<void>;

export const waitForNodeReady: NodeReadyWaiter = async (kubeconfig, opts) => {
  const kc = new KubeConfig();
  kc.loadFromString(kubeconfig);
  const api = kc.makeApiClient(CoreV1Api);
  const deadline = Date.now() + opts.timeoutMs;
  let last = 'the API server did not answer yet';
  while (Date.now() < deadline) {
    if (opts.signal?.aborted) throw new AppError('cluster_failed', 'Provisioning was cancelled.');
    try {
      const nodes = await api.listNode();
      const notReady = nodes.items.filter((n) => !n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
      if (nodes.items.length >= Math.max(1, opts.nodes ?? 1) && notReady.length === 0) return;
      last = nodes.items.length < Math.max(1, opts.nodes ?? 1) ? `${nodes.items.length} of ${opts.nodes ?? 1} nodes registered yet` : `not Ready yet: ${notReady.map((n) => n.metadata?.name).join(', ')}`;
    } catch (e) {
      last = `the API server is not answering yet (${(e as Error).message.split('\n')[0]})`;
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 500));
  }
  throw new AppError('timeout', `The cluster's node did not become Ready within ${Math.round(opts.timeoutMs / 1000)} s (${last}).`);
};
