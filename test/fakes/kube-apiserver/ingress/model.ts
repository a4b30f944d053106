/**
 * What F5 NGINX Ingress Controller (nginx/kubernetes-ingress, v5.5) configures from the stored
 * Ingresses, computed on every question (the real controller regenerates nginx.conf on each change):
 * - an Ingress is its when its class is the controller's `-ingress-class` (the deprecated
 *   `kubernetes.io/ingress.class` annotation first, else spec.ingressClassName; none → ignored,
 *   HasCorrectIngressClass in internal/k8s/controller.go);
 * - one nginx `server` per rule host; a host claimed by two Ingresses goes to the oldest (same
 *   second: the greater UID);
 * - a host listed in a spec.tls entry's `hosts` (exact string compare, addSSLConfig in
 *   internal/configs/ingress.go) gets SSL with that entry's Secret from the Ingress's namespace; a
 *   Secret that is missing, not of type kubernetes.io/tls or whose key does not match its
 *   certificate makes nginx reject the TLS handshake for that host (`ssl_reject_handshake on`);
 *   a TLS host without secretName is rejected the same way (no wildcard secret configured);
 * - SSL servers redirect plain HTTP with 301 to `https://$host:443$request_uri` (ssl-redirect
 *   defaults to true, http-redirect-code to 301; the template writes the SSL port).
 */
import { createSecureContext, type SecureContext } from 'node:tls';
import { findResource } from '../resources.js';
import type { KubeObject, ObjectStore } from '../store.js';

const INGRESSES = findResource('networking.k8s.io', 'v1', 'ingresses')!;
const SECRETS = findResource('', 'v1', 'secrets')!;

/** One path of a server: nginx `location = /p` (Exact) or `location /p` (Prefix, ImplementationSpecific). */
export interface IngressLocation {
  path: string;
  exact: boolean;
  namespace: string;
  service: string;
  port: number | string;
}

/** One nginx `server` block generated from an Ingress rule. */
export interface IngressServer {
  /** server_name: the rule's host (`*.example.com` allowed). */
  host: string;
  /** `<namespace>/<name>` of the Ingress that owns the host. */
  ingress: string;
  ssl: boolean;
  /** The TLS Secret's certificate, when SSL and the Secret is valid. */
  context?: SecureContext;
  /** Why the handshake is rejected (SSL without a usable Secret), as the controller's warning says. */
  reject?: string;
  locations: IngressLocation[];
}

const classOf = (ing: KubeObject): string => String(ing.metadata.annotations?.['kubernetes.io/ingress.class'] || ing.spec?.ingressClassName || '');

const b64 = (v: unknown): string => Buffer.from(String(v ?? ''), 'base64').toString('utf8');

/** The TLS context of Secret `ns/name`, or the controller's warning when it cannot be used. */
function tlsContext(store: ObjectStore, ns: string, name: string): { context: SecureContext } | { reject: string } {
  const secret = store.get(SECRETS, ns, name);
  if (!secret) return { reject: `TLS secret ${name} is invalid: secret doesn't exist or of an unsupported type` };
  if (secret.type !== 'kubernetes.io/tls') return { reject: `TLS secret ${name} is of a wrong type '${String(secret.type)}', must be 'kubernetes.io/tls'` };
  try {
    return { context: createSecureContext({ cert: b64(secret.data?.['tls.crt']), key: b64(secret.data?.['tls.key']) }) };
  } catch (e) {
    return { reject: `TLS secret ${name} is invalid: ${(e as Error).message}` };
  }
}

/**
 * The servers the controller with class `ingressClass` generates, by host. `warnings`, when given,
 * collects each of its Ingresses (`<namespace>/<name>` → the Ingress and the controller's warnings).
 */
export function ingressServers(store: ObjectStore, ingressClass: string, warnings?: Map<string, { ingress: KubeObject; warnings: string[] }>): Map<string, IngressServer> {
  const servers = new Map<string, IngressServer>();
  const ingresses = store
    .list(INGRESSES)
    .filter((i) => !i.metadata.deletionTimestamp && classOf(i) === ingressClass)
    // chooseObjectMetaWinner (internal/k8s/configuration.go): older first; same second → the greater UID.
    .sort((a, b) => String(a.metadata.creationTimestamp).localeCompare(String(b.metadata.creationTimestamp)) || String(b.metadata.uid).localeCompare(String(a.metadata.uid)));
  for (const ing of ingresses) {
    const ns = String(ing.metadata.namespace);
    const mine: string[] = [];
    warnings?.set(`${ns}/${String(ing.metadata.name)}`, { ingress: ing, warnings: mine });
    const tls = (ing.spec?.tls ?? []) as Record<string, any>[];
    for (const rule of (ing.spec?.rules ?? []) as Record<string, any>[]) {
      const host = String(rule.host ?? '');
      if (host === '' || servers.has(host)) continue; // empty host: not served without -allow-empty-ingress-host
      const server: IngressServer = { host, ingress: `${ns}/${String(ing.metadata.name)}`, ssl: false, locations: [] };
      const entry = tls.find((t) => ((t.hosts ?? []) as unknown[]).some((h) => h === host));
      if (entry) {
        server.ssl = true;
        const secretName = String(entry.secretName ?? '');
        const got = secretName === '' ? { reject: `TLS termination for host '${host}' requires specifying a TLS secret or configuring a global wildcard TLS secret` } : tlsContext(store, ns, secretName);
        if ('context' in got) server.context = got.context;
        else {
          server.reject = got.reject;
          mine.push(got.reject);
        }
      }
      for (const p of (rule.http?.paths ?? []) as Record<string, any>[]) {
        const svc = p.backend?.service as Record<string, any> | undefined;
        if (!svc?.name) continue;
        server.locations.push({ path: String(p.path ?? '/'), exact: p.pathType === 'Exact', namespace: ns, service: String(svc.name), port: svc.port?.number ?? String(svc.port?.name ?? '') });
      }
      servers.set(host, server);
    }
  }
  return servers;
}

/** nginx's server_name choice: the exact name, else the longest `*.` wildcard that matches. */
export function matchServer(servers: Iterable<IngressServer>, name: string): IngressServer | undefined {
  const host = name.toLowerCase().replace(/\.$/, '');
  let best: IngressServer | undefined;
  for (const s of servers) {
    if (s.host === host) return s;
    if (s.host.startsWith('*.') && host.endsWith(s.host.slice(1)) && (!best || s.host.length > best.host.length)) best = s;
  }
  return best;
}

/** nginx's location choice: an exact match, else the longest prefix. */
export function matchLocation(server: IngressServer, path: string): IngressLocation | undefined {
  const exact = server.locations.find((l) => l.exact && l.path === path);
  if (exact) return exact;
  return server.locations.filter((l) => !l.exact && path.startsWith(l.path)).sort((a, b) => b.path.length - a.path.length)[0];
}
