/**
 * Cluster credentials we accept from a kubeconfig that came from a learner's node.
 *
 * `kind get kubeconfig` reads /etc/kubernetes/admin.conf from the control-plane node and copies
 * its `user:` map (and the cluster map, bar `server`) unchanged. A learner is root on that node,
 * so that file is hostile: an `exec:` credential plugin, an `auth-provider`, a token or key *file
 * path* or a `proxy-url` in it would be run, read or followed by @kubernetes/client-node on the
 * platform host. Here such a kubeconfig is reduced to inline data only — a CA bundle, a client
 * certificate and key or a bearer token, and an https server on a host we allow — and anything
 * else is refused with an error that names the field.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { parseDocument } from 'yaml';
import { AppError } from '../errors.js';

/** What a grader needs to reach one cluster's API, and nothing else. */
export interface ClusterCredentials {
  /** `https://<allowed host>:<port>`, rebuilt by us from the parsed URL. */
  server: string;
  /** Base64 PEM of the cluster CA. */
  caData: string;
  /** Bearer token, or an inline client certificate and key (base64 PEM). */
  auth: { token: string } | { certData: string; keyData: string };
}

export interface CredentialRules {
  /** Hosts the API server may be on (kind publishes it on the host's loopback by default). */
  allowedHosts?: readonly string[];
  /** Named in errors: where the kubeconfig came from. */
  source: string;
}

export const DEFAULT_API_HOSTS = ['127.0.0.1', 'localhost', '::1', '[::1]'] as const;
const MAX_KUBECONFIG_BYTES = 256 * 1024;
const MAX_DATA_CHARS = 64 * 1024;
const BASE64 = /^[A-Za-z0-9+/=\r\n]+$/;
const TOKEN = /^[\x21-\x7e]{1,4096}$/;
const CLUSTER_KEYS = new Set(['server', 'certificate-authority-data']);
const USER_KEYS = new Set(['token', 'client-certificate-data', 'client-key-data']);
/** Fields that make client-node run, read or follow something on this host: named in the error. */
const WHY: Record<string, string> = {
  exec: 'runs a credential plugin program',
  'auth-provider': 'runs an auth provider',
  tokenFile: 'reads a file',
  'client-certificate': 'reads a file',
  'client-key': 'reads a file',
  'certificate-authority': 'reads a file',
  'proxy-url': 'sends the traffic through a proxy',
  'insecure-skip-tls-verify': 'turns off certificate checks',
  as: 'impersonates another user',
  'as-groups': 'impersonates groups',
  username: 'sends a password',
  password: 'sends a password',
};

type Map_ = Record<string, unknown>;

const isMap = (v: unknown): v is Map_ => typeof v === 'object' && v !== null && !Array.isArray(v);

function refuse(rules: CredentialRules, field: string, detail: string): never {
  throw new AppError('cluster_unreachable', `${rules.source} is not safe to use: ${field} ${detail}. CKS Lab accepts only inline certificate/key/token data and an https server on ${(rules.allowedHosts ?? DEFAULT_API_HOSTS).join(', ')}.`, {
    field,
  });
}

function named(list: unknown, name: unknown, what: string, rules: CredentialRules): Map_ {
  if (!Array.isArray(list)) refuse(rules, `${what}s`, 'is missing');
  const entry: unknown = list.find((e) => isMap(e) && e.name === name);
  if (!isMap(entry)) refuse(rules, `${what}s`, `has no entry named ${JSON.stringify(name)}`);
  const body = entry[what];
  if (!isMap(body)) refuse(rules, `${what}s[${String(name)}].${what}`, 'is missing');
  return body;
}

function onlyKeys(body: Map_, allowed: Set<string>, path: string, rules: CredentialRules): void {
  for (const key of Object.keys(body)) {
    if (allowed.has(key)) continue;
    refuse(rules, `${path}.${key}`, WHY[key] ?? 'is not a field CKS Lab accepts');
  }
}

function base64Field(body: Map_, key: string, path: string, rules: CredentialRules): string {
  const v = body[key];
  if (typeof v !== 'string' || v.length === 0) refuse(rules, `${path}.${key}`, 'is missing');
  if (v.length > MAX_DATA_CHARS || !BASE64.test(v)) refuse(rules, `${path}.${key}`, 'is not bounded base64 data');
  return v.replace(/[\r\n]/g, '');
}

function serverUrl(raw: unknown, path: string, rules: CredentialRules): string {
  if (typeof raw !== 'string') refuse(rules, `${path}.server`, 'is missing');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    refuse(rules, `${path}.server`, 'is not a URL');
  }
  const hosts = rules.allowedHosts ?? DEFAULT_API_HOSTS;
  if (url.protocol !== 'https:') refuse(rules, `${path}.server`, `must be https (got ${url.protocol})`);
  if (url.username || url.password) refuse(rules, `${path}.server`, 'carries credentials');
  if (!hosts.includes(url.hostname)) refuse(rules, `${path}.server`, `points at ${url.hostname}`);
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) refuse(rules, `${path}.server`, 'has a path or query');
  const port = url.port || '443';
  return `https://${url.hostname.includes(':') && !url.hostname.startsWith('[') ? `[${url.hostname}]` : url.hostname}:${port}`;
}

/** Parse a kubeconfig from a learner's node into inline credentials, or throw an AppError naming the field. */
export function parseClusterCredentials(text: string, rules: CredentialRules): ClusterCredentials {
  if (Buffer.byteLength(text) > MAX_KUBECONFIG_BYTES) refuse(rules, 'the kubeconfig', `is larger than ${MAX_KUBECONFIG_BYTES / 1024} KiB`);
  const doc = parseDocument(text, { uniqueKeys: true, schema: 'core' });
  if (doc.errors.length > 0) refuse(rules, 'the kubeconfig', `is not valid YAML (${doc.errors[0]?.message.split('\n')[0] ?? ''})`);
  let root: unknown;
  try {
    root = doc.toJS({ maxAliasCount: 0 });
  } catch (e) {
    refuse(rules, 'the kubeconfig', `cannot be read (${(e as Error).message.split('\n')[0]})`);
  }
  if (!isMap(root)) refuse(rules, 'the kubeconfig', 'is not a mapping');
  const currentName = root['current-context'];
  if (typeof currentName !== 'string' || currentName === '') refuse(rules, 'current-context', 'is missing');
  const context = named(root.contexts, currentName, 'context', rules);
  const cluster = named(root.clusters, context.cluster, 'cluster', rules);
  const user = named(root.users, context.user, 'user', rules);
  const cpath = `clusters[${String(context.cluster)}].cluster`;
  const upath = `users[${String(context.user)}].user`;
  onlyKeys(cluster, CLUSTER_KEYS, cpath, rules);
  onlyKeys(user, USER_KEYS, upath, rules);
  const server = serverUrl(cluster.server, cpath, rules);
  const caData = base64Field(cluster, 'certificate-authority-data', cpath, rules);
  if (typeof user.token === 'string') {
    if (user['client-certificate-data'] !== undefined || user['client-key-data'] !== undefined) refuse(rules, upath, 'has both a token and a client certificate');
    if (!TOKEN.test(user.token)) refuse(rules, `${upath}.token`, 'is not a bounded printable token');
    return { server, caData, auth: { token: user.token } };
  }
  if (user.token !== undefined) refuse(rules, `${upath}.token`, 'is not a string');
  return {
    server,
    caData,
    auth: { certData: base64Field(user, 'client-certificate-data', upath, rules), keyData: base64Field(user, 'client-key-data', upath, rules) },
  };
}

/** A one-context kubeconfig YAML carrying only these credentials. */
export function credentialsToKubeconfig(c: ClusterCredentials, name: string): string {
  const user =
    'token' in c.auth
      ? { token: c.auth.token }
      : { 'client-certificate-data': c.auth.certData, 'client-key-data': c.auth.keyData };
  return JSON.stringify(
    {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name, cluster: { server: c.server, 'certificate-authority-data': c.caData } }],
      users: [{ name, user }],
      contexts: [{ name, context: { cluster: name, user: name } }],
      'current-context': name,
    },
    null,
    2,
  ) + '\n';
}

/**
 * One kubeconfig with a context per cluster (a mock exam's clusters, named cks1, cks2 …), each with
 * only its inline credentials, `current` selected: what a node needs for `kubectl config use-context`.
 */
export function contextsKubeconfig(entries: readonly { name: string; credentials: ClusterCredentials }[], current: string): string {
  const user = (c: ClusterCredentials) => ('token' in c.auth ? { token: c.auth.token } : { 'client-certificate-data': c.auth.certData, 'client-key-data': c.auth.keyData });
  return (
    JSON.stringify(
      {
        apiVersion: 'v1',
        kind: 'Config',
        clusters: entries.map((e) => ({ name: e.name, cluster: { server: e.credentials.server, 'certificate-authority-data': e.credentials.caData } })),
        users: entries.map((e) => ({ name: e.name, user: user(e.credentials) })),
        contexts: entries.map((e) => ({ name: e.name, context: { cluster: e.name, user: e.name } })),
        'current-context': current,
      },
      null,
      2,
    ) + '\n'
  );
}

/** A client-node KubeConfig holding exactly these credentials (built from options, not parsed). */
export function kubeConfigFromCredentials(c: ClusterCredentials, name: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name, server: c.server, caData: c.caData, skipTLSVerify: false }],
    users: [
      'token' in c.auth ? { name, token: c.auth.token } : { name, certData: c.auth.certData, keyData: c.auth.keyData },
    ],
    contexts: [{ name, cluster: name, user: name }],
    currentContext: name,
  });
  return kc;
}
