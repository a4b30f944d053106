/**
 * Service `kubernetes` in `default` and Service type changes, as kube-apiserver v1.34 handles them.
 *
 * kube-apiserver's kubernetesservice controller creates the Service when it is missing (at start
 * and every 10 s after, here `intervalMs`): ClusterIP 10.96.0.1 (the first address of kind's
 * service CIDR), port `https` 443 → 6443. Since v1.17 it never reconciles an existing one, so a
 * type someone set stays until someone changes it back (or deletes it: then it comes back as new).
 *
 * A Service whose type needs node ports (NodePort, LoadBalancer) gets one allocated for every port
 * that has none (30000–32767); switching back to ClusterIP drops the node ports the user did not
 * change (registry/core/service: "patchAllocatedValues"/"dropTypeDependentFields").
 */
import { findResource } from './resources.js';
import type { KubeObject, ObjectStore } from './store.js';

const SERVICES = findResource('', 'v1', 'services')!;
const NODE_PORT_TYPES = new Set(['NodePort', 'LoadBalancer']);

/** Creates `default/kubernetes` if it is missing. */
export function ensureKubernetesService(store: ObjectStore): void {
  if (store.get(SERVICES, 'default', 'kubernetes')) return;
  store.create(SERVICES, {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
    spec: {
      clusterIP: '10.96.0.1',
      clusterIPs: ['10.96.0.1'],
      internalTrafficPolicy: 'Cluster',
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }],
      sessionAffinity: 'None',
      type: 'ClusterIP',
    },
    status: { loadBalancer: {} },
  });
}

/** Runs the controller: now, then every `intervalMs`. Returns its stop function. */
export function startKubernetesServiceController(store: ObjectStore, intervalMs = 10_000): () => void {
  ensureKubernetesService(store);
  const timer = setInterval(() => ensureKubernetesService(store), intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** Node ports for a Service being written (`old` when updating): allocated or dropped as its type needs. */
export function serviceNodePorts(store: ObjectStore, next: KubeObject, old?: KubeObject): void {
  const ports = (next.spec?.ports as Record<string, any>[] | undefined) ?? [];
  const type = String(next.spec?.type ?? 'ClusterIP');
  if (!NODE_PORT_TYPES.has(type)) {
    const oldPorts = (old?.spec?.ports as Record<string, any>[] | undefined) ?? [];
    for (const [i, p] of ports.entries()) if (old && p.nodePort !== undefined && p.nodePort === oldPorts[i]?.nodePort) delete p.nodePort;
    if (old && next.spec.externalTrafficPolicy === old.spec?.externalTrafficPolicy) delete next.spec.externalTrafficPolicy;
    return;
  }
  const used = new Set(store.list(SERVICES).flatMap((s) => ((s.spec?.ports as Record<string, any>[] | undefined) ?? []).map((p) => Number(p.nodePort))));
  for (const p of ports) {
    if (p.nodePort !== undefined && p.nodePort !== 0) continue;
    let port = 30000 + Math.floor(Math.random() * 2768);
    while (used.has(port)) port = port === 32767 ? 30000 : port + 1;
    used.add(port);
    p.nodePort = port;
  }
  next.spec.externalTrafficPolicy ??= 'Cluster';
}
