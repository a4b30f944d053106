/**
 * The fake Kyverno's background controller (v1.18.2): generate rules (generate.ts): a trigger created after its policy
 * gets the downstream object; triggers that predate the policy only with generateExisting; with
 * synchronize a deleted or changed downstream is put back, and deleting the policy (or the
 * trigger) deletes the downstream it made from `data` (unless orphanDownstreamOnPolicyDelete).
 * Event-driven from the store's change events (the real controller works from the admission
 * webhook's UpdateRequests and informers; the effect, seconds later, is the same).
 * Simplified: downstream objects are created through the API's defaulting and validation but
 * without admission of their own;
 * a rule that cannot be carried out is logged, not reported as an UpdateRequest.
 */
import type { Logger } from '../../../../server/log/index.js';
import type { ResourceType } from '../resources.js';
import type { KubeObject, ObjectStore, StoreEvent } from '../store.js';
import { applyDefaults } from '../defaults.js';
import { generateExisting, inSync, planGenerate, type GenerateTarget } from './generate.js';
import { computeRules, ruleSelects, type ResourceInfo } from './policy.js';

type Obj = Record<string, any>;

export interface KyvernoBackgroundOptions {
  store: ObjectStore;
  /** The served resource type of an apiVersion/kind (CRDs included), if any. */
  kindType(apiVersion: string, kind: string): ResourceType | undefined;
  /** kyverno.io/v1 clusterpolicies and policies, once their CRDs are served. */
  policyTypes(): { cluster?: ResourceType; namespaced?: ResourceType };
  /** Creates an object as the API does (defaults, validation); the store's create if not given. */
  create?(rt: ResourceType, obj: KubeObject): KubeObject;
  logger: Logger;
}

const NAMESPACES_KIND = 'Namespace';

function infoOf(obj: KubeObject, store: ObjectStore, kindType: KyvernoBackgroundOptions['kindType']): ResourceInfo {
  const [group, version] = String(obj.apiVersion).includes('/') ? String(obj.apiVersion).split('/') : ['', String(obj.apiVersion)];
  const nsType = kindType('v1', NAMESPACES_KIND);
  const ns = String(obj.metadata.namespace ?? '');
  const nsObj = ns && nsType ? store.get(nsType, '', ns) : undefined;
  return {
    kind: String(obj.kind),
    group: group!,
    version: version!,
    name: String(obj.metadata.name),
    namespace: ns,
    labels: (obj.metadata.labels ?? {}) as Record<string, string>,
    namespaceLabels: (nsObj?.metadata.labels ?? {}) as Record<string, string>,
    operation: 'CREATE',
  };
}

/** Starts the controllers; `close` stops them. */
export function startKyvernoBackground(opts: KyvernoBackgroundOptions): { close(): void; settle(): Promise<void> } {
  const { store, kindType, policyTypes, logger } = opts;
  const create = (rt: ResourceType, obj: KubeObject): KubeObject => (opts.create ? opts.create(rt, obj) : store.create(rt, obj));
  /** policy key → uids of triggers the policy has already seen (generated for, or predating it). */
  const seen = new Map<string, Set<string>>();
  let queue = Promise.resolve();
  let closed = false;

  const policies = (): KubeObject[] => {
    const { cluster, namespaced } = policyTypes();
    return [...(cluster ? store.list(cluster) : []), ...(namespaced ? store.list(namespaced) : [])];
  };
  const keyOf = (p: Obj): string => `${p.kind}/${p.metadata?.namespace ?? ''}/${p.metadata?.name}`;

  /** Creates or (with synchronize) restores the downstream of one rule for one trigger. */
  const apply = (policy: Obj, rule: Obj, trigger: KubeObject, force: boolean): void => {
    let t: GenerateTarget;
    try {
      t = planGenerate(policy, rule, trigger, (apiVersion, kind, ns, name) => {
        const rt = kindType(apiVersion, kind);
        return rt ? store.get(rt, ns, name) : undefined;
      });
    } catch (e) {
      logger.warn('fake kyverno: generate failed', { policy: policy.metadata?.name, rule: rule.name, err: e as Error });
      return;
    }
    const rt = kindType(t.apiVersion, t.kind);
    if (!rt) {
      logger.warn('fake kyverno: generate failed: kind not served', { kind: t.kind });
      return;
    }
    if (rt.namespaced && t.namespace) {
      const nsType = kindType('v1', NAMESPACES_KIND);
      const ns = nsType ? store.get(nsType, '', t.namespace) : undefined;
      if (!ns || ns.metadata.deletionTimestamp) return;
    }
    const live = store.get(rt, rt.namespaced ? t.namespace : '', t.name);
    if (!live) {
      if (force || t.synchronize) create(rt, structuredClone(t.object) as KubeObject);
      return;
    }
    if (t.synchronize && !inSync(t.object, live)) {
      const { metadata, ...rest } = structuredClone(t.object);
      const next = { ...rest, metadata: { ...live.metadata, labels: { ...(live.metadata.labels ?? {}), ...(metadata?.labels ?? {}) } } } as KubeObject;
      applyDefaults(t.kind, next);
      store.update(rt, next);
    }
  };

  const generateRules = (p: Obj): Obj[] => computeRules(p).filter((r) => r.generate);

  const triggersOf = (p: Obj, rule: Obj): KubeObject[] => {
    const kinds = new Set<string>();
    for (const d of [rule.match?.resources, ...((rule.match?.any ?? []) as Obj[]).map((f) => f.resources), ...((rule.match?.all ?? []) as Obj[]).map((f) => f.resources)]) {
      for (const k of (d?.kinds ?? []) as string[]) kinds.add(k.split('/').pop()!);
    }
    const out: KubeObject[] = [];
    for (const k of kinds) {
      const rt = k === NAMESPACES_KIND ? kindType('v1', k) : undefined;
      if (!rt) continue; // only Namespace triggers are looked up (what the catalog's policies use)
      for (const o of store.list(rt)) if (ruleSelects(p, rule, infoOf({ ...o, apiVersion: 'v1', kind: k }, store, kindType))) out.push({ ...o, apiVersion: 'v1', kind: k });
    }
    return out;
  };

  /** A policy appeared or changed: status, and generateExisting for triggers it has not seen. */
  const policyChanged = (p: KubeObject): void => {
    const key = keyOf(p);
    const first = !seen.has(key);
    const known = seen.get(key) ?? new Set<string>();
    seen.set(key, known);
    for (const rule of generateRules(p)) {
      for (const trig of triggersOf(p, rule)) {
        const uid = `${rule.name}/${String(trig.metadata.uid)}`;
        if (known.has(uid)) continue;
        known.add(uid);
        if (generateExisting(p, rule) || !first) apply(p, rule, trig, true);
      }
    }
  };

  const triggerCreated = (obj: KubeObject, kind: string): void => {
    const trig = { ...obj, apiVersion: obj.apiVersion ?? 'v1', kind: obj.kind ?? kind };
    for (const p of policies()) {
      const known = seen.get(keyOf(p)) ?? new Set<string>();
      seen.set(keyOf(p), known);
      for (const rule of generateRules(p)) {
        if (!ruleSelects(p, rule, infoOf(trig, store, kindType))) continue;
        known.add(`${rule.name}/${String(trig.metadata.uid)}`);
        apply(p, rule, trig, true);
      }
    }
  };

  /** A generated object changed or went away: synchronize puts it back. */
  const downstreamChanged = (obj: KubeObject): void => {
    const labels = (obj.metadata.labels ?? {}) as Record<string, string>;
    const pname = labels['generate.kyverno.io/policy-name'];
    if (!pname) return;
    const p = policies().find((x) => x.metadata.name === pname && String(x.metadata.namespace ?? '') === (labels['generate.kyverno.io/policy-namespace'] ?? ''));
    const rule = p && generateRules(p).find((r) => r.name === labels['generate.kyverno.io/rule-name']);
    if (!p || !rule || rule.generate?.synchronize !== true) return;
    const nsType = kindType('v1', NAMESPACES_KIND);
    const trigName = labels['generate.kyverno.io/trigger-name'] ?? '';
    const trig = labels['generate.kyverno.io/trigger-kind'] === NAMESPACES_KIND && nsType ? store.get(nsType, '', trigName) : undefined;
    if (!trig || trig.metadata.deletionTimestamp) return;
    apply(p, rule, { ...trig, apiVersion: 'v1', kind: NAMESPACES_KIND }, false);
  };

  const policyDeleted = (p: KubeObject): void => {
    seen.delete(keyOf(p));
    for (const rule of generateRules(p)) {
      if (rule.generate?.synchronize !== true || rule.generate?.data === undefined || rule.generate?.orphanDownstreamOnPolicyDelete === true) continue;
      const rt = kindType(String(rule.generate.apiVersion ?? ''), String(rule.generate.kind ?? ''));
      if (!rt) continue;
      for (const o of store.list(rt)) {
        const l = (o.metadata.labels ?? {}) as Record<string, string>;
        if (l['generate.kyverno.io/policy-name'] === p.metadata.name && l['generate.kyverno.io/rule-name'] === rule.name) store.delete(rt, String(o.metadata.namespace ?? ''), String(o.metadata.name));
      }
    }
  };

  const handle = (ev: StoreEvent): void => {
    const { cluster, namespaced } = policyTypes();
    if (ev.rt === cluster || ev.rt === namespaced) {
      const p = { ...ev.object, kind: ev.rt === cluster ? 'ClusterPolicy' : 'Policy' };
      if (ev.type === 'DELETED') policyDeleted(p);
      else policyChanged(p);
      return;
    }
    if (ev.rt.kind === NAMESPACES_KIND && ev.type === 'ADDED') triggerCreated(ev.object, NAMESPACES_KIND);
    if (ev.type !== 'ADDED') downstreamChanged(ev.object);
  };

  const onChange = (ev: StoreEvent): void => {
    if (closed) return;
    // Not inside the store's emit: the controller reacts a moment later, as informers do.
    queue = queue.then(() => new Promise<void>((resolve) => setImmediate(() => {
      try {
        if (!closed) handle(ev);
      } catch (e) {
        logger.warn('fake kyverno: background controller failed', { err: e as Error });
      }
      resolve();
    })));
  };
  store.events.on('change', onChange);
  for (const p of policies()) onChange({ type: 'ADDED', rt: (p.kind === 'Policy' ? policyTypes().namespaced : policyTypes().cluster)!, object: p });
  return {
    settle: async () => {
      let last: Promise<void> | undefined;
      while (last !== queue) {
        last = queue;
        await queue;
      }
    },
    close: () => {
      closed = true;
      store.events.off('change', onChange);
    },
  };
}

/** The status Kyverno's webhook controller writes on a policy (kept in key order; the transition time of a Ready condition kept). */
export function policyStatus(p: Obj, previous: Obj | undefined): Obj {
  const rules = computeRules(p);
  const autogen = rules.filter((r) => r.name.startsWith('autogen-'));
  const prevReady = ((previous?.conditions ?? []) as Obj[]).find((c) => c.type === 'Ready' && c.status === 'True');
  return {
    autogen: autogen.length ? { rules: autogen } : {},
    conditions: [{ lastTransitionTime: prevReady?.lastTransitionTime ?? new Date().toISOString().replace(/\.\d+Z$/, 'Z'), message: 'Ready', reason: 'Succeeded', status: 'True', type: 'Ready' }],
    rulecount: {
      generate: rules.filter((r) => r.generate).length,
      mutate: rules.filter((r) => r.mutate).length,
      validate: rules.filter((r) => r.validate).length,
      verifyimages: rules.filter((r) => r.verifyImages).length,
    },
    validatingadmissionpolicy: { generated: false, message: '' },
  };
}
