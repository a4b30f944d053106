/**
 * `encryptionConfig` checks: an EncryptionConfiguration file on the node, judged the way
 * kube-apiserver uses it. The FIRST provider listed for a resource encrypts every write; the
 * others only decrypt. So `identity` first stores plain text whatever follows, a key must decode
 * (base64) to a size its cipher accepts (kube-apiserver refuses to start otherwise), and
 * `identity` last keeps values written before encryption readable.
 * Reference: https://kubernetes.io/docs/tasks/administer-cluster/encrypt-data/
 */
import type { EncryptionConfigCheck } from '../../scenarios/types.js';
import type { CheckResult, CheckRunner } from '../types.js';
import { parseYamlFile, readNodeFile } from './nodeYaml.js';

/** Key sizes (bytes) each cipher accepts (k8s.io/apiserver config validation). */
const KEY_SIZES: Record<string, number[]> = { aescbc: [16, 24, 32], aesgcm: [16, 24, 32], secretbox: [32] };
const PROVIDER_TYPES = ['aescbc', 'aesgcm', 'secretbox', 'identity', 'kms'];

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);

export const runEncryptionConfigCheck: CheckRunner<EncryptionConfigCheck> = async (check, probes) => {
  const { path, resource, expect } = check;
  const allowed = expect.firstProviderOneOf;
  const expected = `${path}: an EncryptionConfiguration whose first provider for ${resource} is ${allowed.join(' or ')} with a valid key${expect.identityLast ? ', identity last' : ''}`;
  const fail = (actual: string): Omit<CheckResult, 'id'> => ({ status: 'fail', message: `${check.description}: ${actual}`, expected, actual });
  const text = await readNodeFile(probes, path, check.node);
  if (text === null) return fail(`${path} not found`);
  const parsed = parseYamlFile(text);
  if ('error' in parsed) return fail(`${path} is ${parsed.error}`);
  const doc = parsed.doc;
  if (!isRec(doc) || doc['kind'] !== 'EncryptionConfiguration' || doc['apiVersion'] !== 'apiserver.config.k8s.io/v1') {
    const kind = isRec(doc) ? `${String(doc['apiVersion'] ?? '(no apiVersion)')} ${String(doc['kind'] ?? '(no kind)')}` : 'not a YAML map';
    return fail(`${path} is ${kind}, not apiserver.config.k8s.io/v1 EncryptionConfiguration`);
  }
  const rule = (Array.isArray(doc['resources']) ? doc['resources'] : []).filter(isRec).find((r) => covers(r['resources'], resource));
  if (!rule) return fail(`no entry under resources lists "${resource}": they are stored without encryption`);
  const providers = (Array.isArray(rule['providers']) ? rule['providers'] : []).map(providerOf);
  const first = providers[0];
  if (!first) return fail(`the entry for ${resource} lists no providers`);
  if (!allowed.includes(first.type)) {
    const why = first.type === 'identity' ? ' — identity stores plain text, and only the first provider encrypts new writes' : '';
    return fail(`the first provider for ${resource} is ${first.type}${why} (order: ${providers.map((p) => p.type).join(', ')})`);
  }
  const keyProblem = checkKeys(first);
  if (keyProblem) return fail(keyProblem);
  const last = providers[providers.length - 1]!;
  if (expect.identityLast && last.type !== 'identity') {
    return fail(`the last provider for ${resource} is ${last.type}, not identity: values stored before encryption could no longer be read (order: ${providers.map((p) => p.type).join(', ')})`);
  }
  const keyNames = (first.keys ?? []).map((k) => (isRec(k) ? String(k['name']) : '?')).join(', ');
  return { status: 'pass', message: check.description, expected, actual: `${resource}: ${providers.map((p) => p.type).join(', ')} (${first.type} key ${keyNames})` };
};

/** Whether a `resources` list names `resource` (core `secrets`, `secrets.`, or the `*.` / `*.*` wildcards). */
function covers(list: unknown, resource: string): boolean {
  if (!Array.isArray(list)) return false;
  return list.some((r) => r === resource || r === `${resource}.` || r === '*.' || r === '*.*');
}

function providerOf(p: unknown): { type: string; keys?: unknown[] } {
  if (!isRec(p)) return { type: 'invalid' };
  const types = Object.keys(p).filter((k) => PROVIDER_TYPES.includes(k));
  if (types.length !== 1) return { type: types.length === 0 ? `unknown (${Object.keys(p).join(', ') || 'empty'})` : `invalid (${types.join(' and ')} in one entry)` };
  const type = types[0]!;
  const body = p[type];
  return { type, keys: isRec(body) && Array.isArray(body['keys']) ? body['keys'] : [] };
}

/** Why kube-apiserver would reject the first provider's keys, or undefined. */
function checkKeys(provider: { type: string; keys?: unknown[] }): string | undefined {
  const sizes = KEY_SIZES[provider.type];
  if (!sizes) return undefined;
  const keys = provider.keys ?? [];
  if (keys.length === 0) return `${provider.type} has no keys`;
  for (const [i, k] of keys.entries()) {
    const name = isRec(k) && typeof k['name'] === 'string' && k['name'] !== '' ? k['name'] : undefined;
    const secret = isRec(k) ? k['secret'] : undefined;
    if (!name) return `${provider.type} key #${i + 1} has no name`;
    if (typeof secret !== 'string' || secret === '') return `${provider.type} key ${name} has no secret`;
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(secret) || secret.length % 4 !== 0) return `${provider.type} key ${name} is not base64: kube-apiserver will not start with it`;
    const bytes = Buffer.from(secret, 'base64').length;
    if (!sizes.includes(bytes)) {
      return `${provider.type} key ${name} decodes to ${bytes} bytes; ${provider.type} needs ${sizes.join(', ')} bytes (kube-apiserver will not start with it)`;
    }
  }
  return undefined;
}
