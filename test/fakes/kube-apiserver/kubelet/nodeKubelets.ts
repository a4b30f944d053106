/**
 * The simulated kubelets of a cluster's nodes (one {@link NodeKubelet} per node whose directory
 * exists): booted with the fake API server, answering `systemctl … kubelet` through the CRI
 * endpoint, authenticating bearer tokens and authorizing requests with the API server's own
 * authenticator and authorizer (what TokenReview and SubjectAccessReview would answer).
 */
import { existsSync } from 'node:fs';
import type { Logger } from '../../../../server/log/index.js';
import type { Attributes, UserInfo } from '../rbac.js';
import type { ObjectStore } from '../store.js';
import type { KubeletUnitHandler } from '../cri.js';
import { NodeKubelet } from './kubeletServer.js';

export interface NodeKubeletsOptions {
  store: ObjectStore;
  cluster: string;
  nodes: { name: string; ip: string; root: string }[];
  reviewToken: (token: string) => UserInfo | null;
  authorize: (who: UserInfo, attrs: Attributes) => boolean;
  logger: Logger;
}

export interface NodeKubelets {
  kubelets: Map<string, NodeKubelet>;
  /** The CRI endpoint's `/kubelet` handler. */
  unit: KubeletUnitHandler;
  dispose(): Promise<void>;
}

export async function startNodeKubelets(opts: NodeKubeletsOptions): Promise<NodeKubelets> {
  const kubelets = new Map<string, NodeKubelet>();
  for (const n of opts.nodes) {
    if (!existsSync(n.root)) continue;
    const k = new NodeKubelet({ store: opts.store, nodeName: n.name, nodeRoot: n.root, nodeIP: n.ip, cluster: opts.cluster, reviewToken: opts.reviewToken, authorize: opts.authorize, logger: opts.logger });
    kubelets.set(n.name, k);
  }
  await Promise.all([...kubelets.values()].map((k) => k.boot()));
  return {
    kubelets,
    unit: (node, verb) => kubelets.get(node)?.systemctl(verb),
    dispose: async () => {
      await Promise.all([...kubelets.values()].map((k) => k.dispose()));
    },
  };
}
