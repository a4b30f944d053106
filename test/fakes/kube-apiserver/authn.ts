/**
 * Who a request is, and which authorizers judge it, as kube-apiserver v1.34 decides from its flags.
 *
 * Authentication: the admin bearer token is kubeadm's admin.conf user (group system:masters); a
 * node's token (see test/fakes/lib/node-token.mjs — real kind uses a client certificate with
 * CN=system:node:<node>, O=system:nodes) is that kubelet; a request without credentials is
 * `system:anonymous` in group `system:unauthenticated` while --anonymous-auth is on (its default,
 * and kubeadm's), else 401. A bearer token nobody knows is 401 even with anonymous auth on.
 *
 * Flags: --anonymous-auth (bool), --authorization-mode (ordered list of Node, RBAC, AlwaysAllow,
 * AlwaysDeny, ABAC, Webhook; kube-apiserver's own default is AlwaysAllow), --authentication-config
 * (its `anonymous` section; see withAuthenticationConfig). A value kube-apiserver refuses, or a flag
 * it does not know in this family (a typo such as --anonymus-auth), makes it exit at start with its
 * own message (for an unreadable or foreign authentication config file the message is approximated).
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { parse } from 'yaml';
import { nodeToken } from '../lib/node-token.mjs';
import type { UserInfo } from './rbac.js';

/** kube-apiserver's authentication and authorization settings. */
export interface AuthConfig {
  anonymous: boolean;
  /** From an AuthenticationConfiguration's `anonymous.conditions`: anonymous only on these exact paths. */
  anonymousPaths?: readonly string[];
  modes: readonly string[];
}

/** What the flags say, before --authentication-config's file is read (see {@link withAuthenticationConfig}). */
export interface FlagAuth extends AuthConfig {
  /** --anonymous-auth was given (then the file may not configure `anonymous`). */
  anonymousFlagSet?: true;
  /** --authentication-config's path (inside the kube-apiserver container). */
  configFile?: string;
}

/** kubeadm's (kind's) kube-apiserver: anonymous auth on (flag unset), --authorization-mode=Node,RBAC. */
export const KUBEADM_AUTH: AuthConfig = { anonymous: true, modes: ['Node', 'RBAC'] };

/** The admin.conf user: bound to cluster-admin through system:masters. */
export const ADMIN: UserInfo = { user: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] };
export const ANONYMOUS: UserInfo = { user: 'system:anonymous', groups: ['system:unauthenticated'] };

const MODES = new Set(['AlwaysAllow', 'AlwaysDeny', 'ABAC', 'Webhook', 'RBAC', 'Node']);

/** Flags of this family kube-apiserver v1.34 knows (kube-apiserver --help). */
const KNOWN_FLAGS = new Set([
  '--anonymous-auth', '--authentication-config', '--authentication-token-webhook-cache-ttl', '--authentication-token-webhook-config-file',
  '--authentication-token-webhook-version', '--authorization-config', '--authorization-mode', '--authorization-policy-file',
  '--authorization-webhook-cache-authorized-ttl', '--authorization-webhook-cache-unauthorized-ttl', '--authorization-webhook-config-file',
  '--authorization-webhook-version', '--enable-admission-plugins', '--disable-admission-plugins', '--admission-control-config-file',
]);

/** The settings a kube-apiserver started with `args` uses, or the error it exits with. */
export function authFromFlags(args: string[]): FlagAuth | { error: string } {
  let anonymous = true;
  let anonymousFlagSet = false;
  let configFile: string | undefined;
  let modes: string[] | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('--')) continue;
    const eq = arg.indexOf('=');
    const flag = eq < 0 ? arg : arg.slice(0, eq);
    if (!KNOWN_FLAGS.has(flag) && [...KNOWN_FLAGS].some((k) => looksLike(flag, k))) return { error: `unknown flag: ${flag}` };
    if (flag === '--anonymous-auth') {
      // A bool flag: `--anonymous-auth` alone means true; its value only with `=`.
      const value = eq < 0 ? 'true' : arg.slice(eq + 1);
      const parsed = parseBool(value);
      if (parsed === undefined) return { error: `invalid argument "${value}" for "--anonymous-auth" flag: strconv.ParseBool: parsing "${value}": invalid syntax` };
      anonymous = parsed;
      anonymousFlagSet = true;
    } else if (flag === '--authentication-config') {
      configFile = eq < 0 ? (args[++i] ?? '') : arg.slice(eq + 1);
    } else if (flag === '--authorization-mode') {
      const value = eq < 0 ? (args[++i] ?? '') : arg.slice(eq + 1);
      // A string-slice flag: given twice, the lists add up.
      modes = [...(modes ?? []), ...value.split(',').map((m) => m.trim()).filter(Boolean)];
    }
  }
  modes ??= ['AlwaysAllow'];
  if (modes.length === 0) return { error: 'at least one authorization-mode must be passed' };
  const bad = modes.find((m) => !MODES.has(m));
  if (bad) return { error: `authorization-mode "${bad}" is not a valid mode` };
  if (modes.includes('ABAC')) return { error: "authorization-mode ABAC's authorization policy file not passed" };
  if (modes.includes('Webhook')) return { error: "authorization-mode Webhook's authorization config file not passed" };
  return { anonymous, modes, ...(anonymousFlagSet ? { anonymousFlagSet: true as const } : {}), ...(configFile !== undefined ? { configFile } : {}) };
}

/**
 * The settings once kube-apiserver has read its AuthenticationConfiguration (`text`, from
 * --authentication-config): its `anonymous` section (v1.34: AnonymousAuthConfigurableEndpoints is
 * GA) replaces --anonymous-auth — both at once is a start failure — and `conditions` limit anonymous
 * requests to those exact paths (every other path: 401). JWT authenticators are not modelled.
 */
export function withAuthenticationConfig(flags: FlagAuth, text: string): AuthConfig | { error: string } {
  let doc: any;
  try {
    doc = parse(text);
  } catch (e) {
    return { error: `failed to load authentication configuration from file "${flags.configFile ?? ''}": ${(e as Error).message.split('\n')[0]}` };
  }
  const { anonymousFlagSet: _f, configFile: _c, ...base } = flags;
  if (!doc || doc.kind !== 'AuthenticationConfiguration' || !/^apiserver\.config\.k8s\.io\/(v1|v1beta1|v1alpha1)$/.test(String(doc.apiVersion))) {
    return { error: `failed to load authentication configuration from file "${flags.configFile ?? ''}": no kind "${String(doc?.kind ?? '')}" is registered for version "${String(doc?.apiVersion ?? '')}"` };
  }
  const anon = doc.anonymous as { enabled?: unknown; conditions?: { path?: unknown }[] } | undefined | null;
  if (anon === undefined || anon === null) return base;
  if (flags.anonymousFlagSet) return { error: 'anonymous: Forbidden: --anonymous-auth flag cannot be set when anonymous field is configured in authentication configuration file' };
  const conditions = Array.isArray(anon.conditions) ? anon.conditions : [];
  if (anon.enabled !== true && conditions.length > 0) return { error: `anonymous.conditions: Invalid value: ${JSON.stringify(conditions)}: enabled should be set to true when conditions are defined` };
  const paths = conditions.map((c) => String(c?.path ?? ''));
  return { ...base, anonymous: anon.enabled === true, ...(paths.length > 0 ? { anonymousPaths: paths } : {}) };
}

/** Go's strconv.ParseBool. */
function parseBool(v: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  return undefined;
}

/**
 * Why kube-apiserver would exit at start over the bool flag `name` (e.g. --profiling, which CIS
 * benchmark fixes set): a value strconv.ParseBool refuses, or a typo of the flag's name; else null.
 */
export function boolFlagError(args: string[], name: string): string | null {
  for (const arg of args) {
    if (!arg.startsWith('--')) continue;
    const eq = arg.indexOf('=');
    const flag = eq < 0 ? arg : arg.slice(0, eq);
    if (flag !== name) {
      if (!KNOWN_FLAGS.has(flag) && looksLike(flag, name)) return `unknown flag: ${flag}`;
      continue;
    }
    const value = eq < 0 ? 'true' : arg.slice(eq + 1);
    if (parseBool(value) === undefined) return `invalid argument "${value}" for "${name}" flag: strconv.ParseBool: parsing "${value}": invalid syntax`;
  }
  return null;
}

/** A typo of a known flag (edit distance ≤ 2), which kube-apiserver rejects as unknown. */
function looksLike(flag: string, known: string): boolean {
  if (Math.abs(flag.length - known.length) > 2) return false;
  let prev = Array.from({ length: known.length + 1 }, (_, j) => j);
  for (let i = 1; i <= flag.length; i++) {
    const row = [i];
    for (let j = 1; j <= known.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (flag[i - 1] === known[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[known.length]! <= 2;
}

/** The identities the fake knows by bearer token: the admin and each node's kubelet. */
export class Authenticator {
  private readonly tokens = new Map<string, UserInfo>();

  /** Tokens verified rather than looked up (ServiceAccount tokens from TokenRequest: serviceAccountToken.ts). */
  verifyToken?: (token: string) => UserInfo | null;

  constructor(adminToken: string, nodeNames: string[]) {
    this.tokens.set(adminToken, ADMIN);
    for (const n of nodeNames) this.tokens.set(nodeToken(adminToken, n), { user: `system:node:${n}`, groups: ['system:nodes', 'system:authenticated'] });
  }

  /**
   * The request's user, or null for 401 (a token nobody knows; no credentials while anonymous auth is
   * off; a client certificate the cluster CA did not sign and no token). `cert` is what
   * {@link clientCertUser} made of the TLS client certificate: x509 comes before tokens, as in
   * kube-apiserver's union authenticator.
   */
  authenticate(headers: IncomingHttpHeaders, config: AuthConfig, path: string, cert?: UserInfo | null): UserInfo | null {
    if (cert) return cert;
    const header = headers.authorization;
    if (typeof header === 'string' && header !== '') {
      const m = /^Bearer\s+(\S+)$/i.exec(header);
      return (m && (this.tokens.get(m[1]!) ?? this.verifyToken?.(m[1]!))) || null;
    }
    if (!config.anonymous || cert === null) return null;
    return !config.anonymousPaths || config.anonymousPaths.includes(path) ? ANONYMOUS : null;
  }
}

/** Is this the kubelet of a node? (kube-apiserver's nodeidentifier: user system:node:<name> in group system:nodes) */
export function nodeIdentity(who: UserInfo): string | undefined {
  if (!who.user.startsWith('system:node:') || !who.groups.includes('system:nodes')) return undefined;
  return who.user.slice('system:node:'.length) || undefined;
}

const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const ANY_EKU = '2.5.29.37.0';

/**
 * kube-apiserver's x509 authenticator (--client-ca-file): a client certificate that chains to the
 * cluster CA, is within its validity and allows client auth (no extended key usage = any) is user
 * CN in groups O… (plus system:authenticated); a certificate without CN authenticates nobody
 * (undefined, the next authenticator decides); one that does not verify is null (401 unless a
 * token authenticates). No certificate, or plain HTTP: undefined.
 */
export function clientCertUser(socket: Socket): UserInfo | null | undefined {
  const tls = socket as Partial<TLSSocket>;
  if (typeof tls.getPeerCertificate !== 'function') return undefined;
  const cert = tls.getPeerCertificate();
  if (!cert || Object.keys(cert).length === 0) return undefined;
  if (!tls.authorized) return null;
  const eku = (cert as { ext_key_usage?: string[] }).ext_key_usage;
  if (Array.isArray(eku) && !eku.includes(CLIENT_AUTH) && !eku.includes(ANY_EKU)) return null;
  const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
  const cn = list(cert.subject?.CN).at(-1) ?? '';
  if (cn === '') return undefined;
  return { user: cn, groups: [...list(cert.subject?.O), 'system:authenticated'] };
}
