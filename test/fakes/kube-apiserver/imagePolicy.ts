/**
 * The ImagePolicyWebhook admission plugin (plugin/pkg/admission/imagepolicy) as kube-apiserver
 * v1.34 runs it: its configuration comes from --admission-control-config-file (an
 * AdmissionConfiguration whose ImagePolicyWebhook entry holds `imagePolicy` inline or names a file
 * with `path`, or the legacy bare `imagePolicy` file), read at start through the pod's mounts — a
 * file the pod cannot see, a config it cannot decode, a missing kubeconfig or certificate makes it
 * exit with the real error. Every Pod create and update (dry runs too) sends an ImageReview
 * (imagepolicy.k8s.io/v1alpha1) over real HTTPS to the kubeconfig's server, verified with its
 * certificate-authority and presenting its client certificate; the answer is cached allowTTL/denyTTL
 * by the review's spec (images, *.image-policy.k8s.io/* annotations, namespace), as the real plugin
 * does. A backend that cannot be reached denies (defaultAllow false) or admits with the failed-open
 * annotation (defaultAllow true); 500/429/504 answers and reset connections are retried with the
 * retryBackoff back-off (a refused connection is not). Simplified: no jitter, Go's error texts
 * approximated from Node's, client-go's wording for non-2xx answers only for 500/503/404.
 */
import https from 'node:https';
import { checkServerIdentity } from 'node:tls';
import { posix } from 'node:path';
import { parse } from 'yaml';
import { readNodePorts } from '../lib/node-ports.mjs';
import type { ApiAnswer, ResourceRequest } from './api.js';
import { forbidden } from './status.js';
import type { KubeObject } from './store.js';

/** The plugin's settings once its config and kubeconfig are read. */
export interface ImagePolicyConfig {
  server: URL;
  ca?: string;
  insecure?: boolean;
  cert?: string;
  key?: string;
  allowTtlMs: number;
  denyTtlMs: number;
  /** First wait between attempts (retryBackoff); later waits grow 1.5× (webhook.DefaultRetryBackoffWithInitialDelay, 5 steps). */
  retryBackoffMs?: number;
  defaultAllow: boolean;
}

type Read = (containerPath: string) => string | null;
const PLUGIN = 'ImagePolicyWebhook';
const ADMISSION_VERSIONS = new Set(['apiserver.config.k8s.io/v1', 'apiserver.k8s.io/v1alpha1']);
const FAILED_OPEN = 'alpha.image-policy.k8s.io/failed-open';
const TIMEOUT_MS = 30_000;

function flagValue(args: string[], name: string): string | undefined {
  let value: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === name) value = args[++i];
    else if (a.startsWith(`${name}=`)) value = a.slice(name.length + 1);
  }
  return value;
}

/**
 * What kube-apiserver makes of --admission-control-config-file (read even when no plugin needs it)
 * and, when ImagePolicyWebhook is enabled, its configuration — or the error it exits with.
 */
export function imagePolicyFromFlags(args: string[], plugins: ReadonlySet<string>, read: Read): { config: ImagePolicyConfig | undefined } | { error: string } {
  const file = flagValue(args, '--admission-control-config-file');
  let entry: unknown;
  let found = false;
  if (file !== undefined && file !== '') {
    const text = read(file);
    if (text === null) return { error: `failed to apply admission: failed to read plugin config: unable to read admission control configuration from "${file}" [open ${file}: no such file or directory]` };
    const doc = parseYaml(text);
    if ('error' in doc) return { error: `failed to apply admission: failed to read plugin config: ${doc.error}` };
    const v = doc.value as Record<string, any> | null;
    if (v && typeof v === 'object' && v.kind === 'AdmissionConfiguration' && ADMISSION_VERSIONS.has(String(v.apiVersion))) {
      for (const p of Array.isArray(v.plugins) ? v.plugins : []) {
        if (p?.name !== PLUGIN) continue;
        found = true;
        if (p.configuration !== undefined && p.configuration !== null) entry = p.configuration;
        else if (typeof p.path === 'string' && p.path !== '') {
          const abs = posix.isAbsolute(p.path) ? p.path : posix.join(posix.dirname(file), p.path);
          const inner = read(abs);
          if (inner === null) return { error: `Couldn't open admission plugin configuration ${abs}: &fs.PathError{Op:"open", Path:"${abs}", Err:0x2}` };
          const parsed = parseYaml(inner);
          if ('error' in parsed) return { error: initError(parsed.error) };
          entry = parsed.value;
        } else found = false;
        break;
      }
    } else if (v && typeof v === 'object' && 'imagePolicy' in v && !('kind' in v)) {
      found = true; // the legacy format: the whole file is the plugin's config
      entry = v;
    } else if (!v || typeof v !== 'object' || !('kind' in v)) {
      return { error: `failed to apply admission: failed to read plugin config: Object 'Kind' is missing in '${JSON.stringify(v)}'` };
    } else {
      return { error: `failed to apply admission: failed to read plugin config: no kind "${String(v.kind)}" is registered for version "${String(v.apiVersion)}" in scheme "pkg/apis/apiserver/install/install.go"` };
    }
  }
  if (!plugins.has(PLUGIN)) return { config: undefined };
  if (!found) return { error: initError('no config specified') };
  return pluginConfig(entry, read);
}

function initError(why: string): string {
  return `failed to apply admission: couldn't init admission plugin "${PLUGIN}": ${why}`;
}

function parseYaml(text: string): { value: unknown } | { error: string } {
  try {
    return { value: parse(text) };
  } catch (e) {
    return { error: `error converting YAML to JSON: yaml: ${(e as Error).message.split('\n')[0]}` };
  }
}

/** normalizeConfigDuration: 0 → default, -1 → disabled, else value×scale within [min, max]. */
function duration(name: string, raw: unknown, scaleMs: number, minMs: number, maxMs: number, defMs: number): number | string {
  if (raw === undefined || raw === null) return defMs;
  if (typeof raw !== 'number' || !Number.isInteger(raw)) {
    return `json: cannot unmarshal ${typeof raw === 'string' ? 'string' : 'number'} into Go struct field imagePolicyWebhookConfig.imagePolicy.${name} of type time.Duration`;
  }
  if (raw === -1) return 0;
  if (raw === 0) return defMs;
  const ms = raw * scaleMs;
  if (ms < minMs || ms > maxMs) return `valid value is between ${goDuration(minMs)} and ${goDuration(maxMs)}, got ${goDuration(ms)}`;
  return ms;
}

/** Go's time.Duration String() for whole milliseconds (1ns is the retry backoff's minimum). */
export function goDuration(ms: number): string {
  if (ms > 0 && ms < 1) return '1ns';
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}

function pluginConfig(entry: unknown, read: Read): { config: ImagePolicyConfig } | { error: string } {
  const ip = ((entry as Record<string, any> | undefined)?.imagePolicy ?? {}) as Record<string, unknown>;
  const retry = duration('retryBackoff', ip.retryBackoff, 1, 0.000001, 300_000, 500);
  if (typeof retry === 'string') return { error: initError(retry) };
  const allow = duration('allowTTL', ip.allowTTL, 1000, 1000, 1_800_000, 300_000);
  if (typeof allow === 'string') return { error: initError(allow) };
  const deny = duration('denyTTL', ip.denyTTL, 1000, 1000, 1_800_000, 30_000);
  if (typeof deny === 'string') return { error: initError(deny) };
  if (ip.defaultAllow !== undefined && typeof ip.defaultAllow !== 'boolean') {
    return { error: initError(`json: cannot unmarshal ${typeof ip.defaultAllow} into Go struct field imagePolicyWebhookConfig.imagePolicy.defaultAllow of type bool`) };
  }
  const kc = loadKubeconfig(typeof ip.kubeConfigFile === 'string' ? ip.kubeConfigFile : '', read);
  if ('error' in kc) return { error: initError(kc.error) };
  return { config: { ...kc, allowTtlMs: allow, denyTtlMs: deny, retryBackoffMs: retry, defaultAllow: ip.defaultAllow === true } };
}

const EMPTY_CONFIG = 'invalid configuration: no configuration has been provided, try setting KUBERNETES_MASTER environment variable';

/** webhook.LoadKubeconfig: clientcmd with the file as its explicit path (current-context chooses cluster and user). */
function loadKubeconfig(file: string, read: Read): Pick<ImagePolicyConfig, 'server' | 'ca' | 'insecure' | 'cert' | 'key'> | { error: string } {
  if (file === '') return { error: EMPTY_CONFIG };
  const text = read(file);
  if (text === null) return { error: `stat ${file}: no such file or directory` };
  const doc = parseYaml(text);
  if ('error' in doc) return { error: doc.error };
  const kc = (doc.value ?? {}) as Record<string, any>;
  const named = (list: unknown, name: string, field: string): Record<string, any> | undefined =>
    (Array.isArray(list) ? list : []).find((x: any) => x?.name === name)?.[field] as Record<string, any> | undefined;
  const contextName = typeof kc['current-context'] === 'string' ? kc['current-context'] : '';
  const context = contextName === '' ? undefined : named(kc.contexts, contextName, 'context');
  const errors: string[] = [];
  if (contextName !== '' && !context) errors.push(`context was not found for specified context: ${contextName}`);
  const clusterName = String(context?.cluster ?? '');
  const userName = String(context?.user ?? '');
  const cluster = named(kc.clusters, clusterName, 'cluster') ?? {};
  const user = named(kc.users, userName, 'user') ?? {};
  const base = posix.dirname(file);
  const abs = (p: string): string => (posix.isAbsolute(p) ? p : posix.join(base, p));
  const fileOrData = (pathKey: string, dataKey: string, what: string, owner: string, src: Record<string, any>): string | undefined => {
    if (typeof src[dataKey] === 'string' && src[dataKey] !== '') return Buffer.from(src[dataKey], 'base64').toString('utf8');
    if (typeof src[pathKey] !== 'string' || src[pathKey] === '') return undefined;
    const p = abs(src[pathKey]);
    const content = read(p);
    if (content === null) errors.push(`unable to read ${what} ${p} for ${owner} due to open ${p}: no such file or directory`);
    return content ?? undefined;
  };
  const ca = fileOrData('certificate-authority', 'certificate-authority-data', 'certificate-authority', clusterName, cluster);
  const cert = fileOrData('client-certificate', 'client-certificate-data', 'client-cert', userName, user);
  const key = fileOrData('client-key', 'client-key-data', 'client-key', userName, user);
  const server = typeof cluster.server === 'string' ? cluster.server : '';
  if (server === '' && errors.length === 0) return { error: EMPTY_CONFIG };
  if (server === '') errors.push('cluster has no server defined');
  if (errors.length > 0) return { error: `invalid configuration: ${errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`}` };
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    return { error: `parse "${server}": invalid URI for request` };
  }
  return { server: url, ca, cert, key, insecure: cluster['insecure-skip-tls-verify'] === true };
}

/** The plugin's decision on one Pod. */
export type ImageVerdict = { allowed: true; failedOpen: boolean } | { allowed: false; message: string };

/** The running plugin: the webhook client and its response cache. */
export class ImagePolicyWebhook {
  private readonly cache = new Map<string, { allowed: boolean; reason: string; expires: number }>();

  constructor(
    readonly config: ImagePolicyConfig,
    /** The control-plane node's directory: its port map says where a node port really listens. */
    private readonly nodeRoot: string,
    private readonly nodeNames: string[] = [],
  ) {}

  /** Reviews a Pod's containers and init containers (Validate + admitPod). */
  async review(pod: KubeObject, namespace: string): Promise<ImageVerdict> {
    const spec = pod.spec ?? {};
    const containers = [...((spec.containers as any[]) ?? []), ...((spec.initContainers as any[]) ?? [])].map((c) => ({ image: String(c?.image ?? '') }));
    const annotations = Object.fromEntries(Object.entries((pod.metadata.annotations ?? {}) as Record<string, string>).filter(([k]) => k.includes('.image-policy.k8s.io/')));
    const reviewSpec = { containers, ...(Object.keys(annotations).length ? { annotations } : {}), ...(namespace ? { namespace } : {}) };
    const key = JSON.stringify(reviewSpec);
    let status = this.cached(key);
    if (!status) {
      const answer = await this.postWithRetries({ kind: 'ImageReview', apiVersion: 'imagepolicy.k8s.io/v1alpha1', metadata: { creationTimestamp: null }, spec: reviewSpec, status: { allowed: false } });
      if ('error' in answer) {
        if (this.config.defaultAllow) return { allowed: true, failedOpen: true };
        return { allowed: false, message: answer.error };
      }
      status = answer;
      const ttl = status.allowed ? this.config.allowTtlMs : this.config.denyTtlMs;
      if (ttl > 0) this.cache.set(key, { ...status, expires: Date.now() + ttl });
    }
    if (status.allowed) return { allowed: true, failedOpen: false };
    return { allowed: false, message: status.reason ? `image policy webhook backend denied one or more images: ${status.reason}` : 'one or more images rejected by webhook backend' };
  }

  private cached(key: string): { allowed: boolean; reason: string } | undefined {
    const hit = this.cache.get(key);
    if (!hit) return undefined;
    if (hit.expires > Date.now()) return hit;
    this.cache.delete(key);
    return undefined;
  }

  /** Where a connection to the URL's host and port goes: the node's port map for the node's own addresses. */
  private target(): { host: string; port: number } | null {
    const url = this.config.server;
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    const self = new Set(['127.0.0.1', 'localhost', '::1', '172.18.0.2', ...this.nodeNames]);
    if (self.has(host)) {
      const mapped = readNodePorts(this.nodeRoot)[String(port)];
      if (mapped === null) return null;
      if (mapped) return mapped;
      return { host: host === 'localhost' || host === '::1' || !/^[\d.]+$/.test(host) ? '127.0.0.1' : host, port };
    }
    return { host, port };
  }

  /**
   * WithExponentialBackoff with DefaultShouldRetry: an internal error (500), 429 or 504 answer, or a
   * reset connection is tried again (5 attempts, waits growing 1.5×); a refused connection is not.
   */
  private async postWithRetries(body: unknown): Promise<{ allowed: boolean; reason: string } | { error: string; retry?: boolean }> {
    let wait = Math.max(this.config.retryBackoffMs ?? 500, 1);
    for (let attempt = 1; ; attempt++) {
      const answer = await this.post(body);
      if (!('error' in answer) || !answer.retry || attempt >= 5) return answer;
      await new Promise((r) => setTimeout(r, wait));
      wait *= 1.5;
    }
  }

  private post(body: unknown): Promise<{ allowed: boolean; reason: string } | { error: string; retry?: boolean }> {
    const url = new URL(this.config.server.href);
    url.searchParams.set('timeout', '30s');
    const shown = `Post "${url.href}"`;
    const hostname = url.hostname.replace(/^\[|\]$/g, '');
    const port = Number(url.port || 443);
    const dialHost = /^[\d.]+$/.test(hostname) ? hostname : '127.0.0.1';
    const to = this.target();
    if (to === null) return Promise.resolve({ error: `${shown}: dial tcp ${dialHost}:${port}: connect: connection refused` });
    const payload = Buffer.from(JSON.stringify(body));
    return new Promise((resolve) => {
      let settled = false;
      const done = (v: { allowed: boolean; reason: string } | { error: string; retry?: boolean }): void => {
        if (!settled) resolve(v);
        settled = true;
      };
      const req = https.request(
        {
          host: to.host,
          port: to.port,
          method: 'POST',
          path: `${url.pathname}${url.search}`,
          headers: { 'Content-Type': 'application/json', Accept: 'application/json, */*', 'Content-Length': payload.length, Host: url.host },
          ...(this.config.ca ? { ca: this.config.ca } : {}),
          ...(this.config.cert && this.config.key ? { cert: this.config.cert, key: this.config.key } : {}),
          rejectUnauthorized: !this.config.insecure,
          ...(/^[\d.]+$/.test(hostname) || hostname.includes(':') ? {} : { servername: hostname }),
          checkServerIdentity: (_h, cert) => checkServerIdentity(hostname, cert),
          timeout: TIMEOUT_MS,
          agent: false,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size <= 1 << 20) chunks.push(c);
          });
          res.on('end', () => {
            const code = res.statusCode ?? 0;
            if (code < 200 || code >= 300) return done({ error: httpError(code, Buffer.concat(chunks).toString('utf8')), retry: code === 500 || code === 429 || code === 504 });
            try {
              const review = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, any>;
              done({ allowed: review?.status?.allowed === true, reason: typeof review?.status?.reason === 'string' ? review.status.reason : '' });
            } catch (e) {
              done({ error: `couldn't get version/kind; json parse error: ${(e as Error).message}` });
            }
          });
          res.on('error', (e) => done({ error: `${shown}: ${goError(e, dialHost, port, hostname)}` }));
        },
      );
      req.on('timeout', () => {
        req.destroy();
        done({ error: `${shown}: context deadline exceeded (Client.Timeout exceeded while awaiting headers)` });
      });
      req.on('error', (e: Error & { code?: string }) => done({ error: `${shown}: ${goError(e, dialHost, port, hostname)}`, retry: e.code === 'ECONNRESET' }));
      req.end(payload);
    });
  }
}

/** client-go's error for an answer that is not 2xx and not a Status (NewGenericServerResponse). */
function httpError(code: number, body: string): string {
  if (code === 503) return 'the server is currently unable to handle the request';
  if (code === 500) return `an error on the server (${JSON.stringify(body.slice(0, 200).trim())}) has prevented the request from succeeding`;
  if (code === 404) return 'the server could not find the requested resource';
  return `Error contacting webhook: ${code}`;
}

/** Go's net/http and crypto/tls wording for what Node reports. */
function goError(e: Error & { code?: string }, host: string, port: number, name: string): string {
  const code = e.code ?? '';
  const msg = e.message ?? '';
  if (code === 'ECONNREFUSED') return `dial tcp ${host}:${port}: connect: connection refused`;
  if (['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_GET_ISSUER_CERT'].includes(code)) {
    return 'tls: failed to verify certificate: x509: certificate signed by unknown authority';
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `tls: failed to verify certificate: x509: certificate is not valid for ${name}`;
  if (code === 'CERT_HAS_EXPIRED') return 'tls: failed to verify certificate: x509: certificate has expired or is not yet valid';
  if (/alert certificate required/i.test(msg)) return 'remote error: tls: certificate required';
  if (/alert unknown ca/i.test(msg)) return 'remote error: tls: unknown certificate authority';
  if (/alert bad certificate/i.test(msg)) return 'remote error: tls: bad certificate';
  if (/alert handshake failure/i.test(msg)) return 'remote error: tls: handshake failure';
  if (code === 'ECONNRESET' || /socket hang up/.test(msg)) return 'EOF';
  return msg;
}

/** Adds the failed-open annotation the plugin sets when it admits in spite of a backend failure. */
export function markFailedOpen(pod: KubeObject): void {
  pod.metadata.annotations = { ...(pod.metadata.annotations ?? {}), [FAILED_OPEN]: 'true' };
}

const CAPTURED = Symbol('image review: Pod captured');

/**
 * Runs a Pod write through ImagePolicyWebhook where kube-apiserver runs it: after mutating
 * admission, before the validating plugins that follow it (PodSecurity, ValidatingAdmissionPolicy).
 * A dry-run pass of the same request captures the Pod as admission sees it (generated name,
 * mutations, a patch applied); errors before that point are the answer. The webhook is then asked,
 * and the real pass applies the verdict at the same point. Other requests go straight through.
 */
export async function withImageReview(
  policy: ImagePolicyWebhook | undefined,
  request: ResourceRequest,
  run: (r: ResourceRequest) => ApiAnswer,
): Promise<ApiAnswer> {
  const podWrite = request.rt.group === '' && request.rt.resource === 'pods' && request.subresource === undefined && ['POST', 'PUT', 'PATCH'].includes(request.method);
  if (!policy || !podWrite) return run(request);
  let captured: KubeObject | undefined;
  const query = new URLSearchParams(request.query);
  query.set('dryRun', 'All');
  try {
    run({
      ...request,
      query,
      imageReview: (pod) => {
        captured = structuredClone(pod);
        throw CAPTURED;
      },
    });
  } catch (e) {
    if (e !== CAPTURED) throw e;
  }
  if (!captured) return run(request);
  const verdict = await policy.review(captured, request.namespace ?? '');
  return run({
    ...request,
    imageReview: (pod) => {
      if (!verdict.allowed) throw forbidden('pods', '', String(pod.metadata.name), verdict.message);
      if (verdict.failedOpen) markFailedOpen(pod);
    },
  });
}
