/** Policies the fake Kyverno's tests share. */
import type { KubeObject } from '../store.js';

/** A ClusterPolicy generating a default-deny NetworkPolicy in every new Namespace (synchronized); `over` changes its generate block. */
export const generatePolicy = (over: Record<string, unknown> = {}): KubeObject & { spec: { rules: Record<string, any>[] } } => ({
  apiVersion: 'kyverno.io/v1',
  kind: 'ClusterPolicy',
  metadata: { name: 'default-deny' },
  spec: {
    rules: [
      {
        name: 'gen',
        match: { any: [{ resources: { kinds: ['Namespace'] } }] },
        generate: {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'NetworkPolicy',
          name: 'default-deny',
          namespace: '{{request.object.metadata.name}}',
          synchronize: true,
          data: { spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] } },
          ...over,
        },
      },
    ],
  },
});
