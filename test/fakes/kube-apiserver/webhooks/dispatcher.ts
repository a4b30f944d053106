/**
 * The MutatingAdmissionWebhook and ValidatingAdmissionWebhook admission plugins of kube-apiserver
 * v1.34: for a write, every webhook of the stored configurations whose rules (operations,
 * apiGroups, apiVersions, resources with subresources, scope), namespaceSelector and
 * objectSelector match is called with a real AdmissionReview (admission.k8s.io/v1) over HTTPS —
 * clientConfig.service through the Service's ready endpoint pod's listener in the fake pod network
 * (PodNetwork.serviceTarget), verified as `<service>.<namespace>.svc` against caBundle;
 * clientConfig.url directly (node-local hosts through the node's port map). Mutating webhooks run
 * one after another in configuration-name order and their JSONPatch is applied; validating
 * webhooks run in parallel. Denials, call failures (failurePolicy Fail / Ignore), timeouts
 * (timeoutSeconds), dry runs against webhooks with side effects, warnings: the real messages
 * (`admission webhook "<name>" denied the request: <message>`, `Internal error occurred: failed
 * calling webhook "<name>": failed to call webhook: Post "https://…?timeout=10s": <error>`).
 *
 * Not simulated: matchConditions (CEL) — a webhook with matchConditions is treated as matching;
 * matchPolicy Equivalent conversions (each resource is served in one version here);
 * reinvocationPolicy IfNeeded (mutating webhooks run once); v1beta1 AdmissionReview;
 * DELETE and CONNECT operations (only CREATE and UPDATE pass through the webhooks).
 */
import https from 'node:https';
import { checkServerIdentity } from 'node:tls';
import { randomUUID } from 'node:crypto';
import { readNodePorts } from '../../lib/node-ports.mjs';
import type { PodNetwork } from '../network/model.js';
import { selectorMatches, type LabelSelector } from '../network/policy.js';
import { jsonPatch } from '../patch.js';
import { findResource, type ResourceType } from '../resources.js';
import { badRequest, StatusError } from '../status.js';
import type { KubeObject, ObjectStore } from '../store.js';

const VWC = findResource('admissionregistration.k8s.io', 'v1', 'validatingwebhookconfigurations')!;
const MWC = findResource('admissionregistration.k8s.io', 'v1', 'mutatingwebhookconfigurations')!;
const NAMESPACES = findResource('', 'v1', 'namespaces')!;
const NODE_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);
const MAX_RESPONSE = 3 * 1024 * 1024;

/** One admission request as the webhooks see it. */
export interface AdmissionAttributes {
  operation: 'CREATE' | 'UPDATE';
  rt: ResourceType;
  namespace: string;
  name: string;
  subresource: string;
  object: KubeObject;
  oldObject: KubeObject | undefined;
  dryRun: boolean;
  userInfo: { username: string; groups: string[] };
}

/** A webhook together with its configuration's name. */
interface Hook {
  configuration: string;
  webhook: Record<string, any>;
}

function matchesRule(rule: Record<string, any>, a: AdmissionAttributes): boolean {
  const has = (list: unknown, v: string): boolean => Array.isArray(list) && (list.includes('*') || list.includes(v));
  if (!has(rule.operations, a.operation) || !has(rule.apiGroups, a.rt.group) || !has(rule.apiVersions, a.rt.version)) return false;
  const scope = String(rule.scope ?? '*');
  if (scope === 'Cluster' && a.rt.namespaced) return false;
  if (scope === 'Namespaced' && !a.rt.namespaced) return false;
  return ((rule.resources ?? []) as string[]).some((r) => {
    const [res, sub = ''] = String(r).split('/');
    if (res !== '*' && res !== a.rt.resource) return false;
    if (r.includes('/')) return sub === '*' || sub === a.subresource;
    return a.subresource === '';
  });
}

/** Whether a webhook applies to the request (rules, namespaceSelector, objectSelector). */
export function webhookMatches(store: ObjectStore, w: Record<string, any>, a: AdmissionAttributes): boolean {
  if (!((w.rules ?? []) as Record<string, any>[]).some((r) => matchesRule(r, a))) return false;
  const nsSel = (w.namespaceSelector ?? {}) as LabelSelector;
  if (a.rt.resource === 'namespaces' && a.rt.group === '') {
    if (!selectorMatches(nsSel, a.object.metadata.labels ?? {})) return false;
  } else if (a.rt.namespaced) {
    const ns = store.get(NAMESPACES, '', a.namespace);
    if (!selectorMatches(nsSel, ns?.metadata.labels ?? {})) return false;
  }
  const objSel = (w.objectSelector ?? {}) as LabelSelector;
  const labelsOf = (o: KubeObject | undefined): Record<string, string> => (o?.metadata.labels ?? {}) as Record<string, string>;
  return selectorMatches(objSel, labelsOf(a.object)) || (a.oldObject !== undefined && selectorMatches(objSel, labelsOf(a.oldObject)));
}

function hooks(store: ObjectStore, rt: ResourceType): Hook[] {
  return store
    .list(rt)
    .sort((x, y) => String(x.metadata.name).localeCompare(String(y.metadata.name)))
    .flatMap((c) => ((c.webhooks ?? []) as Record<string, any>[]).map((webhook) => ({ configuration: String(c.metadata.name), webhook })));
}

/** What the mutating phase gives back. */
export interface MutationOutcome {
  object: KubeObject;
  warnings: string[];
}

/** Calls the stored webhooks for one fake API server. */
export class AdmissionWebhooks {
  constructor(
    private readonly store: ObjectStore,
    private readonly network: PodNetwork,
    private readonly nodeRoot: string | undefined,
    /** The admission plugins kube-apiserver runs (--enable/--disable-admission-plugins). */
    private readonly plugins: () => ReadonlySet<string>,
  ) {}

  /** Whether any webhook configuration exists (the fast path skips the admission passes). */
  any(): boolean {
    return this.configurations(MWC).length > 0 || this.configurations(VWC).length > 0;
  }

  private configurations(rt: ResourceType): Hook[] {
    const plugin = rt === MWC ? 'MutatingAdmissionWebhook' : 'ValidatingAdmissionWebhook';
    return this.plugins().has(plugin) ? hooks(this.store, rt) : [];
  }

  /** Whether any webhook would be called for this request (else admission goes on without them). */
  matches(a: AdmissionAttributes): boolean {
    return [...this.configurations(MWC), ...this.configurations(VWC)].some((h) => webhookMatches(this.store, h.webhook, a));
  }

  /** The mutating phase: matching webhooks in order, each seeing the previous one's result. */
  async mutate(a: AdmissionAttributes): Promise<MutationOutcome> {
    let object = structuredClone(a.object);
    const warnings: string[] = [];
    for (const h of this.configurations(MWC)) {
      const attrs = { ...a, object };
      if (!webhookMatches(this.store, h.webhook, attrs)) continue;
      const r = await this.call(h, attrs);
      if (!r) continue;
      warnings.push(...r.warnings);
      if (r.patch) {
        let next: unknown;
        try {
          next = jsonPatch(object, r.patch as never);
        } catch (e) {
          throw internalWebhook(h.webhook.name, `JSON Patch: ${(e as Error).message}`);
        }
        object = next as KubeObject;
      }
    }
    return { object, warnings };
  }

  /** The validating phase: matching webhooks in parallel; the first denial (in order) is the answer. */
  async validate(a: AdmissionAttributes): Promise<string[]> {
    const matching = this.configurations(VWC).filter((h) => webhookMatches(this.store, h.webhook, a));
    const settled = await Promise.allSettled(matching.map((h) => this.call(h, a)));
    const warnings: string[] = [];
    for (const s of settled) {
      if (s.status === 'rejected') throw s.reason;
      if (s.value) warnings.push(...s.value.warnings);
    }
    return warnings;
  }

  /** One webhook call; undefined when failurePolicy Ignore swallowed a failure. Throws the request's error on denial. */
  private async call(h: Hook, a: AdmissionAttributes): Promise<{ warnings: string[]; patch?: unknown } | undefined> {
    const w = h.webhook;
    const name = String(w.name);
    if (a.dryRun && !['None', 'NoneOnDryRun'].includes(String(w.sideEffects))) throw badRequest(`admission webhook "${name}" does not support dry run`);
    const uid = randomUUID();
    const review = admissionReview(uid, a);
    let response: Record<string, any>;
    try {
      response = await this.post(w, review);
    } catch (e) {
      if (w.failurePolicy === 'Ignore') return undefined;
      throw internalWebhook(name, (e as Error).message);
    }
    const r = response.response as Record<string, any> | undefined;
    if (!r || r.uid !== uid) {
      const why = !r ? 'webhook response was absent' : `expected response.uid="${uid}", got "${String(r.uid)}"`;
      if (w.failurePolicy === 'Ignore') return undefined;
      throw internalWebhook(name, why);
    }
    const warnings = ((r.warnings ?? []) as unknown[]).map(String);
    if (r.allowed !== true) throw deniedError(name, (r.status ?? {}) as Record<string, any>);
    if (r.patch !== undefined && r.patch !== null) {
      if (r.patchType !== 'JSONPatch') throw internalWebhook(name, `unsupported patch type "${String(r.patchType)}"`);
      let ops: unknown;
      try {
        ops = JSON.parse(Buffer.from(String(r.patch), 'base64').toString('utf8'));
      } catch (e) {
        throw internalWebhook(name, `unable to decode patch: ${(e as Error).message}`);
      }
      return { warnings, patch: ops };
    }
    return { warnings };
  }

  /** POSTs the review and returns the decoded AdmissionReview; throws with Go's wording of the failure. */
  private post(w: Record<string, any>, review: Record<string, unknown>): Promise<Record<string, any>> {
    const cc = (w.clientConfig ?? {}) as Record<string, any>;
    const timeout = Number(w.timeoutSeconds ?? 10);
    let url: URL;
    let shown: string; // the URL as Go prints it (the service port stays, even 443)
    let host: string;
    let port: number;
    let servername: string;
    if (cc.service) {
      const s = cc.service as Record<string, any>;
      const svcPort = Number(s.port ?? 443);
      servername = `${String(s.name)}.${String(s.namespace)}.svc`;
      url = new URL(`https://${servername}:${svcPort}${String(s.path ?? '')}`);
      url.searchParams.set('timeout', `${timeout}s`);
      shown = `https://${servername}:${svcPort}${url.pathname}${url.search}`;
      const t = this.network.serviceTarget(String(s.namespace), String(s.name), svcPort);
      if ('error' in t) return Promise.reject(callError(shown, t.error));
      host = '127.0.0.1';
      port = t.proxyPort;
    } else {
      url = new URL(String(cc.url));
      url.searchParams.set('timeout', `${timeout}s`);
      shown = url.toString();
      servername = url.hostname;
      port = Number(url.port || 443);
      host = url.hostname;
      if (this.nodeRoot && NODE_HOSTS.has(url.hostname)) {
        const mapped = readNodePorts(this.nodeRoot)[String(port)];
        if (mapped === null) return Promise.reject(callError(shown, `dial tcp ${url.hostname}:${port}: connect: connection refused`));
        if (mapped) ({ host, port } = mapped);
      }
    }
    const body = JSON.stringify(review);
    const ca = cc.caBundle ? Buffer.from(String(cc.caBundle), 'base64').toString('utf8') : undefined;
    return new Promise((resolve, reject) => {
      const req = https.request(
        {
          host, port, method: 'POST', path: `${url.pathname}${url.search}`,
          servername: /^[\d.]+$/.test(servername) ? '' : servername,
          ...(ca ? { ca } : {}),
          checkServerIdentity: (_h, cert) => checkServerIdentity(servername, cert),
          headers: { 'Content-Type': 'application/json', Accept: 'application/json, */*', 'Content-Length': Buffer.byteLength(body) },
          timeout: timeout * 1000,
          agent: false,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size <= MAX_RESPONSE) chunks.push(c);
          });
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if ((res.statusCode ?? 0) < 200 || (res.statusCode ?? 0) > 299) return reject(callError(shown, `an error on the server (${JSON.stringify(text.slice(0, 200))}) has prevented the request from succeeding`, false));
            try {
              resolve(JSON.parse(text) as Record<string, any>);
            } catch (e) {
              reject(callError(shown, `unable to decode the response: ${(e as Error).message}`, false));
            }
          });
        },
      );
      req.on('timeout', () => req.destroy(Object.assign(new Error('context deadline exceeded'), { code: 'ETIMEDOUT' })));
      req.on('error', (e: Error & { code?: string }) => reject(callError(shown, goError(e, host, port, servername))));
      req.end(body);
    });
  }
}

/** A failure before an answer: `failed to call webhook: Post "<url>": <why>` (or the bare reason for answers it could not use). */
function callError(url: string, why: string, post = true): Error {
  return new Error(post ? `failed to call webhook: Post "${url}": ${why}` : why);
}

function goError(e: Error & { code?: string }, host: string, port: number, name: string): string {
  const code = e.code ?? '';
  if (code === 'ETIMEDOUT') return 'context deadline exceeded';
  if (code === 'ECONNREFUSED') return `dial tcp ${host}:${port}: connect: connection refused`;
  if (['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_GET_ISSUER_CERT'].includes(code)) {
    return 'tls: failed to verify certificate: x509: certificate signed by unknown authority';
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `tls: failed to verify certificate: x509: certificate is valid for other names, not ${name}`;
  if (code === 'ECONNRESET' || /socket hang up/.test(e.message)) return 'EOF';
  return e.message;
}

/** `Internal error occurred: failed calling webhook "<name>": <why>` (HTTP 500). */
function internalWebhook(name: string, why: string): StatusError {
  return new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `Internal error occurred: failed calling webhook "${name}": ${why}`, reason: 'InternalError', details: { causes: [{ message: `failed calling webhook "${name}": ${why}` }] }, code: 500 });
}

/** webhookerrors.ToStatusErr: the webhook's Status, its message prefixed with who denied. */
function deniedError(name: string, st: Record<string, any>): StatusError {
  const by = `admission webhook "${name}" denied the request`;
  const message = st.message ? `${by}: ${String(st.message)}` : st.reason ? `${by}: ${String(st.reason)}` : `${by} without explanation`;
  const code = Number(st.code) >= 400 ? Number(st.code) : 400;
  return new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, ...(st.reason ? { reason: String(st.reason) } : {}), ...(st.details ? { details: st.details } : {}), code });
}

/** The AdmissionReview v1 request kube-apiserver sends. */
export function admissionReview(uid: string, a: AdmissionAttributes): Record<string, unknown> {
  const kind = { group: a.rt.group, version: a.rt.version, kind: a.rt.kind };
  const resource = { group: a.rt.group, version: a.rt.version, resource: a.rt.resource };
  const request: Record<string, unknown> = {
    uid, kind, resource,
    ...(a.subresource ? { subResource: a.subresource } : {}),
    requestKind: kind, requestResource: resource,
    ...(a.subresource ? { requestSubResource: a.subresource } : {}),
    ...(a.name ? { name: a.name } : {}),
    ...(a.namespace ? { namespace: a.namespace } : {}),
    operation: a.operation,
    userInfo: { username: a.userInfo.username, groups: a.userInfo.groups },
    object: a.object,
    oldObject: a.oldObject ?? null,
    dryRun: a.dryRun,
    options: { kind: a.operation === 'CREATE' ? 'CreateOptions' : 'UpdateOptions', apiVersion: 'meta.k8s.io/v1', ...(a.dryRun ? { dryRun: ['All'] } : {}) },
  };
  return { kind: 'AdmissionReview', apiVersion: 'admission.k8s.io/v1', request };
}
