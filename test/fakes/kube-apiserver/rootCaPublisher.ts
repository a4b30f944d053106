/**
 * kube-controller-manager's root-ca-cert-publisher (pkg/controller/certificates/rootcacertpublisher):
 * every namespace holds the ConfigMap `kube-root-ca.crt` with the cluster CA under `ca.crt`, which
 * the automounted token volume projects as ca.crt. Deleted or edited, it comes back as it was.
 * The fake's CA is its self-signed serving certificate (what kubectl trusts too).
 */
import { findResource } from './resources.js';
import type { ObjectStore, StoreEvent } from './store.js';

export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
const DESCRIPTION =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.';
const NAMESPACES = findResource('', 'v1', 'namespaces')!;
const CONFIGMAPS = findResource('', 'v1', 'configmaps')!;

/** Publishes `kube-root-ca.crt` in every namespace, now and as namespaces come; returns the stop function. */
export function startRootCaPublisher(store: ObjectStore, caPem: string): () => void {
  const sync = (ns: string): void => {
    if (!store.get(NAMESPACES, '', ns)) return;
    const current = store.get(CONFIGMAPS, ns, ROOT_CA_CONFIGMAP);
    const want = { annotations: { 'kubernetes.io/description': DESCRIPTION }, data: { 'ca.crt': caPem } };
    if (!current) {
      store.create(CONFIGMAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: ROOT_CA_CONFIGMAP, namespace: ns, annotations: want.annotations }, data: want.data });
    } else if (current.data?.['ca.crt'] !== caPem || Object.keys(current.data ?? {}).length !== 1) {
      store.update(CONFIGMAPS, { ...current, data: want.data });
    }
  };
  const pending = new Set<NodeJS.Immediate>();
  // Like the controller's work queue: handled after the change that triggered it (a namespace being
  // deleted removes its ConfigMaps first, and must not see them come back).
  const later = (ns: string): void => {
    const t = setImmediate(() => {
      pending.delete(t);
      sync(ns);
    });
    pending.add(t);
  };
  const onChange = (ev: StoreEvent): void => {
    if (ev.rt === NAMESPACES && ev.type === 'ADDED') sync(ev.object.metadata.name);
    else if (ev.rt === CONFIGMAPS && ev.object.metadata.name === ROOT_CA_CONFIGMAP && ev.type !== 'ADDED') later(ev.object.metadata.namespace);
  };
  for (const ns of store.list(NAMESPACES)) sync(ns.metadata.name);
  store.events.on('change', onChange);
  return () => {
    store.events.off('change', onChange);
    for (const t of pending) clearImmediate(t);
  };
}
