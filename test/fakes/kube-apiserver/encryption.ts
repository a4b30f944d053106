/**
 * Encryption at rest as kube-apiserver does it (k8s.io/apiserver storage/value/encrypt):
 * an EncryptionConfiguration (apiserver.config.k8s.io/v1) is parsed and validated with the real
 * error texts, and values are stored as `k8s:enc:<provider>:v1:<keyName>:` + real ciphertext:
 * - aescbc: random 16-byte IV + AES-CBC with PKCS#7 padding (aes/aes_cbc.go);
 * - aesgcm: random 12-byte nonce + AES-GCM sealed with the etcd key as additional data (aes/aes.go);
 * - secretbox: random 24-byte nonce + NaCl secretbox (XSalsa20-Poly1305, implemented in secretbox.ts).
 * The first provider of a resource writes; every provider may read; identity reads plain values.
 * kms providers are accepted by the parser but not served (the fake has no KMS plugin socket).
 */
import { createCipheriv, createDecipheriv, randomBytes, type CipherGCMTypes } from 'node:crypto';
import { parse } from 'yaml';
import { secretboxOpen, secretboxSeal } from './secretbox.js';

export type CipherName = 'aescbc' | 'aesgcm' | 'secretbox';
export type Provider = { type: CipherName; keys: { name: string; secret: Buffer }[] } | { type: 'identity' } | { type: 'kms'; name: string };

export interface ResourceRule {
  /** `secrets`, `configmaps`, `deployments.apps`, `*.apps`, `*.*`. */
  resources: string[];
  providers: Provider[];
}

/** A parsed, valid EncryptionConfiguration. */
export interface EncryptionConfig {
  rules: ResourceRule[];
}

/** Why kube-apiserver refuses the file, in its own words (LoadEncryptionConfig's wrapping included). */
export class EncryptionConfigError extends Error {}

const KEY_SIZES: Record<CipherName, number[]> = { aescbc: [16, 24, 32], aesgcm: [16, 24, 32], secretbox: [32] };
const PROVIDER_FIELDS = ['aescbc', 'aesgcm', 'secretbox', 'identity', 'kms'] as const;

/**
 * Parses `text` (the file at `path`) like kube-apiserver's encryptionconfig.loadConfig +
 * validation.ValidateEncryptionConfiguration; throws EncryptionConfigError with the message the
 * real server logs before exiting (`error while parsing file: …`).
 */
export function parseEncryptionConfig(text: string, path: string): EncryptionConfig {
  const fail = (msg: string): never => {
    throw new EncryptionConfigError(`error while parsing file: ${msg}`);
  };
  if (text.length === 0) fail(`encryption provider configuration file "${path}" is empty`);
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    fail(`error converting YAML to JSON: yaml: ${(e as Error).message.split('\n')[0]}`);
  }
  if (!isMap(doc)) return fail(`couldn't get version/kind; json parse error: json: cannot unmarshal ${typeof doc} into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }`);
  const kind = doc['kind'];
  const apiVersion = doc['apiVersion'];
  if (typeof kind !== 'string' || kind === '') fail(`Object 'Kind' is missing in '${text.trim().split('\n').join(' ')}'`);
  if (apiVersion !== 'apiserver.config.k8s.io/v1' || kind !== 'EncryptionConfiguration') {
    fail(`no kind "${String(kind)}" is registered for version "${String(apiVersion ?? '')}" in scheme "k8s.io/apiserver/pkg/server/options/encryptionconfig/config.go:…"`);
  }
  const resources = doc['resources'];
  if (!Array.isArray(resources) || resources.length === 0) fail('resources: Required value: resources is a required field');
  const errors: string[] = [];
  const rules: ResourceRule[] = [];
  (resources as unknown[]).forEach((entry, i) => {
    const at = `resources[${i}]`;
    const rule: ResourceRule = { resources: [], providers: [] };
    const names = isMap(entry) ? entry['resources'] : undefined;
    if (!Array.isArray(names) || names.length === 0) errors.push(`${at}.resources: Required value: resources is a required field`);
    else rule.resources = names.map(String);
    const providers = isMap(entry) ? entry['providers'] : undefined;
    if (!Array.isArray(providers) || providers.length === 0) errors.push(`${at}.providers: Required value: providers is a required field`);
    else providers.forEach((p, j) => rule.providers.push(...parseProvider(p, `${at}.providers[${j}]`, errors)));
    rules.push(rule);
  });
  if (errors.length === 1) fail(errors[0]!);
  if (errors.length > 1) fail(`[${errors.join(', ')}]`);
  return { rules };
}

function parseProvider(p: unknown, at: string, errors: string[]): Provider[] {
  if (!isMap(p)) {
    errors.push(`${at}: Invalid value: "null": provider does not contain any of the expected providers: KMS, AESGCM, AESCBC, Secretbox, Identity`);
    return [];
  }
  const present = PROVIDER_FIELDS.filter((f) => f in p);
  if (present.length === 0) {
    errors.push(`${at}: Invalid value: "${Object.keys(p).join(',')}": provider does not contain any of the expected providers: KMS, AESGCM, AESCBC, Secretbox, Identity`);
    return [];
  }
  if (present.length > 1) {
    errors.push(`${at}: Invalid value: "${present.join(',')}": more than one provider specified in a single element, should split into different list elements`);
    return [];
  }
  const type = present[0]!;
  if (type === 'identity') return [{ type: 'identity' }];
  const body = p[type];
  if (type === 'kms') return [{ type: 'kms', name: isMap(body) ? String(body['name'] ?? '') : '' }];
  const keys = isMap(body) ? body['keys'] : undefined;
  if (!Array.isArray(keys) || keys.length === 0) {
    errors.push(`${at}.${type}.keys: Required value: keys (each key has a name and a secret) are required`);
    return [];
  }
  const out: { name: string; secret: Buffer }[] = [];
  keys.forEach((k, n) => {
    const kat = `${at}.${type}.keys[${n}]`;
    const name = isMap(k) ? k['name'] : undefined;
    const secret = isMap(k) ? k['secret'] : undefined;
    if (typeof name !== 'string' || name === '') errors.push(`${kat}.name: Required value: key name is required`);
    if (typeof secret !== 'string' || secret === '') {
      errors.push(`${kat}.secret: Required value: secret is required`);
      return;
    }
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(secret) || secret.length % 4 !== 0) {
      errors.push(`${kat}.secret: Invalid value: "REDACTED": secrets must be base64 encoded`);
      return;
    }
    const bytes = Buffer.from(secret, 'base64');
    const sizes = KEY_SIZES[type];
    if (!sizes.includes(bytes.length)) {
      errors.push(`${kat}.secret: Invalid value: "REDACTED": secret is not of the expected length, got ${bytes.length}, expected one of [${sizes.join(' ')}]`);
      return;
    }
    if (typeof name === 'string' && name !== '') out.push({ name, secret: bytes });
  });
  return out.length === keys.length ? [{ type, keys: out }] : [];
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The providers for `resource` in `group` ('' = core), first matching rule wins; undefined = not encrypted. */
export function providersFor(cfg: EncryptionConfig | undefined, group: string, resource: string): Provider[] | undefined {
  if (!cfg) return undefined;
  const wanted = group === '' ? [resource, `${resource}.`] : [`${resource}.${group}`];
  const wildcard = [`*.${group}`, '*.*'];
  for (const rule of cfg.rules) if (rule.resources.some((r) => wanted.includes(r))) return rule.providers;
  for (const rule of cfg.rules) if (rule.resources.some((r) => wildcard.includes(r))) return rule.providers;
  return undefined;
}

/** The stored bytes for `plain` under the first provider, or undefined when it writes plain text (identity). */
export function encryptValue(providers: Provider[] | undefined, etcdKey: string, plain: Buffer): Buffer | undefined {
  const first = providers?.[0];
  if (!first || first.type === 'identity' || first.type === 'kms') return undefined;
  const key = first.keys[0]!;
  const prefix = Buffer.from(`k8s:enc:${first.type}:v1:${key.name}:`);
  return Buffer.concat([prefix, seal(first.type, key.secret, etcdKey, plain)]);
}

/** Reads a stored value back with any configured provider; throws the apiserver's error when none can. */
export function decryptValue(providers: Provider[] | undefined, etcdKey: string, raw: Buffer): Buffer {
  const encrypted = raw.subarray(0, 8).toString('latin1') === 'k8s:enc:';
  if (!providers) {
    if (encrypted) throw new Error(`identity transformer tried to read encrypted data`);
    return raw;
  }
  for (const p of providers) {
    if (p.type === 'identity') {
      if (!encrypted) return raw;
      continue;
    }
    if (p.type === 'kms') continue;
    const prefix = `k8s:enc:${p.type}:v1:`;
    if (!raw.subarray(0, prefix.length).equals(Buffer.from(prefix))) continue;
    const rest = raw.subarray(prefix.length);
    for (const k of p.keys) {
      const kp = Buffer.from(`${k.name}:`);
      if (!rest.subarray(0, kp.length).equals(kp)) continue;
      return open(p.type, k.secret, etcdKey, rest.subarray(kp.length));
    }
    throw new Error(`no matching key was found for the provided ${p.type === 'secretbox' ? 'Secretbox' : 'AES'} transformer`);
  }
  throw new Error('no matching prefix found');
}

function seal(type: CipherName, key: Buffer, etcdKey: string, plain: Buffer): Buffer {
  if (type === 'aescbc') {
    const iv = randomBytes(16);
    const c = createCipheriv(`aes-${key.length * 8}-cbc`, key, iv); // PKCS#7 padding is node's default
    return Buffer.concat([iv, c.update(plain), c.final()]);
  }
  if (type === 'aesgcm') {
    const nonce = randomBytes(12);
    const c = createCipheriv(`aes-${key.length * 8}-gcm` as CipherGCMTypes, key, nonce);
    c.setAAD(Buffer.from(etcdKey));
    const body = Buffer.concat([c.update(plain), c.final()]);
    return Buffer.concat([nonce, body, c.getAuthTag()]);
  }
  const nonce = randomBytes(24);
  return Buffer.concat([nonce, secretboxSeal(plain, nonce, key)]);
}

function open(type: CipherName, key: Buffer, etcdKey: string, data: Buffer): Buffer {
  try {
    if (type === 'aescbc') {
      const d = createDecipheriv(`aes-${key.length * 8}-cbc`, key, data.subarray(0, 16));
      return Buffer.concat([d.update(data.subarray(16)), d.final()]);
    }
    if (type === 'aesgcm') {
      const d = createDecipheriv(`aes-${key.length * 8}-gcm` as CipherGCMTypes, key, data.subarray(0, 12));
      d.setAAD(Buffer.from(etcdKey));
      d.setAuthTag(data.subarray(data.length - 16));
      return Buffer.concat([d.update(data.subarray(12, data.length - 16)), d.final()]);
    }
    const out = secretboxOpen(data.subarray(24), data.subarray(0, 24), key);
    if (!out) throw new Error('output array too small');
    return out;
  } catch {
    throw new Error(type === 'secretbox' ? 'output array too small' : type === 'aescbc' ? 'invalid PKCS7 data (empty or not padded)' : 'cipher: message authentication failed');
  }
}
