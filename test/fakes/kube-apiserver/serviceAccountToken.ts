/**
 * The TokenRequest API (POST /api/v1/namespaces/<ns>/serviceaccounts/<name>/token, what
 * `kubectl create token` calls) and the authenticator for the tokens it issues: JWTs shaped like
 * kube-apiserver's (claims aud, exp, iat, iss, jti, kubernetes.io, nbf, sub), signed with an HMAC
 * of the fake's admin token instead of the service-account key. A token authenticates while it has
 * not expired and its ServiceAccount still exists with the same uid: user
 * system:serviceaccount:<ns>:<name> in groups system:serviceaccounts, system:serviceaccounts:<ns>
 * and system:authenticated. Pod-bound tokens (kubelet/projected.ts) are not verifiable.
 */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { findResource } from './resources.js';
import type { UserInfo } from './rbac.js';
import { invalid, notFound } from './status.js';
import type { KubeObject, ObjectStore } from './store.js';

const SERVICE_ACCOUNTS = findResource('', 'v1', 'serviceaccounts')!;
const ISSUER = 'https://kubernetes.default.svc.cluster.local';
const b64url = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
const sign = (key: string, data: string): string => createHmac('sha256', `sa-token:${key}`).update(data).digest('base64url');

/** The TokenRequest answer (201) for `body`, or a StatusError thrown (404 no such ServiceAccount, 422 too short). */
export function tokenRequest(store: ObjectStore, key: string, ns: string, name: string, body: Record<string, any>, nowSec = Math.floor(Date.now() / 1000)): KubeObject {
  const spec = (body.spec ?? {}) as Record<string, any>;
  const seconds = spec.expirationSeconds === undefined ? 3600 : Number(spec.expirationSeconds);
  if (!Number.isInteger(seconds) || seconds < 600) {
    throw invalid('TokenRequest', 'authentication.k8s.io', name, [{ reason: 'FieldValueInvalid', message: `Invalid value: ${spec.expirationSeconds}: may not specify a duration less than 10 minutes`, field: 'spec.expirationSeconds' }]);
  }
  const sa = store.get(SERVICE_ACCOUNTS, ns, name);
  if (!sa) throw notFound('serviceaccounts', '', name);
  const audiences: string[] = Array.isArray(spec.audiences) && spec.audiences.length > 0 ? spec.audiences.map(String) : [ISSUER];
  const payload = {
    aud: audiences,
    exp: nowSec + seconds,
    iat: nowSec,
    iss: ISSUER,
    jti: randomUUID(),
    'kubernetes.io': { namespace: ns, serviceaccount: { name, uid: sa.metadata.uid } },
    nbf: nowSec,
    sub: `system:serviceaccount:${ns}:${name}`,
  };
  const unsigned = `${b64url({ alg: 'RS256', kid: 'cks-lab-fake-sa-key' })}.${b64url(payload)}`;
  return {
    kind: 'TokenRequest',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { name, namespace: ns, creationTimestamp: null },
    spec: { audiences, expirationSeconds: seconds, boundObjectRef: null },
    status: { token: `${unsigned}.${sign(key, unsigned)}`, expirationTimestamp: new Date((nowSec + seconds) * 1000).toISOString().replace(/\.\d+Z$/, 'Z') },
  } as unknown as KubeObject;
}

/** The ServiceAccount a token issued by {@link tokenRequest} stands for, or null. */
export function serviceAccountTokenUser(store: ObjectStore, key: string, token: string, nowSec = Math.floor(Date.now() / 1000)): UserInfo | null {
  const parts = token.split('.');
  if (parts.length !== 3 || token.length > 8192) return null;
  const want = Buffer.from(sign(key, `${parts[0]}.${parts[1]}`));
  const got = Buffer.from(parts[2]!);
  if (want.length !== got.length || !timingSafeEqual(want, got)) return null;
  let claims: Record<string, any>;
  try {
    claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as Record<string, any>;
  } catch {
    return null;
  }
  if (typeof claims.exp !== 'number' || claims.exp <= nowSec) return null;
  const ns = String(claims['kubernetes.io']?.namespace ?? '');
  const name = String(claims['kubernetes.io']?.serviceaccount?.name ?? '');
  const sa = store.get(SERVICE_ACCOUNTS, ns, name);
  if (!sa || sa.metadata.uid !== claims['kubernetes.io']?.serviceaccount?.uid) return null;
  return { user: `system:serviceaccount:${ns}:${name}`, groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'] };
}
