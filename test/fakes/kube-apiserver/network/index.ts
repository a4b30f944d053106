/**
 * The fake cluster's pod network in one call: the network endpoint the pods' busybox applets ask,
 * kind's cluster DNS objects, and the Deployment controller that gives Deployments (CoreDNS's
 * among them) their Pods.
 */
import type { Logger } from '../../../../server/log/index.js';
import type { ResourceApi } from '../api.js';
import { startDeploymentController, type PodCreation } from '../deployments.js';
import { startQuotaController } from '../resourceQuota.js';
import { findResource } from '../resources.js';
import type { ObjectStore } from '../store.js';
import { startNetworkEndpoint } from './endpoint.js';
import { clusterDnsObjects } from './services.js';
import type { PodNetwork } from './model.js';

export { connectionAllowed, type NetPod, type PolicyWorld, type Verdict } from './policy.js';
export { PodNetwork, DNS_SERVICE_IP } from './model.js';

/** Starts the pod network of a fake cluster; `url` goes to the kubelet, `close` stops it all. */
export async function startPodNetwork(store: ObjectStore, api: ResourceApi, logger: Logger, podCreation: PodCreation = {}): Promise<{ url: string; network: PodNetwork; close(): Promise<void> }> {
  for (const { group, resource, object } of clusterDnsObjects()) {
    const rt = findResource(group, 'v1', resource)!;
    if (!store.get(rt, 'kube-system', object.metadata.name)) api.createObject(rt, object);
  }
  const endpoint = await startNetworkEndpoint(store);
  const stopDeployments = startDeploymentController(store, api, logger, podCreation);
  const stopQuotas = startQuotaController(store); // ResourceQuota status (resourceQuota.ts)
  return {
    url: endpoint.url,
    network: endpoint.network,
    close: async () => {
      stopDeployments();
      stopQuotas();
      await endpoint.close();
    },
  };
}
