/**
 * A minimal Deployment controller (the fake has no kube-controller-manager): for each Deployment
 * it keeps `spec.replicas` Pods of the current template, named and labelled as the ReplicaSet
 * controller names them (`<deployment>-<pod-template-hash>-<5 chars>`, label `pod-template-hash`,
 * owned by ReplicaSet `<deployment>-<hash>`), creates them through the API (so admission runs),
 * replaces a deleted Pod, replaces all Pods when the template changes (no ReplicaSet objects, no
 * surge: old Pods go first), deletes its Pods with the Deployment, and reports replica counts in
 * `status`. Not simulated: ReplicaSet objects, rollout history, maxSurge/maxUnavailable pacing.
 */
import { createHash, randomInt } from 'node:crypto';
import type { Logger } from '../../../server/log/index.js';
import type { ApiAnswer, ResourceApi, ResourceRequest } from './api.js';
import { selectorMatches } from './network/policy.js';
import { findResource } from './resources.js';
import { StatusError } from './status.js';
import type { KubeObject, ObjectStore, StoreEvent } from './store.js';

const DEPLOYMENTS = findResource('apps', 'v1', 'deployments')!;
const PODS = findResource('', 'v1', 'pods')!;
const NAMESPACES = findResource('', 'v1', 'namespaces')!;
// k8s.io/apimachinery/pkg/util/rand's alphabet (no vowels, no 0/1/3), used for hashes and name suffixes.
const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

/** The pod-template-hash of a template (a stable 10-character string, like ComputeHash's). */
export function templateHash(template: unknown): string {
  const digest = createHash('sha256').update(JSON.stringify(template ?? {})).digest();
  return Array.from(digest.subarray(0, 10), (b) => ALPHANUMS[b % ALPHANUMS.length]).join('');
}

const suffix = (): string => Array.from({ length: 5 }, () => ALPHANUMS[randomInt(ALPHANUMS.length)]).join('');

/**
 * How the controller's Pod creations reach the API. Until `admit` is set, through the API's
 * built-in admission only; once the server's admission webhooks exist it sets `admit` to the
 * whole chain (a mutating webhook such as Istio's sidecar injector sees the ReplicaSet's Pods, as
 * on a real cluster).
 */
export interface PodCreation {
  admit?: (request: ResourceRequest) => Promise<ApiAnswer>;
  /** Whether any webhook (or ImagePolicyWebhook) is configured now (without one, creations stay synchronous as before). */
  active?: () => boolean;
}

/** Starts the controller; returns a function that stops it. */
export function startDeploymentController(store: ObjectStore, api: ResourceApi, logger: Logger, creation: PodCreation = {}): () => void {
  const pending = new Set<string>();
  // Creations through the webhooks are asynchronous: counted until they land, their refusal kept for status.
  const inflight = new Map<string, number>();
  const refusals = new Map<string, string>();
  let timer: NodeJS.Immediate | undefined;
  let stopped = false;

  const owner = (pod: KubeObject): string | undefined => {
    const ref = ((pod.metadata.ownerReferences ?? []) as Record<string, any>[]).find((r) => r.kind === 'ReplicaSet' && r.controller === true);
    const hash = pod.metadata.labels?.['pod-template-hash'];
    if (!ref || !hash || !String(ref.name).endsWith(`-${hash}`)) return undefined;
    return String(ref.name).slice(0, -(hash.length + 1));
  };
  const schedule = (ns: string, name: string): void => {
    pending.add(`${ns}/${name}`);
    timer ??= setImmediate(() => {
      timer = undefined;
      const keys = [...pending];
      pending.clear();
      for (const k of keys) {
        const [ns2, name2] = k.split('/') as [string, string];
        if (!stopped) reconcile(ns2, name2);
      }
    });
  };
  const onChange = (ev: StoreEvent): void => {
    if (ev.rt === DEPLOYMENTS) schedule(ev.object.metadata.namespace, ev.object.metadata.name);
    // A namespace's labels decide PodSecurity admission: the ReplicaSet controller retries failed creates.
    if (ev.rt === NAMESPACES) for (const d of store.list(DEPLOYMENTS, ev.object.metadata.name)) schedule(d.metadata.namespace, d.metadata.name);
    if (ev.rt === PODS) {
      const dep = owner(ev.object);
      if (dep) schedule(ev.object.metadata.namespace, dep);
    }
  };

  const reconcile = (ns: string, name: string): void => {
    const dep = store.get(DEPLOYMENTS, ns, name);
    const owned = store.list(PODS, ns).filter((p) => owner(p) === name);
    if (!dep) {
      for (const p of owned) store.delete(PODS, ns, p.metadata.name);
      return;
    }
    const template = (dep.spec?.template ?? {}) as Record<string, any>;
    const hash = templateHash(template);
    const selector = (dep.spec?.selector ?? {}) as Parameters<typeof selectorMatches>[0];
    const current = owned.filter((p) => p.metadata.labels?.['pod-template-hash'] === hash);
    for (const p of owned) if (!current.includes(p)) store.delete(PODS, ns, p.metadata.name);
    const replicas = Number(dep.spec?.replicas ?? 1);
    for (const p of current.slice(replicas)) store.delete(PODS, ns, p.metadata.name);
    const labels = { ...(template.metadata?.labels ?? {}), 'pod-template-hash': hash };
    let failure: string | undefined;
    if (selectorMatches(selector, labels)) {
      for (let i = current.length + (inflight.get(`${ns}/${name}`) ?? 0); i < replicas; i++) failure = create(dep, template, labels, hash) ?? failure;
    }
    writeStatus(dep, store.list(PODS, ns).filter((p) => owner(p) === name), failure ?? refusals.get(`${ns}/${name}`));
  };

  /** Creates one Pod; answers the API's refusal (e.g. PodSecurity), which the ReplicaSet reports as FailedCreate. */
  const create = (dep: KubeObject, template: Record<string, any>, labels: Record<string, string>, hash: string): string | undefined => {
    const rs = `${dep.metadata.name}-${hash}`;
    const pod = {
      apiVersion: 'v1', kind: 'Pod',
      metadata: {
        name: `${rs}-${suffix()}`, labels,
        ...(template.metadata?.annotations ? { annotations: template.metadata.annotations } : {}),
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs, uid: createHash('sha1').update(`${dep.metadata.uid}/${hash}`).digest('hex').replace(/^(.{8})(.{4})(.{4})(.{4})(.{12}).*/, '$1-$2-$3-$4-$5'), controller: true, blockOwnerDeletion: true }],
      },
      spec: structuredClone(template.spec ?? {}),
    };
    const request: ResourceRequest = { method: 'POST', rt: PODS, namespace: dep.metadata.namespace, query: new URLSearchParams(), contentType: 'application/json', body: Buffer.from(JSON.stringify(pod)) };
    if (creation.admit && creation.active?.() === true) {
      const key = `${String(dep.metadata.namespace)}/${String(dep.metadata.name)}`;
      const refused = (message: string): void => {
        refusals.set(key, message);
        logger.warn('fake deployment controller: pod create failed', { deployment: dep.metadata.name, err: message });
      };
      inflight.set(key, (inflight.get(key) ?? 0) + 1);
      creation
        .admit(request)
        .then((answer) => {
          if (answer.code >= 400) refused(String((answer.body as Record<string, any> | undefined)?.message ?? `HTTP ${answer.code}`));
          else refusals.delete(key);
        })
        .catch((e: unknown) => refused(String(e instanceof StatusError ? e.status.message : (e as Error).message)))
        .finally(() => {
          inflight.set(key, (inflight.get(key) ?? 1) - 1);
          // A refused create is retried (the ReplicaSet controller's backoff), not at once.
          if (!stopped) setTimeout(() => !stopped && schedule(String(dep.metadata.namespace), String(dep.metadata.name)), refusals.has(key) ? 1000 : 0).unref();
        });
      return undefined;
    }
    try {
      api.handle(request);
    } catch (e) {
      const message = e instanceof StatusError ? e.status.message : (e as Error).message;
      logger.warn('fake deployment controller: pod create failed', { deployment: dep.metadata.name, err: message });
      return message;
    }
    return undefined;
  };

  const writeStatus = (dep: KubeObject, pods: KubeObject[], failure?: string): void => {
    const ready = pods.filter((p) => ((p.status?.conditions ?? []) as Record<string, any>[]).some((c) => c.type === 'Ready' && c.status === 'True')).length;
    const replicas = Number(dep.spec?.replicas ?? 1);
    const status: Record<string, unknown> = {
      observedGeneration: dep.metadata.generation ?? 1,
      replicas: pods.length,
      updatedReplicas: pods.length,
      ...(ready > 0 ? { readyReplicas: ready, availableReplicas: ready } : {}),
      ...(replicas - ready > 0 ? { unavailableReplicas: replicas - ready } : {}),
      conditions: [
        { type: 'Available', status: ready >= replicas ? 'True' : 'False', reason: ready >= replicas ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable', message: ready >= replicas ? 'Deployment has minimum availability.' : 'Deployment does not have minimum availability.' },
        // The ReplicaSet's FailedCreate, surfaced on the Deployment as kube-controller-manager does.
        ...(failure ? [{ type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: failure }] : []),
      ],
    };
    const old = dep.status ?? {};
    const same = JSON.stringify({ ...old, conditions: (old.conditions ?? []).map((c: Record<string, unknown>) => ({ type: c.type, status: c.status, reason: c.reason, message: c.message })) }) === JSON.stringify(status);
    if (same) return;
    store.update(DEPLOYMENTS, { ...dep, status });
  };

  store.events.on('change', onChange);
  for (const d of store.list(DEPLOYMENTS)) schedule(d.metadata.namespace, d.metadata.name);
  return () => {
    stopped = true;
    store.events.off('change', onChange);
    if (timer) clearImmediate(timer);
  };
}
