/**
 * A constraint's `spec.match` as Gatekeeper's matcher applies it (pkg/mutation/match): kinds
 * (apiGroups × kinds, `*` or empty = any), scope (Cluster | Namespaced | *), namespaces and
 * excludedNamespaces (with the prefix/suffix/infix `*` globs), labelSelector, namespaceSelector
 * (the namespace's labels, or a Namespace's own), name (glob). `source` is ignored (everything is
 * an Original resource here: no expansion templates).
 */
import { selectorMatches, type LabelSelector } from '../network/policy.js';

/** The object under review with what the matcher needs around it. */
export interface MatchTarget {
  group: string;
  kind: string;
  object: Record<string, any>;
  /** Labels of the object's namespace (undefined for cluster-scoped objects). */
  namespaceLabels: Record<string, string> | undefined;
}

/** Gatekeeper's Wildcard: `kube-*`, `*-system`, `*system*`, or an exact name. */
export function globMatches(pattern: string, value: string): boolean {
  const lead = pattern.startsWith('*');
  const trail = pattern.length > 1 && pattern.endsWith('*');
  const core = pattern.slice(lead ? 1 : 0, trail ? -1 : undefined);
  if (lead && trail) return value.includes(core);
  if (lead) return value.endsWith(core);
  if (trail) return value.startsWith(core);
  return pattern === value;
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

/** Whether `match` selects the target. */
export function constraintMatches(match: Record<string, any> | undefined, t: MatchTarget): boolean {
  const m = match ?? {};
  const isNamespace = t.group === '' && t.kind === 'Namespace';
  const nsName: string | undefined = isNamespace ? String(t.object.metadata?.name ?? '') : t.object.metadata?.namespace || undefined;
  const kinds = (Array.isArray(m.kinds) ? m.kinds : []) as Record<string, unknown>[];
  if (kinds.length > 0) {
    const hit = kinds.some((k) => {
      const ks = strings(k.kinds);
      const gs = strings(k.apiGroups);
      return (ks.length === 0 || ks.includes('*') || ks.includes(t.kind)) && (gs.length === 0 || gs.includes('*') || gs.includes(t.group));
    });
    if (!hit) return false;
  }
  const hasNamespace = !!t.object.metadata?.namespace;
  if (m.scope === 'Cluster' && !(isNamespace || !hasNamespace)) return false;
  if (m.scope === 'Namespaced' && !(!isNamespace && hasNamespace)) return false;
  const namespaces = strings(m.namespaces);
  if (namespaces.length > 0 && nsName !== undefined && !namespaces.some((p) => globMatches(p, nsName))) return false;
  const excluded = strings(m.excludedNamespaces);
  if (excluded.length > 0 && nsName !== undefined && excluded.some((p) => globMatches(p, nsName))) return false;
  if (m.labelSelector && !selectorMatches(m.labelSelector as LabelSelector, (t.object.metadata?.labels ?? {}) as Record<string, string>)) return false;
  if (m.namespaceSelector) {
    if (isNamespace) {
      if (!selectorMatches(m.namespaceSelector as LabelSelector, (t.object.metadata?.labels ?? {}) as Record<string, string>)) return false;
    } else if (hasNamespace && !selectorMatches(m.namespaceSelector as LabelSelector, t.namespaceLabels ?? {})) return false;
  }
  if (typeof m.name === 'string' && m.name !== '' && !globMatches(m.name, String(t.object.metadata?.name ?? '')) && !globMatches(m.name, String(t.object.metadata?.generateName ?? ''))) return false;
  return true;
}
