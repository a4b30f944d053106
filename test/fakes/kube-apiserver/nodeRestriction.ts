/**
 * The NodeRestriction admission plugin (plugin/pkg/admission/noderestriction), for Node objects:
 * when it runs (kubeadm enables it) a kubelet may change only its own Node, not its taints, and no
 * label in the node-restriction.kubernetes.io/ namespace (or a subdomain of it), nor a
 * kubernetes.io / k8s.io label the kubelet does not own. Its messages are the real ones.
 * Pods, leases, ServiceAccount tokens and the other objects it guards are not modelled here.
 */
import type { ResourceApi, ResourceRequest } from './api.js';
import { nodeIdentity } from './authn.js';
import type { UserInfo } from './rbac.js';
import { forbidden } from './status.js';
import type { KubeObject, ObjectStore } from './store.js';

/** kubelet-owned labels (k8s.io/kubelet/pkg/apis: IsKubeletLabel). */
const KUBELET_LABELS = new Set([
  'kubernetes.io/hostname', 'kubernetes.io/arch', 'kubernetes.io/os', 'beta.kubernetes.io/arch', 'beta.kubernetes.io/os',
  'beta.kubernetes.io/instance-type', 'node.kubernetes.io/instance-type', 'topology.kubernetes.io/region', 'topology.kubernetes.io/zone',
  'failure-domain.beta.kubernetes.io/region', 'failure-domain.beta.kubernetes.io/zone',
]);
const KUBELET_NAMESPACES = ['kubelet.kubernetes.io', 'node.kubernetes.io'];

const namespaceOf = (key: string): string => (key.includes('/') ? key.slice(0, key.indexOf('/')) : '');
const inNamespace = (ns: string, base: string): boolean => ns === base || ns.endsWith(`.${base}`);

function isKubeletLabel(key: string): boolean {
  return KUBELET_LABELS.has(key) || KUBELET_NAMESPACES.some((base) => inNamespace(namespaceOf(key), base));
}

function forbiddenLabels(now: Record<string, string>, old: Record<string, string>): string[] {
  const modified = new Set<string>();
  for (const k of new Set([...Object.keys(now), ...Object.keys(old)])) if (now[k] !== old[k]) modified.add(k);
  return [...modified]
    .filter((k) => {
      const ns = namespaceOf(k);
      return inNamespace(ns, 'node-restriction.kubernetes.io') || ((inNamespace(ns, 'kubernetes.io') || inNamespace(ns, 'k8s.io')) && !isKubeletLabel(k));
    })
    .sort();
}

/**
 * Why NodeRestriction refuses `who` updating Node `name` from `old` to `next`, or undefined when it
 * admits it (also when `who` is not a kubelet). The caller wraps it as `nodes "<name>" is forbidden: <why>`.
 */
export function nodeRestrictionDenies(who: UserInfo, name: string, old: KubeObject, next: KubeObject): string | undefined {
  const node = nodeIdentity(who);
  if (node === undefined) return undefined;
  if (name !== node) return `node "${node}" is not allowed to modify node "${name}"`;
  if (JSON.stringify(next.spec?.taints ?? null) !== JSON.stringify(old.spec?.taints ?? null)) return `node "${node}" is not allowed to modify taints`;
  const labels = forbiddenLabels(next.metadata.labels ?? {}, old.metadata.labels ?? {});
  if (labels.length > 0) return `is not allowed to modify labels: ${labels.join(', ')}`;
  return undefined;
}

/**
 * Runs the plugin on a write to a Node (PUT or PATCH, also of its status) by `who` before the real
 * write: the object the write would store is computed with a dry run, then compared with the stored
 * one. Throws the real 403 when NodeRestriction refuses; does nothing when the plugin is off.
 */
export function admitNodeWrite(api: ResourceApi, store: ObjectStore, who: UserInfo, req: ResourceRequest): void {
  if (req.rt.group !== '' || req.rt.resource !== 'nodes' || req.name === undefined || !['PUT', 'PATCH'].includes(req.method)) return;
  if (!store.admissionPlugins.has('NodeRestriction') || nodeIdentity(who) === undefined) return;
  const old = store.get(req.rt, '', req.name);
  if (!old) return;
  const query = new URLSearchParams(req.query);
  query.set('dryRun', 'All');
  const next = api.handle({ ...req, query }).body as KubeObject;
  const why = nodeRestrictionDenies(who, req.name, old, next);
  if (why) throw forbidden('nodes', '', req.name, why);
}
