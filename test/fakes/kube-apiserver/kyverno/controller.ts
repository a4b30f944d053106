/**
 * A simulated Kyverno v1.18.2 (the `kyverno` lab, labs/kyverno), run in-process by the fake
 * kube-apiserver while Kyverno's own pods run in the fake cluster:
 * - while a Running, Ready pod of image kyverno/kyverno (the admission controller) exists, an HTTPS
 *   server on 127.0.0.1:0 stands for its container port `https` (9443): the pod network's listener
 *   makes the Service kyverno-svc:443 reach it, as the API server's webhook calls do. Like the real
 *   cert controller it keeps a CA and a serving certificate for kyverno-svc.kyverno.svc in the
 *   Secrets kyverno-svc.kyverno.svc.kyverno-tls-ca / -tls-pair (made with openssl, reused across
 *   restarts) and, like its webhook controller, writes the webhook configurations with that CA:
 *   kyverno-resource-validating-webhook-cfg (validate.kyverno.svc-fail / -ignore, rules for the
 *   kinds the policies match, autogen controllers and Namespaces for generate rules included,
 *   kube-system and kyverno excluded) and kyverno-policy-validating-webhook-cfg
 *   (validate-policy.kyverno.svc). Policy status (Ready) is written by the webhook controller.
 * - while a Running pod of image kyverno/background-controller exists, the background controller
 *   (background.ts) carries out generate rules.
 * The handlers answer AdmissionReviews as Kyverno does (engine.ts): a blocked request is
 * `allowed: false` with status.message Kyverno's blocked message; the policy webhook warns on the
 * deprecated lower-case failure actions.
 * Not simulated: mutate and verifyImages rules (the mutating configuration is not written),
 * PolicyReports (the reports controller), cleanup policies, the CEL policy types
 * (policies.kyverno.io), leader election between replicas.
 */
import { createServer } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../../../server/log/index.js';
import { servePodPort, type LocalServer } from '../network/localServer.js';
import type { PodNetwork } from '../network/model.js';
import { findKind, findResource, type ResourceType } from '../resources.js';
import type { KubeObject, ObjectStore, StoreEvent } from '../store.js';
import { makeServingCerts, type ServingCerts } from '../webhookCerts.js';
import { policyStatus, startKyvernoBackground } from './background.js';
import { validateAdmission, type AdmissionInput } from './engine.js';
import { computeRules } from './policy.js';

type Obj = Record<string, any>;

const PODS = findResource('', 'v1', 'pods')!;
const SECRETS = findResource('', 'v1', 'secrets')!;
const NAMESPACES = findResource('', 'v1', 'namespaces')!;
const VWC = findResource('admissionregistration.k8s.io', 'v1', 'validatingwebhookconfigurations');

/** Image repositories of Kyverno's admission and background controllers (reg.kyverno.io or ghcr.io). */
export const ADMISSION_IMAGE = /(^|\/)kyverno\/kyverno(:|@|$)/;
export const BACKGROUND_IMAGE = /(^|\/)kyverno\/background-controller(:|@|$)/;
export const KYVERNO_NAMESPACE = 'kyverno';
export const SERVICE = 'kyverno-svc';
export const RESOURCE_VWC = 'kyverno-resource-validating-webhook-cfg';
export const POLICY_VWC = 'kyverno-policy-validating-webhook-cfg';
const MAX_BODY = 3 * 1024 * 1024;

export interface KyvernoOptions {
  store: ObjectStore;
  network: PodNetwork;
  logger: Logger;
  /** The server's custom resource registry (CRDs): a served custom resource type, if any. */
  customType(group: string, version: string, resource: string): ResourceType | undefined;
  /** Every served custom type of a group and kind (all versions). */
  customKind?(group: string, kind: string): ResourceType[];
  /** Creates an object as the API does (defaults, validation), for generated objects. */
  create?(rt: ResourceType, obj: KubeObject): KubeObject;
}

const ready = (pod: KubeObject): boolean =>
  pod.status?.phase === 'Running' && !pod.metadata.deletionTimestamp && ((pod.status?.conditions ?? []) as Obj[]).some((c) => c.type === 'Ready' && c.status === 'True');

function podOf(store: ObjectStore, image: RegExp, needReady: boolean): { pod: KubeObject; port: number } | undefined {
  for (const pod of store.list(PODS, KYVERNO_NAMESPACE)) {
    if (needReady ? !ready(pod) : pod.status?.phase !== 'Running' || pod.metadata.deletionTimestamp) continue;
    const c = ((pod.spec?.containers ?? []) as Obj[]).find((x) => image.test(String(x.image ?? '')));
    if (!c) continue;
    const port = Number(((c.ports ?? []) as Obj[]).find((p) => p.name === 'https')?.containerPort ?? 9443);
    return { pod, port };
  }
  return undefined;
}


/** A CA and a serving certificate for kyverno-svc.kyverno.svc. */
const makeCerts = (): Promise<ServingCerts> =>
  makeServingCerts({
    ca: { subject: '/CN=*.kyverno.svc', days: 365 },
    subject: `/CN=${SERVICE}.${KYVERNO_NAMESPACE}.svc`,
    dnsNames: [SERVICE, `${SERVICE}.${KYVERNO_NAMESPACE}`, `${SERVICE}.${KYVERNO_NAMESPACE}.svc`],
    days: 150,
  });

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const unb64 = (s: unknown): string => Buffer.from(String(s ?? ''), 'base64').toString('utf8');

/** The resource rule of a kind the webhook must see (`Kind`, `version/Kind` or `group/version/Kind`). */
function ruleFor(kind: string, opts: KyvernoOptions): Obj | undefined {
  const parts = kind.split('/');
  const bare = parts.pop()!;
  let rt: ResourceType | undefined;
  if (parts.length === 2) rt = findKind(parts[0] ? `${parts[0]}/${parts[1]}` : parts[1]!, bare) ?? opts.customKind?.(parts[0]!, bare).find((t) => t.version === parts[1]);
  else rt = ['v1', 'apps/v1', 'batch/v1', 'networking.k8s.io/v1', 'rbac.authorization.k8s.io/v1', 'policy/v1', 'storage.k8s.io/v1', 'node.k8s.io/v1'].map((v) => findKind(v, bare)).find(Boolean);
  if (!rt) return undefined;
  return { apiGroups: [rt.group], apiVersions: [rt.version], resources: [rt.resource], operations: ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'], scope: '*' };
}

/** Starts following Kyverno's pods; `close` stops everything. */
export function startKyverno(opts: KyvernoOptions): { close(): Promise<void> } {
  const { store, network, logger } = opts;
  const policyTypes = (): { cluster?: ResourceType; namespaced?: ResourceType } => ({
    cluster: opts.customType('kyverno.io', 'v1', 'clusterpolicies'),
    namespaced: opts.customType('kyverno.io', 'v1', 'policies'),
  });
  const kindType = (apiVersion: string, kind: string): ResourceType | undefined => {
    const b = findKind(apiVersion, kind);
    if (b) return b;
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
    return opts.customKind?.(group!, kind).find((t) => t.version === version);
  };
  const policies = (): KubeObject[] => {
    const { cluster, namespaced } = policyTypes();
    return [
      ...(cluster ? store.list(cluster).map((p) => ({ ...p, kind: 'ClusterPolicy' })) : []),
      ...(namespaced ? store.list(namespaced).map((p) => ({ ...p, kind: 'Policy' })) : []),
    ];
  };

  let admission: { server: LocalServer; pod: KubeObject; caBundle: string } | undefined;
  let background: { pod: KubeObject; stop(): void } | undefined;
  let busy = Promise.resolve();
  let closed = false;

  const review = (body: Obj, handler: (req: Obj) => { allowed: boolean; message?: string; warnings?: string[] }): Obj => {
    const req = (body.request ?? {}) as Obj;
    const r = handler(req);
    return {
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: {
        uid: req.uid,
        allowed: r.allowed,
        ...(r.allowed ? {} : { status: { status: 'Failure', message: r.message ?? '' } }),
        ...(r.warnings?.length ? { warnings: r.warnings } : {}),
      },
    };
  };

  const validateResource = (failurePolicy: 'Fail' | 'Ignore') => (req: Obj): { allowed: boolean; message?: string; warnings?: string[] } => {
    const kind = req.kind ?? {};
    const ns = String(req.namespace ?? '');
    const nsObj = ns ? store.get(NAMESPACES, '', ns) : undefined;
    const object = (req.operation === 'DELETE' ? req.oldObject : req.object) as Obj | undefined;
    if (!object) return { allowed: true };
    const input: AdmissionInput = {
      operation: req.operation,
      object,
      ...(req.oldObject ? { oldObject: req.oldObject as Obj } : {}),
      group: String(kind.group ?? ''),
      version: String(kind.version ?? ''),
      kind: String(kind.kind ?? ''),
      resource: String(req.resource?.resource ?? ''),
      namespace: ns,
      namespaceLabels: (kind.kind === 'Namespace' ? object.metadata?.labels : nsObj?.metadata.labels) ?? {},
      userInfo: req.userInfo,
      dryRun: req.dryRun === true,
    };
    const mine = policies().filter((p) => policyFailurePolicy(p) === failurePolicy);
    const out = validateAdmission(mine, input);
    return out.allowed ? { allowed: true, warnings: out.warnings } : { allowed: false, message: out.message ?? '', warnings: out.warnings };
  };

  const validatePolicy = (req: Obj): { allowed: boolean; message?: string; warnings?: string[] } => {
    const p = (req.object ?? {}) as Obj;
    const warnings: string[] = [];
    const spec = (p.spec ?? {}) as Obj;
    const lower = (a: unknown): boolean => a === 'enforce' || a === 'audit';
    if (lower(spec.validationFailureAction) || ((spec.validationFailureActionOverrides ?? []) as Obj[]).some((o) => lower(o.action))) {
      warnings.push('Validation failure actions enforce/audit are deprecated, use Enforce/Audit instead.');
    }
    if (p.kind === 'ClusterPolicy' && p.metadata?.namespace) return { allowed: false, message: 'A clusterpolicy should not have the namespace defined' };
    if (spec.admission === false && spec.background === false) return { allowed: false, message: 'disabling both admission and background processing is not allowed' };
    return { allowed: true, warnings };
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0];
      const handler = path === '/validate/fail' ? validateResource('Fail') : path === '/validate/ignore' ? validateResource('Ignore') : path === '/policyvalidate' ? validatePolicy : undefined;
      if (req.method !== 'POST' || !handler || size > MAX_BODY) {
        res.writeHead(404).end();
        return;
      }
      let body: Obj;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Obj;
      } catch {
        res.writeHead(400).end('invalid AdmissionReview');
        return;
      }
      let answer: Obj;
      try {
        answer = review(body, handler);
      } catch (e) {
        logger.warn('fake kyverno: handler failed', { err: e as Error });
        answer = review(body, () => ({ allowed: false, message: `fake kyverno: ${(e as Error).message}` }));
      }
      const text = JSON.stringify(answer);
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) }).end(text);
    });
  };

  /** The CA and the serving pair, from the Secrets when they hold a usable pair. */
  const certs = async (): Promise<{ caCrt: string; crt: string; key: string }> => {
    const caName = `${SERVICE}.${KYVERNO_NAMESPACE}.svc.kyverno-tls-ca`;
    const pairName = `${SERVICE}.${KYVERNO_NAMESPACE}.svc.kyverno-tls-pair`;
    const ca = store.get(SECRETS, KYVERNO_NAMESPACE, caName);
    const pair = store.get(SECRETS, KYVERNO_NAMESPACE, pairName);
    if (ca?.data?.['tls.crt'] && pair?.data?.['tls.crt'] && pair.data['tls.key']) {
      return { caCrt: unb64(ca.data['tls.crt']), crt: unb64(pair.data['tls.crt']), key: unb64(pair.data['tls.key']) };
    }
    const c = await makeCerts();
    const secret = (name: string, crt: string, key: string): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/tls',
      metadata: { name, namespace: KYVERNO_NAMESPACE, labels: { 'app.kubernetes.io/managed-by': 'kyverno' } },
      data: { 'tls.crt': b64(crt), 'tls.key': b64(key) },
    });
    for (const [name, s] of [[caName, secret(caName, c.caCrt, c.caKey)], [pairName, secret(pairName, c.crt, c.key)]] as const) {
      if (store.get(SECRETS, KYVERNO_NAMESPACE, name)) store.update(SECRETS, { ...store.get(SECRETS, KYVERNO_NAMESPACE, name)!, ...s, metadata: { ...store.get(SECRETS, KYVERNO_NAMESPACE, name)!.metadata, ...s.metadata } });
      else store.create(SECRETS, s);
    }
    return { caCrt: c.caCrt, crt: c.crt, key: c.key };
  };

  /** The webhook configurations Kyverno's webhook controller keeps, for the current policies. */
  const desiredConfigurations = (caBundle: string): KubeObject[] => {
    const hook = (name: string, path: string, failurePolicy: string, rules: Obj[], sideEffects: string): Obj => ({
      name,
      clientConfig: { service: { name: SERVICE, namespace: KYVERNO_NAMESPACE, path, port: 443 }, caBundle },
      rules,
      failurePolicy,
      matchPolicy: 'Equivalent',
      namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system', KYVERNO_NAMESPACE] }] },
      objectSelector: {},
      sideEffects,
      timeoutSeconds: 10,
      admissionReviewVersions: ['v1'],
    });
    const rulesFor = (fp: 'Fail' | 'Ignore'): Obj[] => {
      const kinds = new Set<string>();
      for (const p of policies().filter((x) => policyFailurePolicy(x) === fp)) {
        for (const r of computeRules(p)) {
          if (!r.validate && !r.generate) continue;
          for (const d of [r.match?.resources, ...((r.match?.any ?? []) as Obj[]).map((f) => f.resources), ...((r.match?.all ?? []) as Obj[]).map((f) => f.resources)]) {
            for (const k of (d?.kinds ?? []) as string[]) kinds.add(k);
          }
        }
      }
      return [...kinds].sort().map((k) => ruleFor(k, opts)).filter((x): x is Obj => x !== undefined);
    };
    const labels = { 'webhook.kyverno.io/managed-by': 'kyverno' };
    const fail = rulesFor('Fail');
    const ignore = rulesFor('Ignore');
    const webhooks = [
      ...(fail.length ? [hook('validate.kyverno.svc-fail', '/validate/fail', 'Fail', fail, 'NoneOnDryRun')] : []),
      ...(ignore.length ? [hook('validate.kyverno.svc-ignore', '/validate/ignore', 'Ignore', ignore, 'NoneOnDryRun')] : []),
    ];
    const policyRules = [{ apiGroups: ['kyverno.io'], apiVersions: ['v1', 'v2beta1'], resources: ['clusterpolicies', 'policies'], operations: ['CREATE', 'UPDATE'], scope: '*' }];
    return [
      { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: { name: RESOURCE_VWC, labels }, webhooks },
      { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: { name: POLICY_VWC, labels }, webhooks: [{ ...hook('validate-policy.kyverno.svc', '/policyvalidate', 'Fail', policyRules, 'None'), namespaceSelector: {} }] },
    ];
  };

  const syncConfigurations = (): void => {
    if (!admission || !VWC) return;
    for (const want of desiredConfigurations(admission.caBundle)) {
      const live = store.get(VWC, '', want.metadata.name);
      if (!live) store.create(VWC, want);
      else if (JSON.stringify(live.webhooks ?? []) !== JSON.stringify(want.webhooks)) store.update(VWC, { ...live, webhooks: want.webhooks, metadata: { ...live.metadata, labels: { ...(live.metadata.labels ?? {}), ...want.metadata.labels } } });
    }
  };

  const startAdmission = async (pod: KubeObject, port: number): Promise<void> => {
    const c = await certs();
    const server = await servePodPort(network, String(pod.metadata.uid), port, createServer({ cert: c.crt, key: c.key }, handle));
    admission = { server, pod, caBundle: b64(c.caCrt) };
    syncConfigurations();
    logger.info('fake kyverno admission controller serving', { pod: String(pod.metadata.name), port: server.port });
  };

  const stopAdmission = async (): Promise<void> => {
    const a = admission;
    if (!a) return;
    admission = undefined;
    await a.server.close();
  };

  const sync = (): void => {
    busy = busy
      .then(async () => {
        if (closed) return;
        const a = podOf(store, ADMISSION_IMAGE, true);
        if (admission && (!a || a.pod.metadata.uid !== admission.pod.metadata.uid)) await stopAdmission();
        if (a && !admission) await startAdmission(a.pod, a.port);
        const b = podOf(store, BACKGROUND_IMAGE, false);
        if (background && (!b || b.pod.metadata.uid !== background.pod.metadata.uid)) {
          background.stop();
          background = undefined;
        }
        if (b && !background) {
          const bg = startKyvernoBackground({ store, kindType, policyTypes, logger, ...(opts.create ? { create: opts.create } : {}) });
          background = { pod: b.pod, stop: () => bg.close() };
        }
      })
      .catch((e: unknown) => logger.warn('fake kyverno: sync failed', { err: e as Error }));
  };

  const onChange = (ev: StoreEvent): void => {
    if (closed) return;
    if (ev.rt === PODS && ev.object.metadata.namespace === KYVERNO_NAMESPACE) sync();
    const { cluster, namespaced } = policyTypes();
    if ((ev.rt === cluster || ev.rt === namespaced || ev.rt === VWC) && admission) {
      // The webhook controller: rules follow the policies, a changed configuration is put back.
      setImmediate(() => {
        try {
          if (closed) return;
          syncConfigurations();
          if (ev.type !== 'DELETED' && (ev.rt === cluster || ev.rt === namespaced)) writeReady(ev.rt, ev.object);
        } catch (e) {
          logger.warn('fake kyverno: webhook controller failed', { err: e as Error });
        }
      });
    }
  };

  /** The webhook controller's policy status: Ready, autogen rules, rule counts. */
  const writeReady = (rt: ResourceType, p: KubeObject): void => {
    const live = store.get(rt, String(p.metadata.namespace ?? ''), p.metadata.name);
    if (!live) return;
    const status = policyStatus({ ...live, kind: rt === policyTypes().namespaced ? 'Policy' : 'ClusterPolicy' }, live.status);
    if (JSON.stringify(status) === JSON.stringify(live.status ?? null)) return;
    store.update(rt, { ...live, status });
  };

  store.events.on('change', onChange);
  sync();
  return {
    close: async () => {
      closed = true;
      store.events.off('change', onChange);
      await busy;
      background?.stop();
      background = undefined;
      await stopAdmission();
    },
  };
}

/** The webhook a policy's rules are registered in: spec.webhookConfiguration.failurePolicy, else spec.failurePolicy, default Fail. */
export function policyFailurePolicy(p: Obj): 'Fail' | 'Ignore' {
  const fp = p.spec?.webhookConfiguration?.failurePolicy ?? p.spec?.failurePolicy ?? 'Fail';
  return fp === 'Ignore' ? 'Ignore' : 'Fail';
}

