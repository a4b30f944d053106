/** Small read helpers over the cluster API for other modules (clusters readiness, diagnostics). */
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { toProbeError } from './apiErrors.js';
import type { NodeReadiness } from './types.js';

/** Cluster-wide questions that are not grading checks. Built from a kubeconfig YAML string. */
export class KubeApi {
  private readonly core: CoreV1Api;
  private readonly server: string;

  constructor(kubeconfig: string) {
    const kc = new KubeConfig();
    kc.loadFromString(kubeconfig);
    this.server = kc.getCurrentCluster()?.server ?? '(no server)';
    this.core = kc.makeApiClient(CoreV1Api);
  }

  /** Every node with its Ready condition; throws ProbeError when the API cannot answer. */
  async listNodes(): Promise<NodeReadiness[]> {
    try {
      const list = await this.core.listNode();
      return list.items.map((n) => ({
        name: n.metadata?.name ?? '',
        ready: n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
      }));
    } catch (e) {
      throw toProbeError(e, this.server);
    }
  }
}

/** Convenience: the nodes of the cluster the kubeconfig points at. */
export function readNodeReadiness(kubeconfig: string): Promise<NodeReadiness[]> {
  return new KubeApi(kubeconfig).listNodes();
}
