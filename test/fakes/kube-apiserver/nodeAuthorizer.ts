/**
 * kube-apiserver's authorizer chain (--authorization-mode): members of system:masters are always
 * allowed (the privileged-group authorizer kube-apiserver puts first), then each mode in order;
 * the first that allows wins, none allowing is 403. RBAC and AlwaysDeny never say "allowed";
 * AlwaysAllow always does.
 *
 * The Node authorizer (plugin/pkg/auth/authorizer/node) answers only for kubelets (user
 * system:node:<name> in group system:nodes). Besides objects reached through the node's own pods
 * (not modelled here: their secrets, configmaps, volumes), it allows the static node rules of the
 * bootstrap policy (NodeRules): among them get/list/watch/create/update/patch of Nodes and their
 * status — of ANY node: that a kubelet changes only its own Node, and no node-restriction labels,
 * is the NodeRestriction admission plugin's job (nodeRestriction.ts).
 */
import type { AuthConfig } from './authn.js';
import { nodeIdentity } from './authn.js';
import { authorize as rbacAuthorize, type Attributes, type UserInfo } from './rbac.js';
import type { ObjectStore } from './store.js';

const READ = ['get', 'list', 'watch'];

/** The static part of NodeRules() (bootstrappolicy/policy.go) that a fake kubelet meets. */
const NODE_RULES: { verbs: string[]; group: string; resources: string[] }[] = [
  { verbs: ['create'], group: 'authentication.k8s.io', resources: ['tokenreviews'] },
  { verbs: ['create'], group: 'authorization.k8s.io', resources: ['subjectaccessreviews', 'localsubjectaccessreviews'] },
  { verbs: READ, group: '', resources: ['services'] },
  { verbs: ['create', 'get', 'list', 'watch'], group: '', resources: ['nodes'] },
  { verbs: ['update', 'patch'], group: '', resources: ['nodes/status', 'nodes'] },
  { verbs: ['create', 'update', 'patch'], group: '', resources: ['events'] },
  { verbs: READ, group: '', resources: ['pods'] },
  { verbs: ['create', 'delete'], group: '', resources: ['pods'] },
  { verbs: ['update', 'patch'], group: '', resources: ['pods/status'] },
  { verbs: ['create'], group: '', resources: ['pods/eviction'] },
  { verbs: ['get', 'create', 'update', 'patch', 'delete'], group: 'coordination.k8s.io', resources: ['leases'] },
  { verbs: ['get'], group: 'node.k8s.io', resources: ['runtimeclasses'] },
];

/** The Node authorizer's verdict: allowed, or no opinion. */
export function nodeAuthorize(who: UserInfo, a: Attributes): boolean {
  if (nodeIdentity(who) === undefined || a.path !== undefined) return false;
  const res = a.subresource ? `${a.resource}/${a.subresource}` : (a.resource ?? '');
  return NODE_RULES.some((r) => r.group === (a.group ?? '') && r.verbs.includes(a.verb) && r.resources.includes(res));
}

/** kube-apiserver's answer for `who` doing `a` under `config.modes`, with the reason the allowing authorizer gives. */
export function authorizeChain(store: ObjectStore, config: AuthConfig, who: UserInfo, a: Attributes): { allowed: boolean; reason: string } {
  if (who.groups.includes('system:masters')) return { allowed: true, reason: '' };
  for (const mode of config.modes) {
    if (mode === 'AlwaysAllow') return { allowed: true, reason: '' };
    if (mode === 'Node' && nodeAuthorize(who, a)) return { allowed: true, reason: '' };
    if (mode === 'RBAC') {
      const verdict = rbacAuthorize(store, who, a);
      if (verdict.allowed) return verdict;
    }
  }
  return { allowed: false, reason: '' };
}
