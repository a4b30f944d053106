/**
 * The fake Kyverno background controller's generate rules (v1.18.2, pkg/background/generate):
 * for a trigger a generate rule selects, the downstream object it must create — `data` (its
 * fields merged under apiVersion/kind/name/namespace) or `clone` (a copy of
 * clone.namespace/clone.name) — with `{{request.object…}}` variables resolved against the trigger
 * and Kyverno's generate.kyverno.io/* labels.
 * - A trigger is generated for when it is created after the policy (the admission request that
 *   creates it), and for triggers that existed before the policy only with generateExisting
 *   (rule level, or the deprecated spec.generateExisting / generateExistingOnPolicyUpdate).
 * - synchronize: true keeps the downstream as the rule says: deleted or changed, it is put back;
 *   without it, the downstream is created once and then left alone.
 * cloneList and foreach generation are not simulated (the rule errors in the policy's status).
 */
import { substitute } from './variables.js';

type Obj = Record<string, any>;

export interface GenerateTarget {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  /** The object to create (without server fields). */
  object: Obj;
  synchronize: boolean;
}

/** Does the rule (or its policy, deprecated form) generate for triggers that predate the policy? */
export function generateExisting(policy: Obj, rule: Obj): boolean {
  const g = rule.generate ?? {};
  if (typeof g.generateExisting === 'boolean') return g.generateExisting;
  return policy.spec?.generateExisting === true || policy.spec?.generateExistingOnPolicyUpdate === true;
}

/**
 * The downstream the rule wants for `trigger`; `lookup` reads a clone source. Throws with
 * Kyverno's wording when the rule cannot be carried out.
 */
export function planGenerate(policy: Obj, rule: Obj, trigger: Obj, lookup: (apiVersion: string, kind: string, namespace: string, name: string) => Obj | undefined): GenerateTarget {
  const data = { request: { object: trigger, operation: 'CREATE', namespace: trigger.metadata?.namespace ?? '' } };
  const g = substitute(rule.generate ?? {}, data) as Obj;
  if (g.cloneList || g.foreach) throw new Error('fake kyverno: generate cloneList/foreach is not simulated');
  const apiVersion = String(g.apiVersion ?? '');
  const kind = String(g.kind ?? '');
  const name = String(g.name ?? '');
  const namespace = String(g.namespace ?? '');
  if (!kind || !name) throw new Error(`generate rule ${rule.name}: kind and name are required`);
  if (policy.kind === 'Policy' && namespace !== policy.metadata?.namespace) {
    throw new Error(`generate rule ${rule.name}: a namespaced Policy can only generate into its own namespace ${policy.metadata?.namespace}`);
  }
  let body: Obj;
  if (g.data !== undefined) {
    body = JSON.parse(JSON.stringify(g.data)) as Obj;
  } else if (g.clone) {
    const src = lookup(apiVersion, kind, String(g.clone.namespace ?? ''), String(g.clone.name ?? ''));
    if (!src) throw new Error(`source resource ${kind}/${g.clone.namespace}/${g.clone.name} not found`);
    body = JSON.parse(JSON.stringify(src)) as Obj;
    delete body.status;
    const m = (body.metadata ?? {}) as Obj;
    body.metadata = { labels: m.labels, annotations: m.annotations };
  } else {
    throw new Error(`generate rule ${rule.name}: data or clone is required`);
  }
  const meta = (body.metadata ?? {}) as Obj;
  const labels: Record<string, string> = { ...(meta.labels ?? {}) };
  labels['app.kubernetes.io/managed-by'] = 'kyverno';
  labels['generate.kyverno.io/policy-name'] = String(policy.metadata?.name ?? '');
  labels['generate.kyverno.io/policy-namespace'] = policy.kind === 'Policy' ? String(policy.metadata?.namespace ?? '') : '';
  labels['generate.kyverno.io/rule-name'] = String(rule.name);
  labels['generate.kyverno.io/trigger-group'] = groupOf(String(trigger.apiVersion ?? ''));
  labels['generate.kyverno.io/trigger-kind'] = String(trigger.kind ?? '');
  labels['generate.kyverno.io/trigger-name'] = String(trigger.metadata?.name ?? '');
  labels['generate.kyverno.io/trigger-namespace'] = String(trigger.metadata?.namespace ?? '');
  labels['generate.kyverno.io/trigger-uid'] = String(trigger.metadata?.uid ?? '');
  labels['generate.kyverno.io/trigger-version'] = versionOf(String(trigger.apiVersion ?? ''));
  if (g.clone) {
    labels['generate.kyverno.io/source-name'] = String(g.clone.name ?? '');
    labels['generate.kyverno.io/source-namespace'] = String(g.clone.namespace ?? '');
  }
  const object: Obj = { ...body, apiVersion, kind, metadata: { ...meta, name, ...(namespace ? { namespace } : {}), labels } };
  return { apiVersion, kind, namespace, name, object, synchronize: g.synchronize === true };
}

const groupOf = (apiVersion: string): string => (apiVersion.includes('/') ? apiVersion.split('/')[0]! : '');
const versionOf = (apiVersion: string): string => (apiVersion.includes('/') ? apiVersion.split('/')[1]! : apiVersion);

/** Does `live` still hold everything the rule wants (`want`)? Fields the server adds are ignored. */
export function inSync(want: Obj, live: Obj): boolean {
  return covers(stripMeta(want), live);
}

function stripMeta(o: Obj): Obj {
  const { metadata, ...rest } = o;
  return { ...rest, metadata: { labels: metadata?.labels ?? {} } };
}

function covers(want: unknown, live: unknown): boolean {
  if (Array.isArray(want)) return Array.isArray(live) && want.length === live.length && want.every((w, i) => covers(w, live[i]));
  if (want && typeof want === 'object') {
    if (!live || typeof live !== 'object' || Array.isArray(live)) return false;
    return Object.entries(want).every(([k, v]) => covers(v, (live as Obj)[k]));
  }
  return want === live;
}
