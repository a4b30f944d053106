/**
 * Istio's PeerAuthentication (security.istio.io/v1) as the sidecars of Istio 1.30 apply it to a
 * connection arriving at a workload: the workload policy (spec.selector matches the pod's labels)
 * beats the namespace policy (no selector) which beats the mesh policy (no selector, in the root
 * namespace istio-system); at one level the oldest policy wins (creationTimestamp, then name);
 * mode UNSET (or absent) inherits from the level above; the mesh default is PERMISSIVE.
 * portLevelMtls (keys: the workload's container port) counts only in a policy with a selector, as
 * istiod ignores it otherwise.
 */
import type { KubeObject } from '../store.js';

export type MtlsMode = 'STRICT' | 'PERMISSIVE' | 'DISABLE';
export const ROOT_NAMESPACE = 'istio-system';

type Obj = Record<string, any>;

const modeOf = (m: unknown): MtlsMode | undefined => (m === 'STRICT' || m === 'PERMISSIVE' || m === 'DISABLE' ? m : undefined);
const oldestFirst = (a: KubeObject, b: KubeObject): number =>
  String(a.metadata.creationTimestamp ?? '').localeCompare(String(b.metadata.creationTimestamp ?? '')) || String(a.metadata.name).localeCompare(String(b.metadata.name));

function selects(policy: KubeObject, labels: Record<string, string>): boolean {
  const want = (policy.spec?.selector?.matchLabels ?? {}) as Record<string, string>;
  return Object.entries(want).every(([k, v]) => labels[k] === v);
}

const hasSelector = (p: KubeObject): boolean => Object.keys((p.spec?.selector?.matchLabels ?? {}) as Obj).length > 0;

/** The mode a workload's sidecar enforces on inbound connections to `port`, and the policy that set it. */
export function effectiveMode(policies: KubeObject[], pod: KubeObject, port: number): { mode: MtlsMode; from: string } {
  const ns = String(pod.metadata.namespace);
  const labels = (pod.metadata.labels ?? {}) as Record<string, string>;
  const sorted = [...policies].sort(oldestFirst);
  const mesh = sorted.find((p) => p.metadata.namespace === ROOT_NAMESPACE && !hasSelector(p));
  const namespaced = ns === ROOT_NAMESPACE ? undefined : sorted.find((p) => p.metadata.namespace === ns && !hasSelector(p));
  const workload = sorted.find((p) => p.metadata.namespace === ns && hasSelector(p) && selects(p, labels));
  let mode: MtlsMode = 'PERMISSIVE';
  let from = 'the mesh default';
  for (const p of [mesh, namespaced, workload]) {
    if (!p) continue;
    const m = modeOf(p.spec?.mtls?.mode);
    if (m) {
      mode = m;
      from = `PeerAuthentication ${String(p.metadata.namespace)}/${String(p.metadata.name)}`;
    }
    if (p === workload) {
      const portMode = modeOf(((p.spec?.portLevelMtls ?? {}) as Obj)[String(port)]?.mode);
      if (portMode) {
        mode = portMode;
        from = `PeerAuthentication ${String(p.metadata.namespace)}/${String(p.metadata.name)} (port ${port})`;
      }
    }
  }
  return { mode, from };
}
