/**
 * The RBAC authorizer, as kube-apiserver's (plugin/pkg/auth/authorizer/rbac) decides: a request is
 * allowed when a ClusterRoleBinding (anywhere) or a RoleBinding in the request's namespace binds
 * the user, one of its groups or its ServiceAccount to a role with a rule covering the verb,
 * API group, resource[/subresource] and name (or the non-resource URL). Nothing denies; no
 * match means "no". Used by SubjectAccessReview, SelfSubjectAccessReview (`kubectl auth can-i`)
 * and by requests that impersonate a user (`kubectl --as=…`). Bootstraps cluster-admin, admin,
 * edit and view like kube-apiserver's bootstrap policy (admin/edit/view flattened: this fake does
 * not run the aggregation controller).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { findResource } from './resources.js';
import type { KubeObject, ObjectStore } from './store.js';

const RT = {
  roles: findResource('rbac.authorization.k8s.io', 'v1', 'roles')!,
  roleBindings: findResource('rbac.authorization.k8s.io', 'v1', 'rolebindings')!,
  clusterRoles: findResource('rbac.authorization.k8s.io', 'v1', 'clusterroles')!,
  clusterRoleBindings: findResource('rbac.authorization.k8s.io', 'v1', 'clusterrolebindings')!,
};

export interface UserInfo {
  user: string;
  groups: string[];
}

/** What is asked: a resource request (namespace '' = cluster-wide / all namespaces) or a non-resource URL. */
export interface Attributes {
  verb: string;
  group?: string;
  resource?: string;
  subresource?: string;
  name?: string;
  namespace?: string;
  path?: string;
}

interface PolicyRule {
  verbs?: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

const has = (list: string[] | undefined, v: string): boolean => (list ?? []).includes('*') || (list ?? []).includes(v);

function ruleAllows(rule: PolicyRule, a: Attributes): boolean {
  if (!has(rule.verbs, a.verb)) return false;
  if (a.path !== undefined) {
    return (rule.nonResourceURLs ?? []).some((u) => u === '*' || u === a.path || (u.endsWith('*') && a.path!.startsWith(u.slice(0, -1))));
  }
  if (!has(rule.apiGroups, a.group ?? '')) return false;
  const combined = a.subresource ? `${a.resource}/${a.subresource}` : (a.resource ?? '');
  const resources = rule.resources ?? [];
  const resourceOk = resources.some((r) => r === '*' || r === combined || (a.subresource && r === `*/${a.subresource}`));
  if (!resourceOk) return false;
  return (rule.resourceNames ?? []).length === 0 || (a.name !== undefined && a.name !== '' && rule.resourceNames!.includes(a.name));
}

/** Does a binding's subject name this user? (User, Group, or ServiceAccount = system:serviceaccount:<ns>:<name>) */
function subjectMatches(subject: Record<string, string>, who: UserInfo, bindingNamespace: string): boolean {
  if (subject.kind === 'User') return subject.name === who.user;
  if (subject.kind === 'Group') return who.groups.includes(subject.name ?? '');
  if (subject.kind === 'ServiceAccount') return who.user === `system:serviceaccount:${subject.namespace || bindingNamespace}:${subject.name}`;
  return false;
}

function rulesOf(store: ObjectStore, ref: Record<string, string> | undefined, namespace: string): PolicyRule[] {
  if (!ref || ref.apiGroup !== 'rbac.authorization.k8s.io') return [];
  const role = ref.kind === 'ClusterRole' ? store.get(RT.clusterRoles, '', ref.name ?? '') : ref.kind === 'Role' ? store.get(RT.roles, namespace, ref.name ?? '') : undefined;
  return (role?.rules as PolicyRule[] | undefined) ?? [];
}

/** kube-apiserver's answer for `who` doing `a`: allowed, with RBAC's reason when it is. */
export function authorize(store: ObjectStore, who: UserInfo, a: Attributes): { allowed: boolean; reason: string } {
  const subjects = (b: KubeObject): Record<string, string>[] => (b.subjects as Record<string, string>[] | undefined) ?? [];
  for (const b of store.list(RT.clusterRoleBindings)) {
    if (!subjects(b).some((s) => subjectMatches(s, who, ''))) continue;
    if (rulesOf(store, b.roleRef, '').some((r) => ruleAllows(r, a))) {
      return { allowed: true, reason: `RBAC: allowed by ClusterRoleBinding "${b.metadata.name}" of ClusterRole "${b.roleRef?.name}" to ${describe(who)}` };
    }
  }
  if (a.path === undefined && a.namespace) {
    for (const b of store.list(RT.roleBindings, a.namespace)) {
      if (!subjects(b).some((s) => subjectMatches(s, who, a.namespace!))) continue;
      if (rulesOf(store, b.roleRef, a.namespace).some((r) => ruleAllows(r, a))) {
        return { allowed: true, reason: `RBAC: allowed by RoleBinding "${b.metadata.name}/${a.namespace}" of ${b.roleRef?.kind} "${b.roleRef?.name}" to ${describe(who)}` };
      }
    }
  }
  return { allowed: false, reason: '' };
}

function describe(who: UserInfo): string {
  const sa = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(who.user);
  return sa ? `ServiceAccount "${sa[2]}/${sa[1]}"` : `User "${who.user}"`;
}

/** The user a request acts as when it impersonates (`kubectl --as`, `--as-group`), else null. */
export function impersonatedUser(headers: IncomingHttpHeaders): UserInfo | null {
  const user = headers['impersonate-user'];
  if (typeof user !== 'string' || user === '') return null;
  const raw = headers['impersonate-group'];
  const groups = (Array.isArray(raw) ? raw : raw ? String(raw).split(',') : []).map((g) => g.trim()).filter(Boolean);
  return withImplicitGroups({ user, groups });
}

/** Groups the authenticator adds: ServiceAccounts' groups and system:authenticated. */
export function withImplicitGroups(who: UserInfo): UserInfo {
  const groups = [...who.groups];
  const sa = /^system:serviceaccount:([^:]+):[^:]+$/.exec(who.user);
  if (sa) groups.push('system:serviceaccounts', `system:serviceaccounts:${sa[1]}`);
  if (who.user !== 'system:anonymous' && !groups.includes('system:unauthenticated')) groups.push('system:authenticated');
  return { user: who.user, groups: [...new Set(groups)] };
}

/** kube-apiserver's Forbidden message for a denied request. */
export function forbiddenMessage(who: UserInfo, a: Attributes): string {
  const res = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const qualified = a.group ? `${a.resource}.${a.group}` : a.resource;
  const target = a.name ? ` "${a.name}"` : '';
  const where = a.namespace ? ` in the namespace "${a.namespace}"` : ' at the cluster scope';
  return `${qualified}${target} is forbidden: User "${who.user}" cannot ${a.verb} resource "${res}" in API group "${a.group ?? ''}"${where}`;
}

const ALL_VERBS_READ = ['get', 'list', 'watch'];
const ALL_VERBS_WRITE = ['create', 'delete', 'deletecollection', 'patch', 'update'];

/** kube-apiserver's bootstrap ClusterRoles and the system:masters binding, created once. */
export function bootstrapPolicy(store: ObjectStore): void {
  const roles: Record<string, PolicyRule[]> = {
    'cluster-admin': [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }, { nonResourceURLs: ['*'], verbs: ['*'] }],
    admin: [
      // Core: what edit writes; quotas, LimitRanges and the namespace itself stay read-only (view's), so a namespace admin cannot lift its own limits.
      { apiGroups: [''], resources: ['pods', 'pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy', 'replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/proxy', 'persistentvolumeclaims', 'configmaps', 'secrets', 'events'], verbs: [...ALL_VERBS_READ, ...ALL_VERBS_WRITE] },
      { apiGroups: [''], resources: ['serviceaccounts/token', 'pods/eviction'], verbs: ['create'] },
      { apiGroups: [''], resources: ['endpoints', 'bindings', 'limitranges', 'namespaces', 'namespaces/status', 'pods/log', 'pods/status', 'replicationcontrollers/status', 'resourcequotas', 'resourcequotas/status', 'services/status', 'persistentvolumeclaims/status'], verbs: ALL_VERBS_READ },
      { apiGroups: ['apps', 'networking.k8s.io', 'batch', 'autoscaling', 'policy'], resources: ['*'], verbs: [...ALL_VERBS_READ, ...ALL_VERBS_WRITE] },
      { apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles', 'rolebindings'], verbs: [...ALL_VERBS_READ, ...ALL_VERBS_WRITE] },
    ],
    edit: [
      { apiGroups: [''], resources: ['pods', 'pods/exec', 'pods/log', 'services', 'configmaps', 'secrets', 'serviceaccounts', 'persistentvolumeclaims', 'events'], verbs: [...ALL_VERBS_READ, ...ALL_VERBS_WRITE] },
      { apiGroups: ['apps'], resources: ['deployments', 'daemonsets', 'statefulsets', 'replicasets', 'deployments/scale'], verbs: [...ALL_VERBS_READ, ...ALL_VERBS_WRITE] },
      { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies', 'ingresses'], verbs: [...ALL_VERBS_READ, ...ALL_VERBS_WRITE] },
    ],
    view: [
      { apiGroups: [''], resources: ['pods', 'pods/log', 'services', 'configmaps', 'serviceaccounts', 'persistentvolumeclaims', 'events', 'endpoints'], verbs: ALL_VERBS_READ },
      { apiGroups: ['apps'], resources: ['deployments', 'daemonsets', 'statefulsets', 'replicasets'], verbs: ALL_VERBS_READ },
      { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies', 'ingresses'], verbs: ALL_VERBS_READ },
    ],
    // What every caller may ask (bootstrappolicy: system:public-info-viewer, system:discovery, system:basic-user).
    'system:public-info-viewer': [{ nonResourceURLs: ['/healthz', '/livez', '/readyz', '/version', '/version/'], verbs: ['get'] }],
    'system:discovery': [{ nonResourceURLs: ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'], verbs: ['get'] }],
    'system:basic-user': [
      { apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'], verbs: ['create'] },
      { apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'], verbs: ['create'] },
    ],
  };
  const labels = { 'kubernetes.io/bootstrapping': 'rbac-defaults' };
  for (const [name, rules] of Object.entries(roles)) {
    if (store.get(RT.clusterRoles, '', name)) continue;
    store.create(RT.clusterRoles, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name, labels, annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' } }, rules });
  }
  const bindings: Record<string, string[]> = {
    'cluster-admin': ['system:masters'],
    'system:public-info-viewer': ['system:authenticated', 'system:unauthenticated'],
    'system:discovery': ['system:authenticated'],
    'system:basic-user': ['system:authenticated'],
  };
  for (const [name, groups] of Object.entries(bindings)) {
    if (store.get(RT.clusterRoleBindings, '', name)) continue;
    store.create(RT.clusterRoleBindings, {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding',
      metadata: { name, labels, annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' } },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
      subjects: groups.map((g) => ({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: g })),
    });
  }
}
