/**
 * The kubelet's serving settings from its config file (/var/lib/kubelet/config.yaml, a
 * kubelet.config.k8s.io/v1beta1 KubeletConfiguration), read as kubelet v1.34 reads it when it
 * starts: YAML 1.1 (sigs.k8s.io/yaml: `no`/`off` are booleans), unknown fields ignored (strict
 * decoding fails, the kubelet falls back to lenient decoding and only warns), a wrong type for a
 * known field is fatal, then v1beta1 defaults (pkg/kubelet/apis/config/v1beta1/defaults.go:
 * anonymous.enabled false, webhook.enabled true, authorization.mode Webhook, port 10250; readOnlyPort
 * has no default, so a missing one is 0 = disabled), validation (port ranges) and BuildAuth
 * (cmd/kubelet/app/auth.go: only AlwaysAllow and Webhook are authorization modes). The errors are
 * the kubelet's own `"command failed" err=…` texts (decode errors approximated after Go's; a
 * validation error's trailing `path: &KubeletConfiguration{…}` dump is left out).
 */
import { parse } from 'yaml';

export const KUBELET_CONFIG = '/var/lib/kubelet/config.yaml';

/** What the simulated kubelet serves with. */
export interface KubeletServing {
  port: number;
  /** 0 = no read-only port. */
  readOnlyPort: number;
  anonymous: boolean;
  webhookAuthn: boolean;
  /** authentication.x509.clientCAFile ('' = no client certificates accepted). */
  clientCAFile: string;
  authzMode: 'AlwaysAllow' | 'Webhook';
  /** tlsCertFile / tlsPrivateKeyFile ('' = the self-signed pair in /var/lib/kubelet/pki). */
  tlsCertFile: string;
  tlsPrivateKeyFile: string;
}

type Field = { path: string[]; type: 'bool' | 'int' | 'string'; goStruct: string; goType: string };

/** The fields the fake reads, with the Go struct the decoder names in a type error. */
const FIELDS: Field[] = [
  { path: ['port'], type: 'int', goStruct: 'KubeletConfiguration', goType: 'int32' },
  { path: ['readOnlyPort'], type: 'int', goStruct: 'KubeletConfiguration', goType: 'int32' },
  { path: ['authentication', 'anonymous', 'enabled'], type: 'bool', goStruct: 'KubeletAnonymousAuthentication', goType: 'bool' },
  { path: ['authentication', 'webhook', 'enabled'], type: 'bool', goStruct: 'KubeletWebhookAuthentication', goType: 'bool' },
  { path: ['authentication', 'x509', 'clientCAFile'], type: 'string', goStruct: 'KubeletX509Authentication', goType: 'string' },
  { path: ['authorization', 'mode'], type: 'string', goStruct: 'KubeletAuthorization', goType: 'v1beta1.KubeletAuthorizationMode' },
  { path: ['tlsCertFile'], type: 'string', goStruct: 'KubeletConfiguration', goType: 'string' },
  { path: ['tlsPrivateKeyFile'], type: 'string', goStruct: 'KubeletConfiguration', goType: 'string' },
];

const loadFailed = (file: string, detail: string): string => `failed to load kubelet config file, path: ${file}, error: failed to load Kubelet config file ${file}, error ${detail}`;

/** The settings, or the error the kubelet exits with (`text` null: the file is missing). */
export function parseKubeletConfig(text: string | null, file = KUBELET_CONFIG): KubeletServing | { error: string } {
  if (text === null) return { error: loadFailed(file, `failed to read kubelet config file "${file}", error: open ${file}: no such file or directory`) };
  let doc: unknown;
  try {
    doc = parse(text, { version: '1.1', uniqueKeys: false });
  } catch (e) {
    const first = (e as Error).message.split('\n')[0] ?? '';
    return { error: loadFailed(file, `failed to decode: yaml: ${first}`) };
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    return { error: loadFailed(file, 'failed to decode: Object \'Kind\' is missing in \'' + String(text).trim().slice(0, 80) + '\'') };
  }
  const d = doc as Record<string, unknown>;
  if (typeof d.kind !== 'string' || d.kind === '') return { error: loadFailed(file, `failed to decode: Object 'Kind' is missing in '${JSON.stringify(d).slice(0, 120)}'`) };
  if (d.kind !== 'KubeletConfiguration' || d.apiVersion !== 'kubelet.config.k8s.io/v1beta1') {
    return { error: loadFailed(file, `failed to decode: no kind "${d.kind}" is registered for version "${String(d.apiVersion ?? '')}" in scheme "pkg/kubelet/apis/config/scheme/scheme.go:34"`) };
  }
  const values = new Map<string, unknown>();
  for (const f of FIELDS) {
    const v = lookup(d, f.path);
    if (v === undefined || v === null) continue;
    const ok = f.type === 'bool' ? typeof v === 'boolean' : f.type === 'int' ? Number.isInteger(v) : typeof v === 'string';
    if (!ok) {
      const got = typeof v === 'boolean' ? 'bool' : typeof v === 'number' ? 'number' : typeof v === 'string' ? 'string' : Array.isArray(v) ? 'array' : 'object';
      return { error: loadFailed(file, `failed to decode: json: cannot unmarshal ${got} into Go struct field ${f.goStruct}.${f.path.join('.')} of type ${f.goType}`) };
    }
    values.set(f.path.join('.'), v);
  }
  const get = <T>(key: string, dflt: T): T => (values.has(key) ? (values.get(key) as T) : dflt);
  const port = get('port', 0) || 10250;
  const readOnlyPort = get('readOnlyPort', 0);
  if (port < 1 || port > 65535) return { error: `failed to validate kubelet configuration, error: invalid configuration: port (--port) ${port} must be between 1 and 65535, inclusive` };
  if (readOnlyPort !== 0 && (readOnlyPort < 1 || readOnlyPort > 65535)) {
    return { error: `failed to validate kubelet configuration, error: invalid configuration: readOnlyPort (--read-only-port) ${readOnlyPort} must be between 0 and 65535, inclusive` };
  }
  const mode: string = get<string>('authorization.mode', '') || 'Webhook';
  // BuildAuthz runs inside run(), whose errors Run wraps.
  if (mode !== 'AlwaysAllow' && mode !== 'Webhook') return { error: `failed to run Kubelet: unknown authorization mode ${mode}` };
  return {
    port,
    readOnlyPort,
    anonymous: get('authentication.anonymous.enabled', false),
    webhookAuthn: get('authentication.webhook.enabled', true),
    clientCAFile: get('authentication.x509.clientCAFile', ''),
    authzMode: mode,
    tlsCertFile: get('tlsCertFile', ''),
    tlsPrivateKeyFile: get('tlsPrivateKeyFile', ''),
  };
}

function lookup(doc: Record<string, unknown>, path: string[]): unknown {
  let cur: unknown = doc;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}
